"""``[plugins.predictions]``."""

from __future__ import annotations

import msgspec


class PredictionsSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    # Post a prediction to Discord when a map's first round arrives (only while the model beats
    # every baseline on walk-forward log loss; otherwise predictions are kept unpublished).
    announce: bool = False
    # Ratings are rebuilt this long after the last finished map (several maps, one rebuild).
    rebuild_delay_seconds: float = 10.0
    # Rounds older than this are history being imported: no prediction is announced for them.
    announce_max_age_hours: float = 12.0
