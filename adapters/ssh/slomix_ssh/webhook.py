"""``POST /api/ingest/round-end``: the game server's signed round-end report.

Checks, in order, each refusal naming its reason and changing nothing: a secret is configured
(503), both signature headers are present (401), the timestamp is inside the replay window
(401), the body fits the size limit (413), the HMAC matches (401), the body is JSON (400)
naming its round (422). Then the pollers are woken (the stats file is about to land) and the
body is handed to ``on_file`` as ``round-end-<map>-R<n>-<round_end_unix>.json``. When every
plugin that recognised the report quarantined it, the answer is 422 with their reasons (the
plugins keep the bytes, so nothing is lost); when a plugin could not store it (its own
failure, the database), 503, so that it is sent again.
"""

from __future__ import annotations

import logging
import re
import time

import msgspec

from slomix.kernel import Headers, HTTPError, IncomingFile, JSONResponse, Request, Route, Unprocessable
from slomix.kernel.web import json_value

from . import payload, signing, wake
from .poller import summarize
from .settings import SshSettings

PATH = "/api/ingest/round-end"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")

log = logging.getLogger("slomix.ssh")


class Outcome(msgspec.Struct):
    plugin: str
    status: str
    kind: str = ""
    detail: str = ""


class Accepted(msgspec.Struct):
    """The file name the report was stored under and what each plugin did with it."""

    file: str
    outcomes: list[Outcome]


def _check_headers(settings: SshSettings, headers: Headers, now: float) -> tuple[str, str]:
    timestamp = headers.get(signing.TIMESTAMP_HEADER)
    given = headers.get(signing.SIGNATURE_HEADER)
    if timestamp is None or given is None:
        missing = signing.TIMESTAMP_HEADER if timestamp is None else signing.SIGNATURE_HEADER
        raise HTTPError(401, f"unsigned request: missing {missing} header")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise HTTPError(401, f"{signing.TIMESTAMP_HEADER} must be unix seconds")
    if abs(now - int(timestamp)) > settings.webhook_window_seconds:
        raise HTTPError(401, f"stale timestamp: more than {settings.webhook_window_seconds} s from the server's "
                           "clock (replayed, or the game server's clock is off)")
    return timestamp, given


async def _receive(request: Request, settings: SshSettings) -> Accepted:
    secret = settings.webhook_secret.reveal()
    if secret is None:
        raise HTTPError(503, "webhook secret not configured")
    timestamp, given = _check_headers(settings, request.headers, time.time())
    body = await request.body(settings.webhook_max_bytes)
    if not signing.verify(secret, timestamp, body, given):
        raise HTTPError(401, "bad signature")
    try:
        report = json_value(body, payload.Envelope, where="$")
    except Unprocessable as error:
        raise HTTPError(422, f"invalid round-end report: {error.message}") from None
    kernel = request.kernel
    await wake.notify(kernel.db.pool)
    name = report.file_name()
    outcomes = await kernel.ingest(IncomingFile(name=name, data=body, source="webhook"))
    log.info("webhook: %s: %s", name, summarize(outcomes))
    failed = [f"{plugin}: {o.detail}" for plugin, o in outcomes if o.status == "failed"]
    if failed:
        raise HTTPError(503, "the report could not be stored now, send it again: " + "; ".join(failed))
    if outcomes and all(o.status == "quarantined" for _plugin, o in outcomes):
        reasons = "; ".join(f"{plugin}: {o.detail}" for plugin, o in outcomes)
        raise HTTPError(422, f"invalid round-end report: {reasons}")
    return Accepted(name, [Outcome(plugin, o.status, o.kind, o.detail) for plugin, o in outcomes])


def route(settings: SshSettings) -> Route:
    async def round_end(request: Request) -> JSONResponse:
        try:
            accepted = await _receive(request, settings)
        except HTTPError as refusal:
            log.warning("webhook refused from %s (%d): %s", request.client or "?", refusal.status, refusal.message)
            raise
        return JSONResponse(accepted, status=202)

    return Route("POST", PATH, round_end, response_type=Accepted, csrf=False, tags=("ingest",),
                 max_body=settings.webhook_max_bytes, status=202,
                 errors={401: "The signature or its timestamp is missing, stale or wrong",
                         503: "No webhook secret is configured, or the report cannot be stored now: send it again"},
                 summary="Round-end report from the game server's Lua: HMAC-SHA256 signed "
                         f"({signing.TIMESTAMP_HEADER}, {signing.SIGNATURE_HEADER}: sha256=<hex of "
                         "HMAC(secret, timestamp + '.' + body)>), flat JSON as written by lua/slomix_round_end.lua")
