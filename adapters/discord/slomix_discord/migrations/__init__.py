"""The Discord adapter's migrations (schema ``discord``)."""
