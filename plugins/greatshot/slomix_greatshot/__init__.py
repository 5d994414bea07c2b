"""Demo upload, parsing, highlights and clips.

Not built yet: the plugin registers so that it can be listed and switched off,
and declares no commands, routes, migrations or reactions until its issue lands.
"""

from . import demo_cli


class GreatshotPlugin:
    """Registers under the name ``greatshot``; so far only the ``slomix demo`` sub-commands."""

    on_cli = demo_cli.on_cli
