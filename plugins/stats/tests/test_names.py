"""One name per player, shown the way the game shows it, on every surface (issue 14.1, 14.2,
14.9, 14.10): real names from the files, hostile names fuzzed into real files."""

from __future__ import annotations

import io
import random
import re
from collections import Counter, defaultdict

import pytest
from rich.console import Console

from slomix.kernel import Actor, IncomingFile
from slomix.kernel.console import render_reply
from slomix_stats import api

pytestmark = pytest.mark.anyio


async def run(kernel, line, actor=None):
    from slomix.testing import CLI_ACTOR

    return await kernel.commands.dispatch(kernel, line, actor or CLI_ACTOR)


def game_clean(raw: str) -> str:
    """ET's Q_CleanStr, written as the C loop reads (independent of the SQL rule under test):
    "^" and any next character but "^" is a colour code; control and bidi characters are dropped."""
    out, i = [], 0
    while i < len(raw):
        if raw[i] == "^" and i + 1 < len(raw) and raw[i + 1] != "^":
            i += 2
            continue
        c = raw[i]
        if not (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c in "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                "\u2066\u2067\u2068\u2069"):
            out.append(c)
        i += 1
    return "".join(out).strip()


def rendered(reply) -> str:
    console = Console(file=io.StringIO(), width=400, color_system=None)
    render_reply(reply, console)
    return console.file.getvalue()


# -- real names ----------------------------------------------------------------------------------


async def test_colour_codes_are_stripped_as_the_game_does(history) -> None:
    # The file writes "^1'^/fnx": the parser's rule left "'^/fnx"; the game shows "'fnx".
    names = await api.display_names(history.db.pool, ["3063A713"])
    assert names == {"3063A713": "'fnx"}
    stats = await run(history, "!stats 3063A713")
    assert stats.title.startswith("'fnx —")
    aliases = await history.db.pool.fetch("SELECT alias FROM stats.aliases WHERE guid = '3063A713'")
    assert [a["alias"] for a in aliases] == ["'fnx"]
    # Searched as shown, and a search typed with the colour codes finds the same player.
    assert [p.guid for p in await api.find_players(history.db.pool, "'fnx")] == ["3063A713"]
    assert [p.guid for p in await api.find_players(history.db.pool, "^1'^/fnx")] == ["3063A713"]
    # The raw spelling is kept for colour rendering.
    raw = await history.db.pool.fetchval("SELECT raw FROM stats.display_names WHERE guid = '3063A713'")
    assert raw == "^1'^/fnx"


async def test_a_player_is_named_by_the_name_of_most_rounds(history, stats_files) -> None:
    uses: dict[str, Counter[str]] = defaultdict(Counter)
    for path in stats_files:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()[1:]:
            parts = line.split("\\")
            if len(parts) > 3:
                guid, name = parts[0][:8], game_clean(parts[1])
                uses[guid][name] += 1
    # 1C747DF1 played under eight names, 62 of his rounds as SmetarskiProner.
    assert uses["1C747DF1"].most_common(1) == [("SmetarskiProner", 62)]
    names = await api.display_names(history.db.pool, list(uses))
    for guid, counts in uses.items():
        top = max(counts.values())
        assert names[guid] in {n for n, c in counts.items() if c == top}, guid
    # One later round as SmetarskiLoto (25 rounds) makes it his latest name, not his name.
    template = next(p for p in reversed(stats_files) if "1C747DF1" in p.read_text(errors="replace")
                    and p.name.endswith("round-1.txt"))
    text = template.read_text(encoding="utf-8")
    lines = [line if not line.startswith("1C747DF1") else "\\".join(
        [line.split("\\")[0], "^3Smetarski^7Loto", *line.split("\\")[2:]]) for line in text.splitlines()]
    await history.ingest(IncomingFile(name="2026-01-05-210000" + template.name[17:], source="test",
                                      data=("\n".join(lines) + "\n").encode()))
    latest = await history.db.pool.fetchval(
        "SELECT alias FROM stats.aliases WHERE guid = '1C747DF1' ORDER BY last_seen DESC LIMIT 1")
    assert latest == "SmetarskiLoto"
    stats = await run(history, "!stats 1C747DF1")
    assert stats.data.name == "SmetarskiProner"
    assert [p.name for p in (await run(history, "!last_session")).data.players if p.guid == "1C747DF1"] == [
        "SmetarskiProner"]


async def test_setname_renames_a_player_everywhere(history) -> None:
    alice = Actor(id="discord:111", name="alice", adapter="discord")
    assert (await run(history, "!link 1C747DF1", alice)).title == "Linked"
    answer = await run(history, "!setname ^1Smet^/ty", alice)
    assert answer.description == "Now shown as Smetty everywhere."
    assert (await run(history, "!stats 1C747DF1")).data.name == "Smetty"
    assert (await run(history, "!find_player Smetty")).data[0].guid == "1C747DF1"
    board = (await run(history, "!leaderboard games")).data
    assert "Smetty" in [r.name for r in board.rows if r.guid == "1C747DF1"]
    session = (await run(history, "!last_session")).data
    assert [p.name for p in session.players if p.guid == "1C747DF1"] == ["Smetty"]
    assert "Smetty" in (await run(history, "!whoami", alice)).description
    back = await run(history, "!setname", alice)
    assert back.description == "Back to your most-used name, SmetarskiProner."


async def test_like_wildcards_are_literal(history) -> None:
    # "_" is a character, not "any character": only players with a name that has one match (v_kt_r).
    with_underscore = {r["guid"] for r in await history.db.pool.fetch(
        "SELECT guid FROM stats.aliases WHERE strpos(alias, '_') > 0")}
    reply = await run(history, "!list_players _")
    assert with_underscore and {p.guid for p in reply.data} == with_underscore
    assert "v_kt_r" in [p.name for p in reply.data]
    found = await api.find_players(history.db.pool, "_", limit=50)
    assert {p.guid for p in found} == with_underscore
    assert not (await run(history, "!list_players %")).data


# -- hostile names ---------------------------------------------------------------------------------

HOSTILE = [
    "^/fnx^d NO MERCY", "//^?/M.Gekku", "[/]closer", "[bold red]boom[/]", "[link=http://x]y[/link]",
    "\u202eevil\u202c", "\u05e9\u05dc\u05d5\u05dd", "\U0001f600 ^1\U0001f525", "\x07bell\x1b[31m", "%_%", "_",
    "^^^^", "^1^2^3", "<script>alert(1)</script>", "`tick` **bold** @everyone", "  spaced  ", "a^", "[]", "[[x]]",
]
ALPHABET = "^^^[]/\\%_<>&`*@#:;'\"" + "abcXYZ019 " + "\u202e\u200f\x01\x1f\x7f\x85" + "\u05d0\u0627\U0001f600\u00e9"


def fuzzed_names(count: int, seed: int = 14) -> list[str]:
    rng = random.Random(seed)
    names = []
    while len(names) < count:
        name = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 24)))
        name = name.replace("\\", "/")  # the file's field separator cannot be in a name
        names.append(name)
    return names


async def test_the_python_rule_is_the_sql_rule(history) -> None:
    """Other plugins name players with ``api.plain_name`` (servers, demos): the same answer as the
    database's ``stats.plain_name`` and as the game, on hostile and fuzzed names."""
    names = HOSTILE + fuzzed_names(400, seed=41)
    sql = await history.db.pool.fetch("SELECT stats.plain_name(n) AS plain FROM unnest($1::text[]) AS n", names)
    assert [api.plain_name(n) for n in names] == [r["plain"] for r in sql] == [game_clean(n) for n in names]


@pytest.fixture
def hostile_files(stats_files):
    """Real R1 files of the newest session, renamed to a later day, players renamed to hostile names."""
    names = HOSTILE + fuzzed_names(41)
    template = next(p for p in reversed(stats_files) if p.name.endswith("round-1.txt"))
    lines = template.read_text(encoding="utf-8").splitlines()
    players = [line for line in lines[1:] if line.count("\\") >= 3]
    made, guids = [], {}
    for index in range(0, len(names), len(players)):
        chunk = names[index:index + len(players)]
        body = [lines[0]]
        for offset, (line, name) in enumerate(zip(players, chunk, strict=False)):
            guid = f"F{index + offset:07X}"
            fields = line.split("\\")
            fields[0], fields[1] = guid + fields[0][8:], name
            body.append("\\".join(fields))
            guids[guid] = name
        minutes = 20 * (index // len(players))  # one round every 20 minutes: one session
        stamp = f"2026-03-01-{20 + minutes // 60:02d}{minutes % 60:02d}00"
        made.append((f"{stamp}-{template.name[18:]}", ("\n".join(body) + "\n").encode()))
    return made, guids


async def test_no_name_breaks_a_surface(history, hostile_files) -> None:
    files, guids = hostile_files
    for name, data in files:
        await history.ingest(IncomingFile(name=name, data=data, source="test"))
    names = await api.display_names(history.db.pool, list(guids))
    for guid, raw in guids.items():
        assert names[guid] == (game_clean(raw) or guid[:8]), (raw, names[guid])
    for line in ("!last_session", "!list_players", "!last_session top", "!awards", "!leaderboard kills",
                 "!last_round", "!help", "!help stats"):
        reply = await run(history, line)
        assert not reply.error, (line, reply.description)
        rendered(reply)
    session = rendered(await run(history, "!last_session"))
    for guid in guids:
        stats = await run(history, f"!stats {guid}")
        assert not stats.error and stats.data.name == names[guid]
        text = rendered(stats)
        assert names[guid] in text and names[guid] in session
        if game_clean(guids[guid]):
            found = await api.find_players(history.db.pool, names[guid], limit=100)
            assert guid in [p.guid for p in found], guids[guid]
    assert "!stats [player...]" in rendered(await run(history, "!help stats"))
    assert re.search(r"\[/\]closer", session)
