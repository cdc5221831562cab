"""The archive's coded errors (E3xx of ``pipeline.errors.CATALOGUE``), and what turns a database's own
exceptions into them.

``ArchiveError`` names the archive (a file path, or a URL whose password is masked in every message)
and says what to do; ``QueryError`` is a query or a filter value that cannot be used (E305, E306),
raised before any archive is involved, so it names none (``QueryError.for_store`` does).
"""

from __future__ import annotations

import re
import sqlite3

from pipeline.errors import CATALOGUE, ShenchaError

#: Codes of conditions that may pass (exit status 1); every other E3xx means the command, its
#: ``--db`` or its ids cannot work as given (exit status 2, as a usage error).
RUNTIME_CODES = frozenset({"E302", "E399"})

_SECRET = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*:)(?P<secret>[^\s/]*)(?P<at>@)")
_SECRET_KV = re.compile(r"(?i)\b(?P<head>password\s*=\s*)(?P<secret>'[^']*'|\S+)")


def mask_secrets(s: str) -> str:
    """``s`` with every URL password (``postgresql://user:***@host/db``) and ``password=…`` masked.

    Every message and log line that may carry an archive URL goes through here: a secret is never printed.
    """
    s = _SECRET.sub(lambda m: m["head"] + ("***" if m["secret"] else "") + m["at"], s)
    return _SECRET_KV.sub(lambda m: m["head"] + "***", s)


class ArchiveError(ShenchaError, RuntimeError):
    """An archive that cannot be opened or used, or an id it does not hold (a ``CATALOGUE`` E3xx code).

    Args:
        code: An E3xx key of ``CATALOGUE``.
        path: The archive: its file path or URL (the message masks a password).
        detail: What exactly (shown in parentheses).
    """

    @property
    def message(self) -> str:
        """``[E3xx] ARCHIVE: what happened (detail). What to do.`` on one line, the password masked."""
        detail = f" ({' '.join(self.detail.split())})" if self.detail else ""
        text = CATALOGUE[self.code][1].format(name=self.path, detail=detail)
        return mask_secrets(f"[{self.code}] {text}")

    @property
    def exit_status(self) -> int:
        """1 for a condition that may pass (locked, internal), else 2 (the command cannot work as given)."""
        return 1 if self.code in RUNTIME_CODES else 2


class QueryError(ValueError):
    """A search query (E305) or a filter or field value (E306) that cannot be used; the message says why.

    The only exception of the query language (``corpus.query.parse_query``) and of the filter checks.
    """

    def __init__(self, reason: str, code: str = "E305") -> None:
        super().__init__(reason)
        self.code = code

    def for_store(self, store: str) -> ArchiveError:
        """This error as the archive ``store`` reports it."""
        return ArchiveError(self.code, store, str(self))


def db_error(exc: BaseException, store: str) -> ArchiveError:
    """The coded error for a database's own exception (SQLite, or psycopg for PostgreSQL).

    Locked or busy: E302; damaged, or not a database: E303; cannot be opened or written: E301; a
    PostgreSQL connection that fails or is lost: E307; anything else: E399 (an internal error).
    """
    text = " ".join(str(exc).split()) or type(exc).__name__
    low = text.lower()
    if isinstance(exc, sqlite3.Error):
        if "locked" in low or "busy" in low:
            return ArchiveError("E302", store, text)
        if "malformed" in low or "not a database" in low or "corrupt" in low:
            return ArchiveError("E303", store, text)
        if "unable to open" in low or "readonly" in low or "read-only" in low or "disk i/o" in low:
            return ArchiveError("E301", store, text)
        return ArchiveError("E399", store, f"{type(exc).__name__}: {text}")
    if type(exc).__module__.startswith("psycopg"):
        if type(exc).__name__ in ("OperationalError", "InterfaceError", "ConnectionTimeout", "AdminShutdown"):
            return ArchiveError("E307", store, text)
        if type(exc).__name__ in ("InsufficientPrivilege", "InvalidAuthorizationSpecification",
                                  "InvalidPassword", "InvalidCatalogName", "InvalidSchemaName"):
            return ArchiveError("E301", store, text)
    return ArchiveError("E399", store, f"{type(exc).__name__}: {text}")
