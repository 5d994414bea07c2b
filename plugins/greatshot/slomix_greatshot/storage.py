"""Where demos and what is made from them live on disk: under ``<data_dir>/greatshot``.

Every path is built from the demo's content hash and our own ids; nothing a user sends ever
becomes part of one. Paths stored in the database are relative to the root.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


class Storage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def demo_dir(self, sha256: str) -> Path:
        return Path("demos") / sha256[:2] / sha256

    def original(self, sha256: str, ext: str) -> Path:
        return self.demo_dir(sha256) / f"original{ext}"

    def clip(self, sha256: str, highlight_id: int) -> Path:
        return self.demo_dir(sha256) / "clips" / f"{highlight_id}.dm_84"

    def video(self, sha256: str, highlight_id: int, ext: str) -> Path:
        return self.demo_dir(sha256) / "videos" / f"{highlight_id}{ext}"

    def absolute(self, relative: str | Path) -> Path:
        """The file under the root; ValueError when ``relative`` would leave it."""
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"{relative}: outside the greatshot storage")
        return path

    def free_bytes(self) -> int:
        self.root.mkdir(parents=True, exist_ok=True)
        return shutil.disk_usage(self.root).free

    def adopt(self, source: Path, relative: Path, *, keep_source: bool) -> Path:
        """Put ``source`` at ``relative`` (moved, or copied when the source must stay), atomically.

        The file's time goes with it: for a demo without a date in its name it is when the
        recording ended, which links the demo to its round."""
        target = self.absolute(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        if keep_source:
            shutil.copy2(source, partial)
        else:
            try:
                os.replace(source, partial)
            except OSError:  # another file system: copy, then let the caller's temp folder go
                shutil.copy2(source, partial)
        os.replace(partial, target)
        return target

    def remove(self, relative: str | Path) -> None:
        self.absolute(relative).unlink(missing_ok=True)
