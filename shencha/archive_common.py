"""What the archive verbs share: argument types, the ``--db`` option and its checks, opening the
archive, one-line failures, and masking a database password in every message."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import re
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from corpus.archive import ArchiveError, Store, default_db_url, open_store

Verb = Callable[[str], Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]]

#: The largest count or id SQLite and PostgreSQL take (a signed 64-bit integer).
INT64_MAX = 2**63 - 1
_SECRET = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*:)(?P<secret>[^\s/]*)(?P<at>@)")
_SECRET_KV = re.compile(r"(?i)\b(?P<head>password\s*=\s*)(?P<secret>'[^']*'|\S+)")
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
SQLITE_MAGIC = b"SQLite format 3\x00"

AREA_ZH = {"economy": "经济发展", "work_style": "作风建设", "livelihood": "民生", "stability": "稳定", "other": "其他"}


def mask_secrets(s: str) -> str:
    """``s`` with every URL password (``postgresql://user:***@host/db``) and ``password=…`` masked.

    Every message and log line that may carry an archive URL goes through here: a secret is never printed.
    """
    s = _SECRET.sub(lambda m: m["head"] + ("***" if m["secret"] else "") + m["at"], s)
    return _SECRET_KV.sub(lambda m: m["head"] + "***", s)


class MaskSecrets(logging.Filter):
    """A logging filter that masks URL passwords in each record's message (see :func:`mask_secrets`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        masked = mask_secrets(msg)
        if masked != msg:
            record.msg, record.args = masked, None
        return True


def count_arg(s: str) -> int:
    """An argparse type: a whole number from 0 to 2^63-1 (what the archive's SQL takes)."""
    try:
        n = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{s!r} is not a whole number") from None
    if not 0 <= n <= INT64_MAX:
        raise argparse.ArgumentTypeError(f"{s} is out of range (0 to {INT64_MAX})")
    return n


def id_arg(s: str) -> int:
    """An argparse type: a document id (1 to 2^63-1)."""
    n = count_arg(s)
    if n < 1:
        raise argparse.ArgumentTypeError(f"{s} is not a document id (ids start at 1)")
    return n


def date_arg(s: str) -> str:
    """An argparse type: a calendar date ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (normalised to zero-padded)."""
    m = _DATE.match(s.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"{s!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)")
    y, mo, d = m.group(1), m.group(2), m.group(3)
    try:
        dt.date(int(y), int(mo or 1), int(d or 1))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{s!r} is not a date ({exc})") from None
    return "-".join(x for x in (y, mo and f"{int(mo):02d}", d and f"{int(d):02d}") if x)


def day_arg(s: str) -> str:
    """An argparse type: a full calendar date ``YYYY-MM-DD``."""
    v = date_arg(s)
    if len(v) != 10:
        raise argparse.ArgumentTypeError(f"{s!r} is not a full date (YYYY-MM-DD)")
    return v


def db_arg(p: argparse.ArgumentParser, suppress: bool = False) -> None:
    p.add_argument("--db", metavar="URL", default=argparse.SUPPRESS if suppress else None,
                   help="archive: SQLite file path or postgresql://… (default $SHENCHA_DB or "
                        f"{mask_secrets(default_db_url()).replace('%', '%%')})")

def _sqlite_path(url: str) -> str | None:
    """The file of a SQLite archive URL (None for PostgreSQL or another scheme)."""
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///") - 1:] if url.startswith("sqlite:////") else url[len("sqlite:///"):]
    if url.startswith("sqlite://"):
        return url[len("sqlite://"):]
    return None if "://" in url else url


def check_db(url: str) -> str | None:
    """Why ``url`` cannot be an archive (None when it may be): a folder, or a file that is not SQLite."""
    path = _sqlite_path(url)
    if path is None or path == ":memory:":
        return None
    p = Path(path)
    if p.is_dir():
        return f"--db {path}: is a folder, not an archive file"
    if p.is_file():
        try:
            with open(p, "rb") as fh:
                head = fh.read(len(SQLITE_MAGIC))
        except OSError as exc:
            return f"--db {path}: cannot be read ({exc.strerror or exc})"
        if head and head != SQLITE_MAGIC:
            return f"--db {path}: is not a Shencha archive (not an SQLite database); nothing was changed"
        if head:
            return _foreign_sqlite(path)
    elif p.parent != Path("") and p.parent.exists() and not p.parent.is_dir():
        return f"--db {path}: {p.parent} is not a folder"
    return None


def _foreign_sqlite(path: str) -> str | None:
    """Why an SQLite file is not a Shencha archive (None when it is one, or may become one: no tables yet)."""
    from urllib.parse import quote

    try:
        db = sqlite3.connect(f"file:{quote(os.path.abspath(path))}?mode=ro", uri=True)
        try:
            names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            db.close()
    except sqlite3.Error as exc:
        return f"--db {path}: cannot be read as an archive ({exc})"
    if names and "meta" not in names:
        return f"--db {path}: is an SQLite database of something else, not a Shencha archive; nothing was changed"
    return None


def open_archive(args: argparse.Namespace, readonly: bool = False) -> Store:
    url = getattr(args, "db", None) or default_db_url()
    problem = check_db(url)
    if problem:
        raise ArchiveError(problem)
    try:
        return open_store(url, readonly=readonly and not url.startswith(("postgres://", "postgresql://")))
    except (sqlite3.Error, OSError) as exc:
        raise ArchiveError(f"--db {mask_secrets(url)}: cannot open the archive ({exc})") from None


def fail(msg: str) -> int:
    print(f"shencha: {mask_secrets(' '.join(msg.split()))}", file=sys.stderr)
    return 2


def check_output_file(dest: str) -> str | None:
    """Why a file cannot be written at ``dest`` (None when it can): a folder there, or no folder for it."""
    p = Path(dest)
    if p.is_dir():
        return f"-o {dest}: is a folder (give a file name, e.g. {os.path.join(dest, 'document.docx')})"
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.exists():
        return f"-o {dest}: the folder {parent} does not exist"
    if not parent.is_dir():
        return f"-o {dest}: {parent} is not a folder"
    if p.exists() and not os.access(p, os.W_OK) or not os.access(parent, os.W_OK):
        return f"-o {dest}: not writable"
    return None

