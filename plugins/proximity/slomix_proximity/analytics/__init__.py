"""What a round's telemetry says, computed once when the round is stored (``derive``).

Each module defines one analysis and says what it means in its ``DEFINITION`` (shown on the
pages beside the figures).
"""

from .derive import KillFact, PlayerFact, RoundFacts, derive

__all__ = ["KillFact", "PlayerFact", "RoundFacts", "derive"]
