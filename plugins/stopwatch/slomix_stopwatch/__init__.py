"""Persistent teams and map-based scoring.

Not built yet: the plugin registers so that it can be listed and switched off,
and declares no commands, routes, migrations or reactions until its issue lands.
"""


class StopwatchPlugin:
    """Registers under the name ``stopwatch``; implements no hooks yet."""
