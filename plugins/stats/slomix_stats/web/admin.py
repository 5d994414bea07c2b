"""The admin page: plugin state and recent errors, the import pipeline, the latest rounds."""

from __future__ import annotations

from typing import Any

from ..commands.common import State
from .html import Page, card, cards, link, num, round_href, table, text, when


def page(state: State):
    async def handler(request: Any) -> Page:
        kernel = request.kernel
        health = await kernel.health()
        stats = next((p.get("detail") or {} for p in health["plugins"] if p["name"] == "stats"), {})
        plugins = [[text(p["name"]), text(p["kind"]), text(p["version"] or "—"),
                    f'<span class="tag {"good" if p["status"] in ("loaded", "active") else "bad"}">'
                    f'{text(p["status"])}</span>',
                    text(p.get("error") or "; ".join(p.get("recent_errors", [])) or "")]
                   for p in health["plugins"]]
        latest = await state.q.rounds(limit=15)
        rounds = [[link(round_href(r.id), f"{r.map} R{r.round_number}"), text(when(r.round_time)), text(r.status),
                   text("yes" if r.is_valid else "no"), num(r.players)] for r in reversed(latest)]
        html = ("<h1>Admin</h1>"
                + cards([card("Database", text(health["database"]["status"]), text(health["database"].get("kind", ""))),
                         card("Rounds", text(f"{stats.get('rounds', 0):,}")),
                         card("Held", text(stats.get("held", 0)), "R2 files waiting for their R1"),
                         card("Quarantined", text(stats.get("quarantined", 0)), "see `slomix` for reasons")])
                + "<h2>Plugins and adapters</h2>"
                + table(["Name", "Kind", "Version", "Status", "Error"], plugins)
                + "<h2>Latest rounds</h2>"
                + table(["Round", "Time", "Status", "Counted", ("Players", True)], rounds, sortable=False))
        return Page("Admin", html)

    return handler
