"""Headshots for every player's kill: the killing bullet's hit type joined to the obituary."""

from __future__ import annotations

from collections import Counter

from slomix_greatshot.demo.facts import Facts
from slomix_greatshot.demo.names import BULLET_MODS
from slomix_greatshot.demo.stream import DemoStream


def test_bullet_hit_types_are_read_from_every_ev_bullet(demo_dir) -> None:
    # The hit types the spec counted by hand in both ET:Legacy 2.82 demos.
    counts = {}
    for name in ("scores_test.dm_84", "demo01_legacy.tv_84"):
        stream, facts = DemoStream(demo_dir / name), Facts(positions=False)
        for message in stream:
            facts.message(message, stream.configstrings)
        counts[name] = Counter(hit for hits in facts.bullets.values() for _, hit in hits)
    assert counts["scores_test.dm_84"] == {0: 26, 1: 7, 2: 2, 3: 24}
    assert counts["demo01_legacy.tv_84"] == {0: 369, 2: 30, 3: 160}


def test_ettv_headshot_flags_for_every_kill(parsed) -> None:
    kills = parsed["demo01_legacy.tv_84"].kills
    assert all(k.headshot is not None for k in kills)  # ETTV sees every bullet
    heads = [(k.time_ms, k.attacker, k.victim) for k in kills if k.headshot]
    assert heads == [
        (205450, 10, 5),
        (206050, 10, 3),
        (234300, 0, 6),
        (271700, 0, 10),
        (281850, 3, 2),
        (290850, 8, 3),
        (305550, 9, 4),
        (306400, 1, 8),
        (324550, 8, 5),
        (326600, 9, 6),
        (330600, 9, 10),
    ]
    assert {k.headshot_source for k in kills} == {"bullet", "cause"}
    assert all(k.mod in BULLET_MODS for k in kills if k.headshot)
    assert not any(k.headshot for k in kills if k.mod in ("panzerfaust", "flamethrower", "m7", "suicide"))


def test_client_demo_headshots_where_the_bullet_was_visible(parsed) -> None:
    kills = parsed["scores_test.dm_84"].kills
    # None: the killing bullet was outside the recorder's view, and a spectator gets no xpgain.
    assert [k.headshot for k in kills] == [None, False, False, True, None, False, False, None, None]
    assert [k.headshot_source for k in kills if k.headshot is not None] == ["bullet"] * 5


def test_etpro_explosive_kills_are_not_headshots_and_bullet_kills_unknown(parsed) -> None:
    kills = parsed["etpro_capture_test.dm_84"].kills
    assert [(k.mod, k.headshot) for k in kills] == [
        ("grenade_launcher", False),
        ("thompson", None),
        ("mp40", None),
        ("airstrike", False),
        ("mp40", None),
        ("mp40", None),
    ]
