"""JSON Lines output: one record per document, written (and flushed) as each finishes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO

from pipeline.record import Record
from reports.records import read_records


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

    def write(self, record: Record) -> None:
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


def read_jsonl(path: str | Path) -> list[Record]:
    """The records of a ``.jsonl`` file that have the record's shape (see :mod:`reports.records`;
    blank lines, a torn last line and bad lines are left out: use ``read_records`` to hear of them)."""
    return read_records(path)[0]
