"""Player ratings per stopwatch map (openskill with partial play), win predictions scored
walk-forward against baselines, and team balance."""

from .plugin import PredictionsPlugin

__all__ = ["PredictionsPlugin"]
