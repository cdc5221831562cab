"""JSON Lines output: one record per document, written (and flushed) as each finishes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any


class JsonlWriter:
    """Write records to a file (``-`` for stdout), one JSON object per line, flushed per record."""

    def __init__(self, path: str | Path | None, *, append: bool = False) -> None:
        self.path = str(path) if path is not None else None
        self._fh: IO[str] | None = None
        if self.path == "-":
            self._fh = sys.stdout
        elif self.path:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "a" if append else "w", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def write(self, record: dict[str, Any]) -> None:
        if self._fh is not None:
            self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            self._fh.flush()

    def close(self) -> None:
        if self._fh is not None and self._fh is not sys.stdout:
            self._fh.close()
        self._fh = None

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read records back (blank lines and a torn last line from an interrupted run are skipped)."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out
