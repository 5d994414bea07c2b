"""Facts from ET:Legacy >= 2.84 flags, the recorder's xpgain, chat and phases, on re-encoded real demos."""

from __future__ import annotations

from slomix_greatshot.demo import parse
from slomix_greatshot.demo.netfields import E_LOOPSOUND, E_OTHER, E_OTHER2, E_TYPE

from .synth import rewrite

OBITUARY = 62 + 68


def test_the_284_obituary_flag_decides_every_kill(demo_dir, tmp_path) -> None:
    heads = {(10, 5), (3, 12)}  # (victim, attacker): one the bullets called a body shot, one never seen

    def flag(t, num, st):
        if st[E_TYPE] == OBITUARY and (st[E_OTHER], st[E_OTHER2]) in heads:
            return (*st[:E_LOOPSOUND], 1, *st[E_LOOPSOUND + 1:])
        return st

    def version(cs):
        cs[0] = cs[0].replace("v2.82.1-140-g9f3f7f2", "v2.84.0")

    out = rewrite(demo_dir / "scores_test.dm_84", tmp_path / "v284.dm_84", configstrings=version, entity=flag)
    demo = parse(out)
    assert demo.mod_version == "v2.84.0" and len(demo.kills) == 9
    assert {(k.victim, k.attacker) for k in demo.kills if k.headshot} == heads
    assert all(k.headshot is not None and k.headshot_source == "obituary" for k in demo.kills)
    # The same flags on a 2.82 server mean nothing: the bullets decide there.
    old = parse(rewrite(demo_dir / "scores_test.dm_84", tmp_path / "v282.dm_84", entity=flag))
    assert [k.headshot for k in old.kills] == [None, False, False, True, None, False, False, None, None]


def test_the_recorders_xpgain_marks_its_own_kills(demo_dir, tmp_path) -> None:
    commands = {179570100: ['xpgain 0 3 "headshot kill"'], 179577250: ['xpgain 0 3 "bodyshot kill"'],
                179569050: ['xpgain 0 3 "headshot kill"']}  # the last: a kill by someone else
    demo = parse(rewrite(demo_dir / "etpro_capture_test.dm_84", tmp_path / "xp.dm_84", commands=commands))
    got = {(k.time_ms, k.attacker, k.victim): (k.headshot, k.headshot_source) for k in demo.kills}
    assert got[(179570100, 13, 6)] == (True, "xpgain")
    assert got[(179577200, 13, 5)] == (False, "xpgain")
    assert got[(179578100, 13, 4)] == (None, None)
    assert got[(179569050, 5, 4)] == (None, None)  # xpgain goes only to the scorer: here the recorder


def test_chat_and_team_chat(demo_dir, tmp_path) -> None:
    commands = {179567000: ['chat "^7EDiT-Kevin^7: ^2gl hf" 13 0'],
                179568000: ['tchat "^5push: left" 13 100 200 300'],
                179569000: ['chat "^7TLR.wzzrd Sheep^7: ^2nt" 5 0']}
    demo = parse(rewrite(demo_dir / "etpro_capture_test.dm_84", tmp_path / "chat.dm_84", commands=commands))
    assert [(c.time_ms, c.client, c.name, c.message, c.team) for c in demo.chat] == [
        (179567000, 13, "EDiT-Kevin", "gl hf", False),
        (179568000, 13, "EDiT-Kevin", "push: left", True),
        (179569000, 5, "TLR.wzzrd Sheep", "nt", False),
    ]


def test_phases_follow_the_wolfinfo_configstring(demo_dir, tmp_path) -> None:
    src = demo_dir / "scores_test.dm_84"
    wolf = parse(src).phases
    assert [(p.start_ms, p.phase) for p in wolf] == [(48975, "playing")]
    commands = {60000: ['cs 21 "\\g_currentRound\\1\\gamestate\\3"'],
                62000: ['cs 21 "\\g_currentRound\\1\\gamestate\\2"']}
    demo = parse(rewrite(src, tmp_path / "phases.dm_84", commands=commands))
    assert [(p.start_ms, p.phase, p.round) for p in demo.phases] == [
        (48975, "playing", 0), (60000, "intermission", 1), (62000, "warmup", 1)]


def test_players_over_time_renames_team_changes_leaves_and_joins(demo_dir, tmp_path) -> None:
    commands = {50000: ['cs 690 "n\\^1Bean^7ie\\t\\2\\c\\3"'], 52000: ['cs 690 ""'],
                53000: ['cs 690 "n\\NewGuy\\t\\1\\c\\0"']}
    demo = parse(rewrite(demo_dir / "scores_test.dm_84", tmp_path / "players.dm_84", commands=commands))
    slot1 = [p for p in demo.players if p.client == 1]
    assert [(p.name, p.team, p.names, p.teams, p.first_ms, p.last_ms) for p in slot1] == [
        ("Beanie", "allies", ["[BOT]Bean", "Beanie"], ["axis", "allies"], 48975, 52000),
        ("NewGuy", "axis", ["NewGuy"], ["axis"], 53000, 66750),
    ]
    assert slot1[0].raw_name == "^1Bean^7ie" and slot1[0].player_class == 3
    kill = next(k for k in demo.kills if k.attacker == 1)  # 64 825 ms: the slot's new occupant
    assert (kill.attacker_name, kill.attacker_team) == ("NewGuy", "axis")
