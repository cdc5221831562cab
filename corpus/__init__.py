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
    default_db_url,
    open_store,
    prepare,
)
from .search import QueryError

__all__ = ["AddOutcome", "ArchiveError", "Hit", "LedgerFilters", "Prepared", "QueryError", "SearchFilters",
           "SearchResult", "Store", "default_db_url", "open_store", "prepare"]
