"""The ``Store`` interface both backends implement, and what the archive as a whole is (``corpus.archive`` opens one).

Library first: ``corpus.archive.open_store(url)`` returns a ``Store`` (SQLite file by default, PostgreSQL for
``postgresql://…``); ``shencha.archiving`` screens files and stores them one transaction per
document, and rescreens the kept originals after a pipeline upgrade. What the store writes for a
document is ``corpus.records``; what a search takes and gives, ``corpus.results``; the ledger,
``corpus.ledger``.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .ledger import LedgerFilters
from .records import Prepared
from .results import SearchFilters, SearchResult

SCHEMA_VERSION = 3  # 2: SQLite doc_facets / facet_values (search facets in one pass); 3: character index (exact search)
AREAS = ("economy", "work_style", "livelihood", "stability", "other")
DOC_TYPES = ("analysis_report", "work_report", "rectification_plan", "meeting_speech", "implementation_plan", "other")


class ArchiveError(RuntimeError):
    """The archive cannot be opened or used (bad URL, newer schema, missing server)."""



@dataclass
class AddOutcome:
    """What happened to one input of ``shencha.archiving.archive_paths``."""

    path: str
    status: str  # "added" | "skipped" | "refreshed" | "failed"
    id: int | None = None
    message: str = ""


# ------------------------------------------------------------------ the interface


class Store(abc.ABC):
    """One archive: documents, findings, originals and the search index, in one backend.

    Writes are one transaction per document; ``add`` on a hash already stored replaces that
    document's findings and text (the refresh path) and keeps its id.
    """

    url: str

    # -- lifecycle
    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes
    @abc.abstractmethod
    def add(self, doc: Prepared, original: bytes | Path | None = None) -> tuple[int, bool]:
        """Store one document (with its original file) in one transaction.

        Returns:
            ``(id, created)``; ``created`` is False when the hash was already stored (refreshed).
        """

    # -- reads
    # Both backends speak DB-API with a ``db.execute`` that returns a cursor; only the
    # parameter placeholder differs ("?" for SQLite, "%s" for PostgreSQL).
    placeholder = "?"
    db: Any

    def lookup(self, sha256: str) -> tuple[int, str] | None:
        """``(id, pipeline_version)`` for a content hash."""
        row = self.db.execute(f"SELECT id, pipeline FROM documents WHERE sha256 = {self.placeholder}", (sha256,)).fetchone()
        return (int(row[0]), row[1]) if row else None

    def count(self) -> int:
        """Number of documents."""
        return int(self.db.execute("SELECT count(*) FROM documents").fetchone()[0])

    @abc.abstractmethod
    def get(self, doc_id: int) -> dict[str, Any] | None:
        """The stored record of one document (with ``id``, ``name``, ``text`` and ``findings`` lists)."""

    @abc.abstractmethod
    def original(self, doc_id: int) -> tuple[str, bytes] | None:
        """``(file name, bytes)`` of the kept original, or None."""

    def ids(self) -> list[int]:
        """Every document id."""
        return [int(r[0]) for r in self.db.execute("SELECT id FROM documents ORDER BY id")]

    @abc.abstractmethod
    def search(self, query: str, filters: SearchFilters | None = None, *, limit: int = 10, offset: int = 0,
               facets: bool = True) -> SearchResult:
        """Ranked search (BM25-style), snippets in the document's own script, facets over the whole result set."""

    @abc.abstractmethod
    def commitments(self, filters: LedgerFilters | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The ledger: ``(complete, incomplete)``; complete ones (owner and deadline) soonest deadline first."""

    @abc.abstractmethod
    def index_size(self) -> int:
        """Bytes used by the archive (database and kept originals)."""

    def export(self) -> Iterator[dict[str, Any]]:
        """Every document as a full record (JSON Lines export)."""
        for i in self.ids():
            rec = self.get(i)
            if rec is not None:
                yield rec
