"""Teams are named after their players' clan tag, the pool only when there is none (issue 14.6)."""

from __future__ import annotations

import pytest

from slomix_stopwatch.teams import Rosters, clan_tag, tag_names

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(("names", "tag"), [
    (["slomix.vid", "slomix.olz", "SLOMIX.wjs", "bob"], "slomix"),   # prefix, any case, a majority
    (["ripaZha eLx", "ripaZha bob", "x"], "ripaZha"),
    (["noProne.lgz", "s&o.lgz", ".lgz"], "lgz"),                       # suffix
    (["[fnx]a", "[FNX]b"], "fnx"),
    (["SmetarskiProner", "Smetty"], None),                             # no separator: a nick, not a tag
    (["slomix.vid", "bob", "carl"], None),                             # one player is no tag
    (["slomix.vid", "slomix.olz", "bob", "carl"], None),               # half is not a majority
    ([".olz", ".wjs"], None),                                          # a separator alone
    (["x"], None), ([], None),
])
def test_clan_tag(names, tag) -> None:
    assert clan_tag(names) == tag


def test_both_teams_wearing_one_tag_name_neither() -> None:
    rosters = Rosters(frozenset({"a1", "a2"}), frozenset({"b1", "b2"}))
    same = {"a1": "fnx.a", "a2": "fnx.b", "b1": "fnx.c", "b2": "fnx.d"}
    assert tag_names(rosters, same) == {}
    mixed = {"a1": "fnx.a", "a2": "fnx.b", "b1": "c", "b2": "d"}
    assert tag_names(rosters, mixed) == {"A": "fnx"}


async def test_real_session_named_after_its_tags(make_kernel, stats_dir, feed, ask) -> None:
    day = sorted(stats_dir.glob("2025-10-12-*.txt"))
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, day)
    untagged = (await ask(kernel, "!teams 2025-10-12")).data
    pool = {r[0].lower() for r in (await ask(kernel, "!team_pool")).tables[0].rows}
    assert {t.name.lower() for t in untagged.teams} <= pool  # nobody wears a tag: names from the pool
    # The same rounds with team A in slomix.* and team B in "ripaZha *" (as the game writes them).
    a, b = untagged.teams[0].guids, untagged.teams[1].guids
    files = []
    for path in day:
        lines = path.read_bytes().split(b"\n")
        for i, line in enumerate(lines[1:], 1):
            fields = line.split(b"\\")
            if len(fields) > 3:
                guid = fields[0][:8].decode()
                tag = b"^4slomix^7." if guid in a else b"^1ripaZha^7 " if guid in b else b""
                fields[1] = tag + fields[1]
                lines[i] = b"\\".join(fields)
        files.append((path.name, b"\n".join(lines)))
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, files)
    tagged = await ask(kernel, "!session_score 2025-10-12")
    assert (tagged.data.team_a.name, tagged.data.team_b.name) == ("slomix", "ripaZha")
    assert tagged.title.startswith("slomix ") and "ripaZha" in tagged.title
    teams = (await ask(kernel, "!teams 2025-10-12")).data
    assert all(p.startswith("slomix.") for p in teams.teams[0].players)
    # An admin's names still win.
    await ask(kernel, "!set_team_names 2025-10-12 Wolves Bears")
    assert [t.name for t in (await ask(kernel, "!teams 2025-10-12")).data.teams] == ["Wolves", "Bears"]
