"""Posting a prediction to the community's channel: only when configured, and only while the model
beats every baseline on walk-forward log loss (otherwise it is kept, unpublished)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slomix.kernel import Announcement, Reply

from . import store
from .replay import Evaluation
from .settings import PredictionsSettings


async def publish(kernel: Any, prediction_id: int, key: str,
                  reply: Callable[[Evaluation], Awaitable[Reply]]) -> bool:
    """Announce prediction ``prediction_id`` under ``key`` when the gate is open; True when it was."""
    settings = kernel.settings_for("predictions") or PredictionsSettings()
    pool = kernel.db.pool
    evaluation = await store.evaluation(pool)
    if not (settings.announce and evaluation is not None and evaluation.beats_baselines):
        return False
    await pool.execute("UPDATE predictions.predictions SET published = true WHERE id = $1", prediction_id)
    await kernel.broadcast("on_announce", announcement=Announcement(topic="prediction", key=key,
                                                                    reply=await reply(evaluation)))
    return True
