"""Posting a prediction to the community's channel: only when configured, and only while the model
beats every baseline on walk-forward log loss (otherwise it is kept, unpublished)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slomix.kernel import Announcement, Reply

from . import store
from .replay import Evaluation
from .settings import PredictionsSettings


async def gate(kernel: Any) -> tuple[Evaluation | None, str | None]:
    """The current evaluation and, when predictions may not be published, the reason in one sentence."""
    settings = kernel.settings_for("predictions") or PredictionsSettings()
    evaluation = await store.evaluation(kernel.db.pool)
    if not settings.announce:
        return evaluation, "predictions are not posted here (plugins.predictions.announce is off)."
    if evaluation is None or evaluation.n == 0:
        return evaluation, "no finished stopwatch map has been rated yet."
    if not evaluation.beats_baselines:
        return evaluation, (f"the model does not beat every baseline yet (walk-forward log loss "
                            f"{evaluation.margin():+.3f} against the best, over {evaluation.n} maps).")
    return evaluation, None


async def mark_published(db: Any, prediction_id: int) -> None:
    await db.execute("UPDATE predictions.predictions SET published = true WHERE id = $1", prediction_id)


async def publish(kernel: Any, prediction_id: int, key: str,
                  reply: Callable[[Evaluation], Awaitable[Reply]]) -> bool:
    """Announce prediction ``prediction_id`` under ``key`` when the gate is open; True when it was."""
    evaluation, closed = await gate(kernel)
    if closed is not None or evaluation is None:
        return False
    await mark_published(kernel.db.pool, prediction_id)
    await kernel.broadcast("on_announce", announcement=Announcement(topic="prediction", key=key,
                                                                    reply=await reply(evaluation)))
    return True
