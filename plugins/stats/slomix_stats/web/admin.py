"""The admin page: plugin state and recent errors, the job queue, quarantined files with their reasons,
the files received lately, the latest rounds."""

from __future__ import annotations

from slomix.kernel import Page, Request

from ..commands.common import State
from .html import card, cards, link, num, round_href, table, text, when

_TAGS = {"imported": "good", "quarantined": "bad"}


def page(state: State):
    async def handler(request: Request) -> Page:
        kernel = request.kernel
        health = await kernel.health()
        stats = next((p.get("detail") or {} for p in health["plugins"] if p["name"] == "stats"), {})
        plugins = [[text(p["name"]), text(p["kind"]), text(p["version"] or "—"),
                    f'<span class="tag {"good" if p["status"] in ("loaded", "active") else "bad"}">'
                    f'{text(p["status"])}</span>',
                    text(p.get("error") or "; ".join(p.get("recent_errors", [])) or "")]
                   for p in health["plugins"]]
        quarantined = [[text(f.name), text(f.reason or ""), text(f.source), text(when(f.received_at))]
                       for f in await state.q.files(status="quarantined", limit=50)]
        received = [[text(f.name), text(f.kind), f'<span class="tag {_TAGS.get(f.status, "")}">{text(f.status)}</span>',
                     text(f.source), num(f.size), text(when(f.received_at))]
                    for f in await state.q.files(limit=25)]
        jobs = health.get("jobs") or {}
        working = [[text(j["id"]), text(j["kind"]), text("—" if j["progress"] is None else f'{j["progress"]:.0f} %'),
                    text(j["message"] or ""), text(j["worker"] or "")] for j in jobs.get("in_progress", [])]
        failures = [[text(f["id"]), text(f["kind"]), text(f["error"] or ""), text(f["at"][:19].replace("T", " "))]
                    for f in jobs.get("recent_failures", [])]
        latest = await state.q.rounds(limit=15)
        rounds = [[link(round_href(r.id), f"{r.map} R{r.round_number}"), text(when(r.round_time)), text(r.status),
                   text("yes" if r.is_valid else "no"), num(r.players)] for r in reversed(latest)]
        html = ("<h1>Admin</h1>"
                + cards([card("Database", text(health["database"]["status"]), text(health["database"].get("kind", ""))),
                         card("Rounds", text(f"{stats.get('rounds', 0):,}")),
                         card("Held", text(stats.get("held", 0)), "R2 files waiting for their R1"),
                         card("Quarantined", text(stats.get("quarantined", 0)), "reasons below")])
                + "<h2>Plugins and adapters</h2>"
                + table(["Name", "Kind", "Version", "Status", "Error"], plugins)
                + "<h2>Jobs</h2>"
                + cards([card("Queued", text(jobs.get("queued", 0))), card("Running", text(jobs.get("running", 0))),
                         card("Failed today", text(jobs.get("failed_today", 0))),
                         card("Done today", text(jobs.get("succeeded_today", 0)))])
                + (table(["Job", "Kind", ("Progress", True), "Doing", "Worker"], working, sortable=False)
                   if working else "")
                + (table(["Job", "Kind", "Error", "Failed at"], failures, sortable=False) if failures else "")
                + "<h2>Quarantined files</h2>"
                + (table(["File", "Reason", "Source", "Received"], quarantined, sortable=False) if quarantined
                   else "<p>None: every file received was understood.</p>")
                + "<h2>Files received lately</h2>"
                + table(["File", "Kind", "Status", "Source", ("Bytes", True), "Received"], received, sortable=False)
                + "<h2>Latest rounds</h2>"
                + table(["Round", "Time", "Status", "Counted", ("Players", True)], rounds, sortable=False)
                + await request.panels("admin"))  # other plugins' admin sections (the RCON audit log)
        return Page("Admin", html)

    return handler
