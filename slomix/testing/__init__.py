"""The testing kit for Slomix and third-party plugins: fixtures (``slomix.testing.plugin``, a pytest
plugin registered as ``pytest11``), fakes of what tests cannot reach, and the terminal operator."""

from slomix.kernel import CLI_ACTOR
from slomix.kernel.scheduler import ManualClock

__all__ = ["CLI_ACTOR", "ManualClock"]
