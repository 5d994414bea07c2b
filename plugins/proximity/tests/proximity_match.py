"""The scripted match every proximity test starts from, and the real stats file of its round.

Six real players of ``2025-10-14-213838-supply-round-1.txt`` (their GUIDs, so the stats plugin
names them) play a short round on supply under the tracker. Its answers are known:

- vid and endekk catch qmr between them (bearings 180° and 90° from qmr: 90° apart, hits 0.5 s
  apart); vid kills qmr from 1000 units (25.4 m): first blood, and the crossfire is converted;
- olz kills endekk; 2 s later squAze kills olz: a trade (endekk's death avenged by squAze);
- bronze (a medic) revives qmr and kills squAze 2 s after olz died: a second trade (olz's);
- vid kills bronze 5 s after squAze died: no trade (over 3 s);
- a dynamite is planted by squAze.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from slomix.kernel import IncomingFile
from slomix_proximity.testing import Match, Player

PARIS = ZoneInfo("Europe/Paris")
STATS_FILE = "2025-10-14-213838-supply-round-1.txt"
PAD = "0123456789ABCDEF01234567"  # 24 characters after the 8 the stats files keep
VID, ENDEKK, SQUAZE, QMR, OLZ, BRONZE = range(6)
ROSTER = [Player("D8423F90" + PAD, "^pvid", 1), Player("7B84BE88" + PAD, "endekk", 1),
          Player("3C0354D3" + PAD, "^wsqu^hA^pze", 1, player_class=2), Player("652EB4A6" + PAD, "^3qmr", 2),
          Player("5D989160" + PAD, "^1.^7olz", 2), Player("2B5938F5" + PAD, "^ybronze^h.", 2, player_class=1)]
GUID = {slot: p.guid[:8] for slot, p in enumerate(ROSTER)}
# The round ends at 03:30 in the server's time zone: no hour of the day is special.
END = datetime(2025, 10, 15, 3, 30, 0, tzinfo=PARIS)


@dataclass(frozen=True, slots=True)
class Played:
    path: Path
    match: Match
    kills: dict[str, int]   # name → round-clock time of the kill
    waits: dict[str, int]   # name → ms the victim waits for their next wave
    end_unix: int

    @property
    def file(self) -> IncomingFile:
        return IncomingFile(name=self.path.name, data=self.path.read_bytes(), source="test")


def play(home: Path, *, end: datetime = END) -> Played:
    duration = 16.0
    match = Match(home, ROSTER, map_name="supply", now=end.timestamp() - duration - 2.05)
    match.start([(0, 0, 0), (1000, 1000, 0), (600, 600, 0), (1000, 0, 0), (1000, 600, 0), (1000, 50, 0)])
    kills, waits = {}, {}

    def killed(name: str, victim: int) -> None:
        kills[name] = match.t
        waits[name] = match.wait_ms(ROSTER[victim].team, match.t)

    match.hit(VID, QMR, 40)
    match.run(0.5)
    match.hit(ENDEKK, QMR, 40)
    match.run(0.5)
    match.hit(VID, QMR, 40)
    killed("qmr", QMR)
    match.run(1.0)
    match.hit(OLZ, ENDEKK, 120)
    killed("endekk", ENDEKK)
    match.run(2.0)
    match.hit(SQUAZE, OLZ, 120)
    killed("olz", OLZ)
    match.run(1.0)
    match.et.revive(QMR, BRONZE)
    match.run(1.0)
    match.et.log_print("Dynamite_Plant: 2 the Depot Gate\n")
    match.hit(BRONZE, SQUAZE, 120)
    killed("squAze", SQUAZE)
    match.run(5.0)
    match.hit(VID, BRONZE, 120)
    killed("bronze", BRONZE)
    match.run(duration - 11.0 - 1.0)
    path = match.end()
    return Played(path, match, kills, waits, int(path.stem.rsplit("-", 1)[1]))


def stats_file(shared_data: Path, ended_unix: int) -> IncomingFile:
    """The real stats file of the round, named as the server names it: local time ~3 s after the end."""
    stamp = datetime.fromtimestamp(ended_unix + 3, PARIS) if ended_unix else END
    name = f"{stamp:%Y-%m-%d-%H%M%S}-supply-round-1.txt"
    return IncomingFile(name=name, data=(shared_data / "stats" / STATS_FILE).read_bytes(), source="test")


def local(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, PARIS).replace(tzinfo=None)


def later(moment: datetime, **delta: float) -> datetime:
    return moment + timedelta(**delta)
