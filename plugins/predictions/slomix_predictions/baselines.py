"""What the model must beat: a coin flip, the predecessor's DPM-share heuristic and plain Elo.

Each baseline predicts a map from earlier maps only, then learns the map, as the model does.
"""

from __future__ import annotations

from collections import deque
from datetime import timedelta

from .history import MapGame

FORM_WINDOW = timedelta(days=30)
ELO_K = 32.0
ELO_START = 1500.0


class Coin:
    name = "coin"

    def predict(self, game: MapGame) -> float:
        return 0.5

    def learn(self, game: MapGame) -> None:
        pass


class DpmShare:
    """The predecessor's ``heuristic-v1.1`` as it ran (spec §3.8): H2H and map factors neutral,
    form = team mean of each player's mean DPM over the last 30 days, P(A) = 0.44 + 0.12·f with
    f = dpm_A / (dpm_A + dpm_B); 0.5 when a team has no form."""

    name = "dpm_share"

    def __init__(self) -> None:
        self.seen: dict[str, deque] = {}

    def _form(self, guids, game: MapGame) -> float | None:
        means = []
        for guid in guids:
            recent = self.seen.get(guid)
            while recent and game.played_at - recent[0][0] > FORM_WINDOW:  # maps come in time order
                recent.popleft()
            if recent:
                means.append(sum(dpm for _, dpm in recent) / len(recent))
        return sum(means) / len(means) if means else None

    def predict(self, game: MapGame) -> float:
        a, b = self._form(game.team_a, game), self._form(game.team_b, game)
        if a is None or b is None or a + b <= 0:
            return 0.5
        return 0.44 + 0.12 * a / (a + b)

    def learn(self, game: MapGame) -> None:
        for guid, dpm in game.dpm.items():
            self.seen.setdefault(guid, deque()).append((game.played_at, dpm))


class Elo:
    """Plain Elo on team means: P(A) = 1 / (1 + 10^((R_B − R_A)/400)); every player moves by
    K·share·(result − P)."""

    name = "elo"

    def __init__(self) -> None:
        self.rating: dict[str, float] = {}

    def _mean(self, guids) -> float:
        return sum(self.rating.get(g, ELO_START) for g in guids) / len(guids)

    def predict(self, game: MapGame) -> float:
        return 1 / (1 + 10 ** ((self._mean(game.team_b) - self._mean(game.team_a)) / 400))

    def learn(self, game: MapGame) -> None:
        p = self.predict(game)
        for shares, delta in ((game.team_a, game.outcome - p), (game.team_b, p - game.outcome)):
            for guid, share in shares.items():
                self.rating[guid] = self.rating.get(guid, ELO_START) + ELO_K * share * delta


def all_baselines() -> list:
    return [Coin(), DpmShare(), Elo()]
