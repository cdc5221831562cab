"""The archive of screened submissions: storage (SQLite or PostgreSQL), search and the commitment ledger."""

from .archive import (
    AddOutcome,
    ArchiveError,
    Hit,
    LedgerFilters,
    Prepared,
    SearchFilters,
    SearchResult,
    Store,
    archive_paths,
    default_db_url,
    open_store,
    prepare,
    rescreen,
)
from .search import QueryError

__all__ = ["AddOutcome", "ArchiveError", "Hit", "LedgerFilters", "Prepared", "QueryError", "SearchFilters",
           "SearchResult", "Store", "archive_paths", "default_db_url", "open_store", "prepare", "rescreen"]
