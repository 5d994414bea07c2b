"""Match predictions and their tracking.

Not built yet: the plugin registers so that it can be listed and switched off,
and declares no commands, routes, migrations or reactions until its issue lands.
"""


class PredictionsPlugin:
    """Registers under the name ``predictions``; implements no hooks yet."""
