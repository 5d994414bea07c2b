"""The tonight page (who is in, who is maybe, who is in voice now) and its JSON twin."""

from __future__ import annotations

import hashlib
from html import escape
from importlib.resources import files

from slomix.kernel import Page, Request, Response, Route

from . import avail
from .avail import Tonight
from .settings import VoiceSettings

REFRESH_SECONDS = 30


def _asset(name: str) -> tuple[bytes, str]:
    """The file's bytes and a URL that changes with them (so it can be cached for good)."""
    data = files("slomix_voice").joinpath(f"static/{name}").read_bytes()
    return data, f"/voice/{name}?v={hashlib.sha256(data).hexdigest()[:10]}"


CSS, CSS_URL = _asset("tonight.css")
JS, JS_URL = _asset("tonight.js")


def _person(name: str, kind: str, in_voice: bool) -> str:
    face = escape(name[:1].upper() or "?")
    dot = '<span class="dot" title="in voice now"></span>' if in_voice and kind != "voice" else ""
    classes = f"person {kind}" + (" voice" if in_voice else "")
    return f'<li class="{classes}"><span class="face">{face}</span><span class="name">{escape(name)}</span>{dot}</li>'


def _group(title: str, names: list[str], kind: str, in_voice: set[str], empty: str) -> str:
    people = "".join(_person(n, kind, n in in_voice) for n in names)
    body = f'<ul class="people">{people}</ul>' if people else f'<p class="empty-seat">{escape(empty)}</p>'
    return f'<section class="seat-group"><h2>{escape(title)} · {len(names)}</h2>{body}</section>'


def page_html(t: Tonight) -> str:
    on = t.missing == 0
    share = min(len(t.yes) * 10 // max(t.game_on_at, 1), 10)
    if on:
        verdict = f"Game on at {t.game_time}! {len(t.yes)} are in."
    elif t.yes:
        verdict = f"{len(t.yes)} in, {t.missing} more and it's on at {t.game_time}."
    else:
        verdict = f"Nobody has said yes yet. {t.game_on_at} make a game at {t.game_time}."
    voice = set(t.in_voice)
    if t.evening_open:
        status = f"The evening is on: {len(t.in_voice)} in voice"
    else:
        status = f"{len(t.in_voice)} in voice" if t.in_voice else "Nobody in voice yet"
    return (
        f'<link rel="stylesheet" href="{CSS_URL}"><script src="{JS_URL}" defer></script>'
        f'<div class="lobby" data-live="/tonight" data-every="{REFRESH_SECONDS}">'
        f'<div class="lobby-head"><h1>Tonight</h1>'
        f'<span class="muted">{t.day:%A} {t.day.day} {t.day:%B} · {status}</span></div>'
        f'<p class="verdict{" on" if on else ""}">{escape(verdict)}</p>'
        f'<div class="meter{" on" if on else ""}" role="img" aria-label="{len(t.yes)} of {t.game_on_at} needed">'
        f'<span class="w-{share}"></span></div>'
        '<div class="seats">'
        + _group("In", t.yes, "yes", voice, "Be the first: !avail yes")
        + _group("Maybe", t.maybe, "maybe", voice, "No maybes")
        + _group("In voice now", t.in_voice, "voice", voice, "Nobody in voice right now")
        + "</div>"
        f'<p class="hint">Answer in Discord with the poll\'s buttons or <code>!avail yes</code>, '
        f'<code>!avail maybe</code>, <code>!avail no</code>. {len(t.no)} can\'t make it today.</p></div>')


def build(settings: VoiceSettings) -> list[Route]:
    async def tonight_data(request: Request) -> Tonight:
        kernel = request.kernel
        return await avail.tonight(kernel, settings, avail.today(kernel, settings))

    async def tonight_page(request: Request) -> Page:
        t = await tonight_data(request)
        return Page(title="Tonight", html=page_html(t))

    def asset(data: bytes, content_type: str):
        async def serve(request: Request) -> Response:
            return Response(data, content_type=content_type,
                            headers={"Cache-Control": "public, max-age=31536000, immutable"})
        return serve

    return [
        Route("GET", "/tonight", tonight_page, "Tonight: who is in, maybe, and in voice now", kind="page",
              nav="Tonight", nav_order=15),
        Route("GET", "/api/voice/tonight", tonight_data, "Tonight's answers and who is in voice",
              response_type=Tonight, tags=("voice",)),
        Route("GET", "/voice/tonight.css", asset(CSS, "text/css; charset=utf-8"), "The tonight page's style",
              kind="asset"),
        Route("GET", "/voice/tonight.js", asset(JS, "text/javascript; charset=utf-8"),
              "Keeps the tonight page live", kind="asset"),
    ]
