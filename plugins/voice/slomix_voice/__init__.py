"""Slomix voice: the gaming evening as the voice channels show it, and who can play tonight."""
