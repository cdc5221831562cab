"""What the archive verbs share: argument types, the ``--db`` option, opening the archive, and the
one-line coded failures (``shencha: [E3xx] ARCHIVE: reason``) with every database password masked."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import logging
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from corpus.archive import (
    ArchiveError,
    QueryError,
    Store,
    check_archive_file,
    db_error,
    default_db_url,
    mask_secrets,
    open_store,
)
from pipeline.errors import log_internal_error

Verb = Callable[[str], Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]]

#: The largest count or id SQLite and PostgreSQL take (a signed 64-bit integer).
INT64_MAX = 2**63 - 1
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
Handler = Callable[[argparse.Namespace], int]

AREA_ZH = {"economy": "经济发展", "work_style": "作风建设", "livelihood": "民生", "stability": "稳定", "other": "其他"}


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


def check_db(url: str) -> ArchiveError | None:
    """Why ``url`` cannot be an archive (None when it may be): a folder, a file that is not an archive (E308)…"""
    path = _sqlite_path(url)
    if path is None or path == ":memory:":
        return None
    return check_archive_file(Path(path))


def archive_label(args: argparse.Namespace) -> str:
    """The archive a command works on, as its messages name it (a URL's password masked)."""
    return mask_secrets(getattr(args, "db", None) or default_db_url())


def open_archive(args: argparse.Namespace, readonly: bool = False) -> Store:
    """The archive of ``--db`` (else ``$SHENCHA_DB``, else the default file); ``ArchiveError`` when it cannot be."""
    url = getattr(args, "db", None) or default_db_url()
    problem = check_db(url)
    if problem:
        raise problem
    try:
        return open_store(url, readonly=readonly and not url.startswith(("postgres://", "postgresql://")))
    except OSError as exc:
        raise ArchiveError("E301", mask_secrets(url), exc.strerror or str(exc)) from exc


def report(err: ArchiveError, cause: BaseException | None = None) -> int:
    """Print ``err`` as one line on stderr (an internal one, E399, logged with its traceback); its exit status."""
    if err.code == "E399":
        log_internal_error(err.path, cause or err, code=err.code)
    print(f"shencha: {err.message}", file=sys.stderr)
    return err.exit_status


def coded(fn: Handler) -> Handler:
    """An archive verb whose failures are one coded line: ``shencha: [E3xx] ARCHIVE: reason. What to do.``

    ``ArchiveError`` as it is; a ``QueryError`` named after the archive; SQLite's and psycopg's own
    errors classified (``corpus.errors.db_error``); anything else an internal error (E399), logged
    with its traceback. Exit status 2 when the command cannot work as given, 1 when it may later.
    ``OSError`` (an output file) and interruptions go on to ``shencha.cli.main``.
    """
    @functools.wraps(fn)
    def run(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except ArchiveError as exc:
            return report(exc)
        except QueryError as exc:
            return report(exc.for_store(archive_label(args)))
        except OSError:
            raise
        except Exception as exc:  # noqa: BLE001 - every other failure is one coded line, never a traceback
            return report(db_error(exc, archive_label(args)), exc)

    return run


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

