"""Proximity telemetry ingest and analytics.

Not built yet: the plugin registers so that it can be listed and switched off,
and declares no commands, routes, migrations or reactions until its issue lands.
"""


class ProximityPlugin:
    """Registers under the name ``proximity``; implements no hooks yet."""
