"""Duo and lineup synergy, matchups, nemesis.

Not built yet: the plugin registers so that it can be listed and switched off,
and declares no commands, routes, migrations or reactions until its issue lands.
"""


class SynergyPlugin:
    """Registers under the name ``synergy``; implements no hooks yet."""
