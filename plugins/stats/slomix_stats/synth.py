"""Synthetic stats files for load tests and demos, resampled from real ones.

Real players (GUIDs and names) are topped up with generated ones to a pool of a few hundred;
they meet in gaming sessions on evenings (several maps per session, each an R1 + R2 stopwatch
pair 4-15 minutes apart with the sides swapped, sessions more than 60 minutes apart). Each
player's round is a real player-round scaled to the synthetic time played; R2 files hold
R1 + R2 for the cumulative fields exactly as the game writes them, so ``r2_differential``
recovers the R2-only values. Output streams to disk; the same seed gives the same files.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from slomix_stats.formats import (
    CUMULATIVE_FIELDS,
    Header,
    ParseError,
    PlayerRound,
    StatsFile,
    Weapon,
    clean_name,
    find_r1,
    parse_stats,
    r2_differential,
    stats_filename,
)
from slomix_stats.formats.render import render_stats

__all__ = ["synthesize"]

POOL_SIZE = 300
FIRST_DAY = datetime(2020, 1, 6)
LAST_DAY = datetime(2035, 12, 20)  # file names must stay within 2020-2035
MAX_TIME_LIMIT = 12 * 60  # keeps R1 -> R2 under 15 minutes even on a full hold
SLOT_STARTS = {1: (20,), 2: (14, 20), 3: (11, 15, 20), 4: (9, 13, 17, 21)}  # session starts per day
ROUNDS_PER_DAY_SLOT = 10  # about five maps per session
NINE_FIELD_HEADERS_FROM = datetime(2026, 1, 1)  # c0rnp0rn8 adds f9 playtime (ms)

# Counts that grow with time played; everything else is a ratio, a streak or derived.
_SCALED = (
    "damage_given", "damage_received", "team_damage_given", "team_damage_received", "gibs", "self_kills",
    "team_kills", "team_gibs", "xp", "kill_assists", "kill_steals", "headshot_kills", "objectives_stolen",
    "objectives_returned", "dynamites_planted", "dynamites_defused", "times_revived", "most_useful_kills",
    "denied_playtime", "double_kills", "triple_kills", "quad_kills", "multi_kills", "mega_kills",
    "useless_kills", "full_selfkills", "constructions", "revives_given",
)
_SYLLABLES = ("ka", "ro", "mi", "zu", "vex", "dar", "lo", "ni", "tor", "sha", "ke", "bo", "rex", "ul", "fi",
              "gan", "po", "sk", "ja", "mo", "ze", "ri", "xo", "ta", "vid", "olz", "nek", "ba")
_COLOURS = "0123456789abcdefghijklmnopqrstuvwxyz"


class _Template:
    """One real player-round, as per-round values (an R1, or an R2 differential)."""

    __slots__ = ("dead", "death_spree", "minutes", "percent", "scaled", "spree", "weapons")

    def __init__(self, p: PlayerRound) -> None:
        self.minutes = p.time_played_minutes or p.time_played_seconds / 60
        self.percent = round(p.time_played_percent, 1)
        self.scaled = tuple(getattr(p, f) or 0 for f in _SCALED)
        self.spree = p.killing_spree_best
        self.death_spree = p.death_spree_worst
        self.dead = p.time_dead_minutes
        self.weapons = tuple((name, w.hits, w.shots, w.kills, w.deaths, w.headshots) for name, w in p.weapons.items())


def synthesize(source_files: list[Path], out_dir: Path, rounds: int, seed: int = 0,
               progress: Callable[[int], None] | None = None) -> int:
    """Write ``rounds`` stats files into ``out_dir``; returns how many were written."""
    if rounds < 0:
        raise ValueError("rounds must be >= 0")
    # Sessions per day: one evening session while the years 2020-2035 allowed in file names
    # suffice, else an afternoon one too (and so on).
    per_slot = ROUNDS_PER_DAY_SLOT * (LAST_DAY - FIRST_DAY).days * 0.9
    slots = max(1, math.ceil(rounds / per_slot))
    if slots > max(SLOT_STARTS):
        raise ValueError(f"at most {int(per_slot * max(SLOT_STARTS)):,} rounds fit in the years 2020-2035")
    rng = random.Random(seed)
    templates, identities, maps, server, config = _learn(sorted(map(Path, source_files)))
    pool = _pool(identities, rng)
    weights = [1 / (rank + 1) ** 0.7 for rank in range(len(pool))]  # regulars play more often
    out_dir.mkdir(parents=True, exist_ok=True)
    world = _World(rng, templates, pool, weights, maps, server, config)
    sparse = rounds * 4 < (LAST_DAY - FIRST_DAY).days * ROUNDS_PER_DAY_SLOT  # room to skip some evenings
    written = 0
    for name, sf in world.rounds(slots, sparse):
        if written >= rounds:
            break
        (out_dir / name).write_bytes(render_stats(sf).encode("utf-8"))
        written += 1
        if progress is not None:
            progress(written)
    return written


def _learn(paths: list[Path]):
    """Templates, real (GUID, name) pairs, maps with time limits, server name and config."""
    parsed: dict[str, StatsFile] = {}
    for path in paths:
        try:
            parsed[path.name] = parse_stats(path.read_bytes(), path.name)
        except (OSError, ParseError):
            continue
    templates: list[_Template] = []
    names: dict[str, Counter[str]] = {}
    limits: dict[str, Counter[int]] = {}
    servers: Counter[str] = Counter()
    configs: Counter[str] = Counter()
    for name, sf in parsed.items():
        servers[sf.header.server_name] += 1
        configs[sf.header.config] += 1
        players = sf.players
        if sf.round_number == 1:
            if sf.header.time_limit_seconds:
                limits.setdefault(sf.map_name, Counter())[sf.header.time_limit_seconds] += 1
        else:
            r1 = find_r1(name, parsed)
            players = [p for p in r2_differential(parsed[r1], sf).players if not p.counter_reset] if r1 else []
        for p in sf.players:
            if not p.is_bot:
                names.setdefault(p.raw_guid, Counter())[p.name] += 1
        templates.extend(_Template(p) for p in players
                         if not p.is_bot and p.time_played_seconds >= 120 and p.weapons)
    if not templates:
        raise ValueError("no usable player rounds in the source files")
    maps = sorted((m, min(c.most_common(1)[0][0], MAX_TIME_LIMIT)) for m, c in limits.items()) or \
        [("supply", 600)]
    identities = sorted((guid, c.most_common(1)[0][0]) for guid, c in names.items())
    return (templates, identities, maps, (servers.most_common(1) or [("ET server", 0)])[0][0],
            (configs.most_common(1) or [("legacy3", 0)])[0][0])


def _pool(identities: list[tuple[str, str]], rng: random.Random) -> list[tuple[str, str]]:
    pool = list(identities)
    used = {guid for guid, _ in pool}
    while len(pool) < POOL_SIZE:
        guid = f"{rng.getrandbits(32):08X}"
        if guid in used:
            continue
        used.add(guid)
        name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.5:  # colour codes, as in many real names
            name = "".join(f"^{rng.choice(_COLOURS)}{part}" if rng.random() < 0.5 else part
                           for part in (name[: len(name) // 2], name[len(name) // 2:]))
        pool.append((guid, name))
    rng.shuffle(pool)
    return pool


class _World:
    def __init__(self, rng, templates, pool, weights, maps, server, config) -> None:
        self.rng, self.templates, self.pool, self.weights = rng, templates, pool, weights
        self.maps, self.server, self.config = maps, server, config

    def rounds(self, slots: int, sparse: bool) -> Iterator[tuple[str, StatsFile]]:
        """(file name, stats file) in time order, forever (the caller stops)."""
        day = FIRST_DAY
        while day <= LAST_DAY:
            starts = SLOT_STARTS[slots]
            for i, hour in enumerate(starts):
                start = day.replace(hour=hour) + timedelta(minutes=self.rng.randint(0, 45))
                # Leave more than an hour before the next session starts.
                deadline = (day.replace(hour=starts[i + 1]) if i + 1 < len(starts)
                            else day + timedelta(days=1, hours=1)) - timedelta(minutes=70)
                yield from self.session(start, deadline)
            day += timedelta(days=self.rng.choice((1, 1, 2, 3)) if sparse else 1)

    def session(self, cursor: datetime, deadline: datetime) -> Iterator[tuple[str, StatsFile]]:
        rng = self.rng
        size = rng.choice((3, 3, 3, 3, 4, 4, 5, 6))
        players = self.pick_players(2 * size)
        teams = (players[:size], players[size:])
        maps = rng.sample(self.maps, min(len(self.maps), rng.randint(3, 8)))
        for map_name, limit in maps:
            if cursor + timedelta(seconds=2 * limit + 600) > deadline and map_name != maps[0][0]:
                break
            cursor = yield from self.map_pair(cursor, map_name, limit, teams)
            cursor += timedelta(seconds=rng.randint(120, 360))

    def pick_players(self, count: int) -> list[tuple[str, str]]:
        chosen: dict[str, tuple[str, str]] = {}
        while len(chosen) < count:
            guid, name = self.rng.choices(self.pool, self.weights)[0]
            chosen.setdefault(guid, (guid, name))
        return list(chosen.values())

    def map_pair(self, cursor: datetime, map_name: str, limit: int, teams) -> Iterator[tuple[str, StatsFile]]:
        """Yield R1 then R2 of one stopwatch map; returns the time R2 ended."""
        rng = self.rng
        defender = 1 if rng.random() < 0.8 else 2
        attacker = 3 - defender
        first_attackers, first_defenders = teams if rng.random() < 0.5 else teams[::-1]
        completed = rng.random() < 0.6
        t1 = rng.randint(int(0.3 * limit), int(0.95 * limit)) if completed else limit
        r1_end = cursor + timedelta(seconds=rng.randint(60, 180) + t1)
        r1_sides = {g: attacker for g, _ in first_attackers} | {g: defender for g, _ in first_defenders}
        lineup = first_attackers + first_defenders
        r1_players = [self.player_round(g, n, r1_sides[g], t1, 0) for g, n in lineup]
        r1 = self.stats_file(r1_end, map_name, 1, defender, attacker if completed else defender,
                             limit, t1, t1, r1_players)
        yield r1.filename, r1

        beaten = rng.random() < 0.5
        t2 = rng.randint(max(30, int(0.3 * t1)), max(30, int(0.98 * t1))) if beaten else t1
        intermission = max(rng.randint(60, 150), 245 - t2)  # files 4..15 min apart
        r2_end = r1_end + timedelta(seconds=intermission + t2)
        r2_players = []
        by_guid = {p.guid: p for p in r1_players}
        substitute = rng.random() < 0.05
        for index, (guid, name) in enumerate(lineup):
            side = 3 - r1_sides[guid]  # sides swap in R2
            if substitute and index == len(lineup) - 1:  # a late joiner: his session starts in R2
                guid, name = self.pick_players(1)[0]
                if guid in by_guid:
                    guid, name = lineup[index]
                else:
                    r2_players.append(self.player_round(guid, name, side, t2, 0))
                    continue
            r2_players.append(self.cumulative(by_guid[guid], self.player_round(guid, name, side, t2, 1)))
        r2 = self.stats_file(r2_end, map_name, 2, defender, attacker if beaten else defender,
                             t1, t2 if beaten else t1, t2, r2_players)
        yield r2.filename, r2
        return r2_end

    def stats_file(self, end, map_name, round_number, defender, winner, limit, next_limit, played, players):
        stamp = end + timedelta(seconds=3)  # SaveStats runs 3 s after the round ends
        nine = stamp >= NINE_FIELD_HEADERS_FROM
        header = Header(self.server, map_name, self.config, round_number, defender, winner, limit, next_limit,
                        float(played) + self.rng.randint(0, 999) / 1000 if nine else None, 9 if nine else 8)
        name = stats_filename(stamp, map_name, round_number)
        return StatsFile(name, map_name, round_number, header, 38, played, players)

    def player_round(self, guid: str, name: str, team: int, seconds: int, rounds: int) -> PlayerRound:
        """A real player-round scaled to this round's length (per-round values)."""
        rng = self.rng
        template = rng.choice(self.templates)
        minutes = max(0.1, round(seconds / 60 * (1.0 if rng.random() < 0.8 else rng.uniform(0.5, 1.0)), 1))
        f = minutes / template.minutes if template.minutes > 0 else 1.0
        values = dict(zip(_SCALED, [int(v * f + 0.5) for v in template.scaled], strict=True))
        weapons = {}
        kills = 0
        for weapon, hits, shots, wkills, deaths, heads in template.weapons:
            shots, wkills, deaths = int(shots * f + 0.5), int(wkills * f + 0.5), int(deaths * f + 0.5)
            hits = int(hits * f + 0.5)
            if shots and hits > shots:  # keep accuracy <= 100 % (grenade splash can exceed it)
                hits = shots
            heads = min(hits, int(heads * f + 0.5))
            if hits or shots or wkills or deaths:
                weapons[weapon] = Weapon(hits, shots, wkills, deaths, heads)
                kills += wkills
        if not weapons:
            weapons["WS_KNIFE"] = Weapon(0, 1, 0, 0, 0)
        values["headshot_kills"] = min(values["headshot_kills"], kills)
        dead = min(minutes, round(template.dead * f, 1))
        return self.finish(guid, name, team, rounds, values, weapons, minutes, template.percent, dead,
                           dead, template.spree, template.death_spree)

    def cumulative(self, r1: PlayerRound, r2: PlayerRound) -> PlayerRound:
        """What the R2 file shows: engine session values are R1 + R2, Lua values R2 only."""
        values = {f: getattr(r2, f) for f in _SCALED}
        for f in CUMULATIVE_FIELDS:
            if f != "bullets_fired":
                values[f] += getattr(r1, f)
        weapons = dict(r1.weapons)
        for name, w in r2.weapons.items():
            v = weapons.get(name)
            weapons[name] = w if v is None else Weapon(w.hits + v.hits, w.shots + v.shots, w.kills + v.kills,
                                                       w.deaths + v.deaths, w.headshots + v.headshots)
        m1, m2 = r1.time_played_minutes or 0.0, r2.time_played_minutes or 0.0
        minutes = round(m1 + m2, 1)
        percent = round((r1.time_played_percent * m1 + r2.time_played_percent * m2) / minutes, 1) if minutes else 0.0
        return self.finish(r2.guid, r2.name, r2.team, 1, values, weapons, minutes, percent,
                           r2.time_dead_minutes, r2.time_dead_minutes, r2.killing_spree_best, r2.death_spree_worst)

    @staticmethod
    def finish(guid, name, team, rounds, values, weapons, minutes, percent, dead, dead_this_round, spree,
               death_spree) -> PlayerRound:
        """Fill the fields the Lua derives: sums, tank, time-dead ratio, its own K/D."""
        kills = deaths = heads = shots = 0
        for w in weapons.values():
            kills += w.kills
            deaths += w.deaths
            heads += w.headshots
            shots += w.shots
        received = values["damage_received"]
        tank = round(received / deaths / 130, 1) if received > 1000 and deaths and received / deaths / 130 > 3 else 0.0
        dead_ratio = round(dead_this_round / minutes * 100, 1) if minutes > 2 else 0.0
        lua_kd = round(kills / deaths, 1) if deaths else float(kills + 1)
        values.update(bullets_fired=shots, killing_spree_best=spree, death_spree_worst=death_spree)
        return PlayerRound(
            guid=guid, raw_guid=guid, name=name, clean_name=clean_name(name), rounds=rounds, team=team,
            is_bot=False, kills=kills, deaths=deaths, headshots=heads, time_played_percent=percent, lua_dpm=0.0,
            time_played_minutes=minutes, tank_meatshield=tank, time_dead_ratio=dead_ratio, time_dead_minutes=dead,
            lua_kd_ratio=lua_kd, time_played_seconds=round(minutes * 10) * 6, weapons=weapons, **values)
