"""The round-end webhook body's envelope: what names the file the report is stored under.

The body is the flat snake_case round-end report of spec §9.2, as ``lua/slomix_round_end.lua``
writes it. Only the keys that name the round are checked here; what the report says, key by
key, is for the plugins that receive it: they refuse a bad report naming the key at fault, and
the route answers with their reasons. Unknown keys are ignored so that a newer script can talk
to an older Slomix.
"""

from __future__ import annotations

import re
from typing import Annotated

import msgspec


class Envelope(msgspec.Struct, frozen=True):
    map: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f/\\]+$")]
    round: Annotated[int, msgspec.Meta(ge=1, le=10)]
    round_end_unix: Annotated[int, msgspec.Meta(ge=0, le=1 << 40)]

    def file_name(self) -> str:
        """``round-end-<map>-R<n>-<round_end_unix>.json``, the map reduced to file-name characters."""
        return f"round-end-{re.sub(r'[^A-Za-z0-9_-]', '_', self.map)}-R{self.round}-{self.round_end_unix}.json"

