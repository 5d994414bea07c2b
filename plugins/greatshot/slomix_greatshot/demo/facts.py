"""Facts from the message stream: players, kills, headshots, chat, phases, positions."""

from __future__ import annotations

import re
import struct
from bisect import bisect_left
from dataclasses import dataclass, field
from operator import itemgetter

from .commands import info, tokenize
from .model import WORLD, Chat, Kill, Phase, Player, Positions, Pov, Score
from .names import BULLET_MODS, mod_name, phase_name, strip_colors, team_name, weapon_name
from .netfields import (
    E_APOS,
    E_EVENTPARM,
    E_FLAGS,
    E_LOOPSOUND,
    E_MODELINDEX,
    E_OTHER,
    E_OTHER2,
    E_POS,
    E_TIME,
    E_TIME2,
    E_TYPE,
    E_WEAPON,
    P_CLIENTNUM,
    P_ORIGIN,
    P_VIEWANGLES,
)
from .stream import MAX_CLIENTS, Message, Snapshot

CS_SERVERINFO = 0
CS_LEVEL_START_TIME = 11
CS_WOLFINFO = 21
CS_PLAYERS = 689

ET_PLAYER = 1
LEGACY_ET_EVENTS, VANILLA_ET_EVENTS = 62, 61
EV_BULLET, LEGACY_EV_OBITUARY, VANILLA_EV_OBITUARY = 61, 68, 70
HIT_HEADSHOT = 2
BULLET_WINDOW_MS = 1000  # the killing bullet is in the obituary's snapshot; allow a few
XPGAIN_WINDOW_MS = 1500
# ET:Legacy sets the obituary's headshot flag from v2.83.2-173 (released as 2.84.0).
HEADSHOT_FLAG_VERSION = (2, 83, 2, 173)

_READ_COMMANDS = frozenset({"chat", "tchat", "xpgain", "sc0"})
_UNTIMED = -(1 << 40)
_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?(?:-(\d+))?")


def parse_version(text: str) -> tuple[int, int, int, int] | None:
    m = _VERSION.match(text.strip())
    if not m:
        return None
    return tuple(int(g or 0) for g in m.groups())  # type: ignore[return-value]


@dataclass(slots=True)
class _Slot:
    """One client slot's occupant while it holds the same player."""

    client: int
    raw_name: str
    team: int
    cls: int | None
    guid: str | None
    first_ms: int
    last_ms: int
    names: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    xp: int | None = None


@dataclass(slots=True)
class _RawKill:
    time_ms: int
    attacker: int
    victim: int
    mod: int
    weapon: int
    flag: int
    attacker_team: int
    victim_team: int
    attacker_raw: str
    victim_raw: str
    attacker_pos: tuple[float, float, float] | None
    victim_pos: tuple[float, float, float] | None


class Facts:
    """Fed every :class:`Message` in order; ``finish`` returns the records."""

    def __init__(self, *, positions: bool | int) -> None:
        # True: every snapshot; a number: at most one position per that many ms (memory on long demos).
        self.want_positions = positions is not False and positions is not None
        self.position_gap = 0 if positions is True else int(positions or 0)
        self.next_position_ms = 0
        self.configstrings: dict[int, str] = {}
        self.vanilla = False
        self.flag_version = False
        self.slots: dict[int, _Slot] = {}
        self.gone: list[_Slot] = []
        self.kills: list[_RawKill] = []
        self.bullets: dict[tuple[int, int], list[tuple[int, int]]] = {}
        self.xpgains: list[tuple[int, str]] = []
        self.chat: list[Chat] = []
        self.scores: list[Score] = []
        self.phases: list[Phase] = []
        self.positions = Positions()
        self.prev_entities: dict[int, tuple[int, ...]] = {}
        self.prev_seq: int | None = None
        self.now = _UNTIMED
        self.first_ms: int | None = None
        self.last_ms = 0
        self.snapshots = 0

    # -- state -------------------------------------------------------------

    def gamestate(self, configstrings: dict[int, str], time_ms: int) -> None:
        self.configstrings = configstrings
        server = info(self.configstrings.get(CS_SERVERINFO, ""))
        self.vanilla = server.get("gamename", "").lower() not in ("legacy", "")
        version = parse_version(server.get("mod_version", ""))
        self.flag_version = not self.vanilla and version is not None and version >= HEADSHOT_FLAG_VERSION
        self.prev_entities = {}
        self.prev_seq = None
        self.next_position_ms = 0  # a new map's clock starts again
        for client in range(MAX_CLIENTS):
            self._player_changed(client, time_ms)
        self._phase_changed(time_ms)

    def _configstring_changed(self, index: int, time_ms: int) -> None:
        if CS_PLAYERS <= index < CS_PLAYERS + MAX_CLIENTS:
            self._player_changed(index - CS_PLAYERS, time_ms)
        elif index == CS_WOLFINFO:
            self._phase_changed(time_ms)

    def _player_changed(self, client: int, time_ms: int) -> None:
        text = self.configstrings.get(CS_PLAYERS + client, "")
        slot = self.slots.get(client)
        if not text:
            if slot is not None:
                slot.last_ms = time_ms
                self.gone.append(self.slots.pop(client))
            return
        values = info(text)
        raw = values.get("n", "")
        team = _int(values.get("t"), 0)
        cls = _int(values.get("c"), None)
        guid = values.get("guid") or values.get("cl_guid") or None
        if slot is None:
            slot = _Slot(client, raw, team, cls, guid, time_ms, time_ms)
            self.slots[client] = slot
        slot.raw_name, slot.team, slot.cls, slot.last_ms = raw, team, cls, time_ms
        slot.guid = guid or slot.guid
        clean = strip_colors(raw)
        if not slot.names or slot.names[-1] != clean:
            slot.names.append(clean)
        if not slot.teams or slot.teams[-1] != team_name(team):
            slot.teams.append(team_name(team))

    def _phase_changed(self, time_ms: int) -> None:
        wolf = info(self.configstrings.get(CS_WOLFINFO, ""))
        phase = phase_name(_int(wolf.get("gamestate"), 0))
        rnd = _int(wolf.get("g_currentRound"), 0)
        if not self.phases or (self.phases[-1].phase, self.phases[-1].round) != (phase, rnd):
            self.phases.append(Phase(time_ms, phase, rnd))

    # -- messages ----------------------------------------------------------

    def message(self, msg: Message, stream_configstrings: dict[int, str]) -> None:
        snap = msg.snapshot
        # Before the first snapshot there is no clock; its time stands in.
        t = snap.server_time if snap is not None else self.now
        if msg.gamestate:
            self.gamestate(stream_configstrings, t)
        for index in msg.changed:
            self._configstring_changed(index, t)
        for _, text in msg.commands:
            self._command(text, t)
        if snap is not None:
            self._snapshot(snap)

    def _command(self, text: str, t: int) -> None:
        if text.split(" ", 1)[0] not in _READ_COMMANDS:
            return  # most commands (scoreboards of other kinds, entity info) tell nothing here
        tokens = tokenize(text)
        name = tokens[0]
        if name in ("chat", "tchat") and len(tokens) >= 2:
            client = _int(tokens[2], -1) if len(tokens) > 2 else -1
            self._chat(t, client, tokens[1], name == "tchat")
        elif name == "xpgain" and len(tokens) >= 4:
            self.xpgains.append((t, tokens[3]))
        elif name == "sc0" and len(tokens) >= 4:
            self._scoreboard(t, tokens)

    def _scoreboard(self, t: int, tokens: list[str]) -> None:
        """``sc0 <axis> <allies> <count>`` then per client: number, XP, ping, minutes, powerups, flags, lives."""
        numbers = [_int(x, None) for x in tokens[1:]]
        if None in numbers:
            return
        axis, allies = numbers[0], numbers[1]
        if not self.scores or (self.scores[-1].axis, self.scores[-1].allies) != (axis, allies):
            self.scores.append(Score(t, axis, allies))
        for at in range(3, len(numbers) - 6, 7):
            slot = self.slots.get(numbers[at])
            if slot is not None:
                slot.xp = numbers[at + 1]

    def _chat(self, t: int, client: int, text: str, team: bool) -> None:
        """``chat "NAME: text" client`` carries the name, ``tchat "text" client x y z`` does not."""
        slot = self.slots.get(client)
        name = strip_colors(slot.raw_name) if slot else ""
        message = strip_colors(text)
        if not team:
            prefix = f"{name}: "
            if name and message.startswith(prefix):
                message = message[len(prefix):]
            elif ": " in message:
                message = message.split(": ", 1)[1]
        self.chat.append(Chat(t, client, name, message, team))

    def _snapshot(self, snap: Snapshot) -> None:
        t = snap.server_time
        self.now = self.last_ms = t
        if self.first_ms is None:
            self.first_ms = t
            self._date_untimed(t)
        self.snapshots += 1
        self._positions(snap)
        ents = snap.entities
        prev = self.prev_entities
        events = VANILLA_ET_EVENTS if self.vanilla else LEGACY_ET_EVENTS
        obituary = events + (VANILLA_EV_OBITUARY if self.vanilla else LEGACY_EV_OBITUARY)
        bullet = events + EV_BULLET
        # Deltas from the previous snapshot name what changed (in entity order, as the
        # game's cgame fires events); otherwise look at everything, in the same order.
        candidates = snap.changed if snap.delta_num and snap.seq - snap.delta_num == self.prev_seq else sorted(ents)
        for num in candidates:
            st = ents.get(num)  # a damaged delta may change an entity and then remove it
            old = prev.get(num)
            if st is old or st is None or st[E_TYPE] < events:
                continue
            # A temp-event slot fires again when its content changes, even within
            # the 300 ms it stays visible (the game's cgame does the same).
            if old is not None and _event_key(old) == _event_key(st):
                continue
            etype = st[E_TYPE]
            if etype == obituary:
                self._obituary(t, st, snap)
            elif etype == bullet and not self.vanilla:
                key = (st[E_OTHER], st[E_OTHER2])
                self.bullets.setdefault(key, []).append((t, st[E_MODELINDEX]))
        self.prev_entities = ents
        self.prev_seq = snap.seq

    def _date_untimed(self, t: int) -> None:
        self.phases = [Phase(t, p.phase, p.round) if p.start_ms == _UNTIMED else p for p in self.phases]
        for slot in self.slots.values():
            slot.first_ms = t if slot.first_ms == _UNTIMED else slot.first_ms
            slot.last_ms = t if slot.last_ms == _UNTIMED else slot.last_ms

    def _positions(self, snap: Snapshot) -> None:
        """Record the players visible in this snapshot on a team, in client order (when asked for)."""
        t = snap.server_time
        if not self.want_positions or t < self.next_position_ms:
            return
        self.next_position_ms = t + self.position_gap if self.position_gap else 0
        found = _visible(snap, self.slots)
        slots, record = self.slots, self.positions
        for client in sorted(found):
            slot = slots.get(client)
            if slot is not None and slot.team in (1, 2):
                record.add(t, client, slot.team, _PACK_PLACE(*found[client]))

    def _obituary(self, t: int, st: tuple[int, ...], snap: Snapshot) -> None:
        if self.vanilla:  # ETPro moves the obituary's numbers into other fields
            victim, attacker, mod, weapon, flag = st[E_TIME], st[E_TIME2], st[E_FLAGS], 0, 0
        else:
            victim, attacker, mod = st[E_OTHER], st[E_OTHER2], st[E_EVENTPARM]
            weapon, flag = st[E_WEAPON], st[E_LOOPSOUND]
        vs, at = self.slots.get(victim), self.slots.get(attacker)
        self.kills.append(_RawKill(
            t, attacker, victim, mod, weapon, flag,
            at.team if at else 0, vs.team if vs else 0,
            at.raw_name if at else ("world" if attacker == WORLD else ""),
            vs.raw_name if vs else "",
            _origin(snap, attacker, self.slots), _origin(snap, victim, self.slots),
        ))

    # -- results -----------------------------------------------------------

    def pov(self, client: int) -> Pov:
        slot = self.slots.get(client)
        if slot is None:
            return Pov(client, "", "spectators")
        return Pov(client, strip_colors(slot.raw_name), team_name(slot.team))

    def players(self) -> list[Player]:
        """Every occupant of every slot, in slot order then by arrival; those present at the end last seen then."""
        return [
            Player(s.client, strip_colors(s.raw_name), team_name(s.team), s.guid, s.raw_name, s.cls,
                   s.names, s.teams, s.first_ms, self.last_ms if present else s.last_ms, s.xp)
            for s, present in sorted([*((s, False) for s in self.gone), *((s, True) for s in self.slots.values())],
                                     key=lambda item: (item[0].client, item[0].first_ms))
        ]

    def kill_records(self, pov: int) -> list[Kill]:
        xp_times = sorted((t, reason) for t, reason in self.xpgains if reason.endswith("shot kill"))
        xp_keys = [t for t, _ in xp_times]
        used_xp: set[int] = set()
        out = []
        for k in self.kills:
            mod = mod_name(k.mod, vanilla=self.vanilla)
            weapon = mod if self.vanilla else weapon_name(k.weapon)
            headshot, source = self._headshot(k, mod, pov, xp_times, xp_keys, used_xp)
            out.append(Kill(
                k.time_ms, k.attacker, k.victim, strip_colors(k.attacker_raw), strip_colors(k.victim_raw),
                weapon, mod, headshot, team_name(k.attacker_team), team_name(k.victim_team),
                k.attacker_pos, k.victim_pos, k.attacker_raw, k.victim_raw, k.weapon, k.mod, source,
            ))
        return out

    def _headshot(self, k: _RawKill, mod: str, pov: int, xp_times, xp_keys, used_xp):
        if self.flag_version:
            return bool(k.flag), "obituary"
        if mod not in BULLET_MODS:
            return False, "cause"
        hits = self.bullets.get((k.attacker, k.victim), [])
        last = None
        for t, hit in hits:
            if k.time_ms - BULLET_WINDOW_MS <= t <= k.time_ms:
                last = hit
        if last is not None:
            return last == HIT_HEADSHOT, "bullet"
        if k.attacker == pov and xp_keys:
            i = bisect_left(xp_keys, k.time_ms - XPGAIN_WINDOW_MS)
            while i < len(xp_keys) and xp_keys[i] <= k.time_ms + XPGAIN_WINDOW_MS:
                if i not in used_xp:
                    used_xp.add(i)
                    return xp_times[i][1] == "headshot kill", "xpgain"
                i += 1
        return None, None


def _event_key(st: tuple[int, ...]) -> tuple[int, ...]:
    return (st[E_TYPE], st[E_OTHER], st[E_OTHER2], st[E_EVENTPARM], st[E_WEAPON], st[E_TIME], st[E_TIME2],
            st[E_FLAGS], st[E_POS[0]], st[E_POS[1]], st[E_POS[2]])


# Origin and (yaw, pitch) as five float bit patterns; packed, they are Positions' PLACE floats.
_PS_GET = itemgetter(*P_ORIGIN, P_VIEWANGLES[1], P_VIEWANGLES[0])
_ENTITY_GET = itemgetter(*E_POS, E_APOS[1], E_APOS[0])
_PACK_PLACE = struct.Struct("<5I").pack
_ORIGIN = struct.Struct("<3f").unpack


def _visible(snap: Snapshot, slots: dict[int, _Slot]) -> dict[int, tuple[int, ...]]:
    """Client -> its five place patterns, for the players this snapshot shows: ETTV, every player's own
    playerstate; a client demo, the player entities in view and the recorder's playerstate."""
    if snap.players is not None:
        return {client: _PS_GET(ps) for client, ps in snap.players.items()}
    ents = snap.entities
    found = {num: _ENTITY_GET(st) for num in range(MAX_CLIENTS)
             if (st := ents.get(num)) is not None and st[E_TYPE] == ET_PLAYER}
    ps = snap.ps
    if ps[P_CLIENTNUM] in slots:
        found[ps[P_CLIENTNUM]] = _PS_GET(ps)
    return found


def _origin(snap: Snapshot, client: int, slots: dict[int, _Slot]) -> tuple[float, float, float] | None:
    """Where ``client`` stands in this snapshot (a kill's ends), as _visible sees him."""
    place = _visible(snap, slots).get(client)
    return _ORIGIN(_PACK_PLACE(*place)[:12]) if place is not None else None


def _int(text: str | None, default):
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default
