"""The ``Store`` interface both backends implement, and what the archive as a whole is (``corpus.archive`` opens one).

Library first: ``corpus.archive.open_store(url)`` returns a ``Store`` (SQLite file by default, PostgreSQL for
``postgresql://…``); ``shencha.archiving`` screens files and stores them a batch of documents
per transaction, and rescreens the kept originals after a pipeline upgrade. What the store
writes for a document is ``corpus.records``; what a search takes and gives, ``corpus.results``; the ledger,
``corpus.ledger``.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ArchiveError, mask_secrets
from .ledger import Ledger
from .records import Prepared
from .results import SearchFilters, SearchResult

# 2: SQLite doc_facets / facet_values (search facets in one pass); 3: character index (exact search);
# 4: commitment ids (findings.cid) and the ledger's statuses (ledger_status); 5 (SQLite): texts compressed, the
# word index without positions (doc_fts detail=none, doc_facets.words), ranked in numpy
ARCHIVE_SCHEMA_VERSION = 5
AREAS = ("economy", "work_style", "livelihood", "stability", "other")
DOC_TYPES = ("analysis_report", "work_report", "rectification_plan", "meeting_speech", "implementation_plan", "other")

__all__ = ["AREAS", "DOC_TYPES", "ARCHIVE_SCHEMA_VERSION", "AddOutcome", "ArchiveError", "Store"]


@dataclass
class AddOutcome:
    """What happened to one input of ``shencha.archiving.archive_paths``."""

    path: str
    status: str  # "added" | "skipped" | "refreshed" | "failed"
    id: int | None = None
    message: str = ""


# ------------------------------------------------------------------ the interface


class Store(Ledger, abc.ABC):
    """One archive: documents, findings, originals, the search index and the ledger, in one backend.

    Writes are one transaction per document (``add``) or per batch of documents (``add_many``);
    adding a hash already stored replaces that document's findings and text (the refresh path)
    and keeps its id, and its ledger statuses (``corpus.ledger.Ledger``) stay. ``remove`` takes
    documents out with everything they brought.
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
    def add(self, doc: Prepared, original: bytes | Path | None = None) -> tuple[int, bool]:
        """Store one document (with its original file) in one transaction.

        Returns:
            ``(id, created)``; ``created`` is False when the hash was already stored (refreshed).
        """
        return self.add_many([(doc, original)])[0]

    @abc.abstractmethod
    def add_many(self, items: Sequence[tuple[Prepared, bytes | Path | None]]) -> list[tuple[int, bool]]:
        """Store documents (with their original files) in one transaction, in order, as ``add`` one by one would.

        Returns:
            ``(id, created)`` of each, in order.
        """

    @abc.abstractmethod
    def remove(self, ids: Iterable[int]) -> list[int]:
        """Remove documents with their findings, index entries, kept originals and ledger statuses (one transaction).

        Raises:
            ArchiveError: E300 for an id that is not in the archive; nothing is removed then.
        """

    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[Any]:
        """A write transaction on ``db``: committed at the end of the ``with`` block, rolled back on an exception."""

    # -- reads
    # Both backends speak DB-API with a ``db.execute`` that returns a cursor; only the
    # parameter placeholder differs ("?" for SQLite, "%s" for PostgreSQL).
    placeholder = "?"
    db: Any

    def lookup(self, sha256: str) -> tuple[int, str] | None:
        """``(id, pipeline_version)`` for a content hash."""
        row = self.db.execute(f"SELECT id, pipeline FROM documents WHERE sha256 = {self.placeholder}", (sha256,)).fetchone()
        return (int(row[0]), row[1]) if row else None

    def exists(self, doc_id: int) -> bool:
        """Whether a document id is in the archive."""
        return self.db.execute(f"SELECT 1 FROM documents WHERE id = {self.placeholder}", (doc_id,)).fetchone() is not None

    def require(self, doc_id: int) -> None:
        """Nothing when ``doc_id`` is in the archive, else ``ArchiveError`` E300."""
        if not self.exists(doc_id):
            raise ArchiveError("E300", mask_secrets(self.url), f"id {doc_id}")

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
    def index_size(self) -> int:
        """Bytes used by the archive (database and kept originals)."""

    def export(self) -> Iterator[dict[str, Any]]:
        """Every document as a full record (JSON Lines export)."""
        for i in self.ids():
            rec = self.get(i)
            if rec is not None:
                yield rec
