"""Demo upload, parsing, highlights and clips.

Not built yet: the plugin registers so that it can be listed and switched off,
and declares no commands, routes, migrations or reactions until its issue lands.
"""


class GreatshotPlugin:
    """Registers under the name ``greatshot``; implements no hooks yet."""
