"""The archive: what it stores and how it is searched, and ``open_store`` for a URL.

The names of the archive's parts are gathered here: ``corpus.base`` (the ``Store`` interface),
``corpus.records`` (a record as rows), ``corpus.results`` (filters, hits, results) and
``corpus.ledger`` (the commitment ledger). The backends (``sqlite_store``, ``postgres_store``,
each in parts: schema, facets, search) build on them; this module imports the backends and
chooses one by the URL, so the backends never import back from here.
"""

from __future__ import annotations

import os

from .base import ARCHIVE_SCHEMA_VERSION, AREAS, DOC_TYPES, AddOutcome, ArchiveError, Store
from .errors import QueryError, db_error, mask_secrets
from .ledger import LEDGER_COLUMNS, LedgerFilters, ledger_doc_types, ledger_sql, split_ledger
from .postgres_store import PostgresStore
from .records import (
    COMMITMENT_FIELDS,
    Prepared,
    _sha256_file,
    copy_original,
    finding_rows,
    pipeline_version,
    prepare,
    record_from_row,
)
from .results import (
    MAX_PAGE,
    Hit,
    SearchFilters,
    SearchResult,
    check_filters,
    check_page,
    filter_sql,
    make_hits,
    relative_score,
    until_bound,
)
from .sqlite_schema import check_archive_file
from .sqlite_store import SqliteStore

__all__ = [
    "AREAS",
    "AddOutcome",
    "ArchiveError",
    "COMMITMENT_FIELDS",
    "DOC_TYPES",
    "Hit",
    "LEDGER_COLUMNS",
    "LedgerFilters",
    "MAX_PAGE",
    "PostgresStore",
    "Prepared",
    "QueryError",
    "ARCHIVE_SCHEMA_VERSION",
    "SearchFilters",
    "SearchResult",
    "SqliteStore",
    "Store",
    "_sha256_file",
    "check_archive_file",
    "check_filters",
    "check_page",
    "copy_original",
    "db_error",
    "default_db_url",
    "filter_sql",
    "finding_rows",
    "ledger_doc_types",
    "ledger_sql",
    "make_hits",
    "mask_secrets",
    "open_store",
    "pipeline_version",
    "prepare",
    "record_from_row",
    "relative_score",
    "split_ledger",
    "until_bound",
]


def default_db_url() -> str:
    """``$SHENCHA_DB``, else ``archive.sqlite`` in the user's data folder (``$XDG_DATA_HOME/shencha``)."""
    env = os.environ.get("SHENCHA_DB")
    if env:
        return env
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "shencha", "archive.sqlite")


def open_store(url: str | None = None, *, readonly: bool = False) -> Store:
    """Open (creating if needed) the archive at ``url``: a file path or ``sqlite:///path``, or ``postgresql://…``."""
    url = url or default_db_url()
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(url)
    if url.startswith("sqlite:///"):
        url = url[len("sqlite:///") - 1 :] if url.startswith("sqlite:////") else url[len("sqlite:///") :]
    elif url.startswith("sqlite://"):
        url = url[len("sqlite://") :]
    elif "://" in url:
        raise ArchiveError("E301", mask_secrets(url), f"unsupported URL scheme {url.split('://')[0]}://")
    return SqliteStore(url, readonly=readonly)
