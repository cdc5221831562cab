"""Archive verbs for the ``shencha`` command (a thin layer over ``corpus.archive``).

    shencha archive add PATH… [--db URL]      screen and store (skips what is already in)
    shencha archive rescreen [--all]          refresh findings from the kept originals
    shencha archive export --jsonl FILE       every document as JSON Lines
    shencha archive get ID [-o FILE]          write the kept original file back out
    shencha search QUERY [filters…]           ranked search with snippets and facets
    shencha show ID                           one document's findings
    shencha commitments [filters…]            the commitment ledger (挂牌督办、限时办结)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import re
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from corpus.archive import (
    AREAS,
    DOC_TYPES,
    MAX_PAGE,
    ArchiveError,
    LedgerFilters,
    SearchFilters,
    default_db_url,
    open_store,
)
from pipeline.ingest import DEFAULT_MAX_BYTES, MAX_PDF_PAGES
from shencha.batch import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT

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


def _db_arg(p: argparse.ArgumentParser, suppress: bool = False) -> None:
    p.add_argument("--db", metavar="URL", default=argparse.SUPPRESS if suppress else None,
                   help="archive: SQLite file path or postgresql://… (default $SHENCHA_DB or "
                        f"{mask_secrets(default_db_url()).replace('%', '%%')})")


def register(sub: Any, verb: Verb) -> None:
    """Add the archive verbs to the ``shencha`` parser."""
    a = sub.add_parser("archive", help="store screened documents in the searchable archive")
    _db_arg(a)
    asub = a.add_subparsers(dest="archive_cmd", required=True)
    add = asub.add_parser("add", help="screen files and folders and store them (skips what is already in)")
    add.add_argument("paths", nargs="+", metavar="PATH")
    add.add_argument("--workers", type=int, default=None, metavar="N",
                     help="screening processes (default: all cores, as screen)")
    add.add_argument("--profile", default=None, help="campaign profile")
    add.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                     help="time limit per document, as screen (default %(default)g; 0 = none)")
    add.add_argument("--max-memory", type=int, default=DEFAULT_MEMORY_MB, metavar="MB",
                     help="memory a worker may add per document, as screen (default %(default)s; 0 = none)")
    add.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help="refuse larger files (default 50 MB)")
    add.add_argument("--max-pages", type=int, default=MAX_PDF_PAGES,
                     help="refuse PDFs with more pages (default %(default)s)")
    add.add_argument("--force", action="store_true", help="screen again even when already stored")
    add.add_argument("--silent", action="store_true", help="no per-document lines")
    _db_arg(add, suppress=True)
    rs = asub.add_parser("rescreen", help="screen the kept originals again; refresh findings from an older pipeline")
    rs.add_argument("--all", action="store_true", help="every document, not only outdated ones")
    rs.add_argument("--profile", default=None)
    rs.add_argument("--workers", type=int, default=None, metavar="N", help="screening processes (default: all cores)")
    rs.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                    help="time limit per document, as screen (default %(default)g; 0 = none)")
    rs.add_argument("--max-memory", type=int, default=DEFAULT_MEMORY_MB, metavar="MB",
                    help="memory a worker may add per document, as screen (default %(default)s; 0 = none)")
    _db_arg(rs, suppress=True)
    ex = asub.add_parser("export", help="write every document (text and findings) out")
    ex.add_argument("--jsonl", metavar="FILE", default="-", help="JSON Lines file ('-' = stdout, the default)")
    ex.add_argument("--no-text", action="store_true", help="leave the full text out")
    _db_arg(ex, suppress=True)
    g = asub.add_parser("get", help="write a document's kept original file")
    g.add_argument("id", type=id_arg)
    g.add_argument("-o", "--output", metavar="FILE", help="where to write it (default: its file name, here)")
    _db_arg(g, suppress=True)
    verb("archive")(cmd_archive)

    s = sub.add_parser("search", help="search the archive (ranked, snippets, facets)")
    s.add_argument("query", help='words, "phrases", AND/OR/NOT, -word, ( ); "" lists by filters only')
    s.add_argument("--area", choices=AREAS)
    s.add_argument("--type", choices=DOC_TYPES, dest="doc_type")
    s.add_argument("--gap", metavar="CODE")
    s.add_argument("--unit", metavar="U", help="issuing unit contains U (either script)")
    s.add_argument("--since", metavar="DATE", type=date_arg, help="dated on or after (YYYY[-MM[-DD]])")
    s.add_argument("--until", metavar="DATE", type=date_arg, help="dated on or before (YYYY[-MM[-DD]])")
    s.add_argument("--flagged", action="store_true", help="only documents flagged as work reports")
    s.add_argument("--limit", type=count_arg, default=10, metavar="N")
    s.add_argument("--offset", type=count_arg, default=0, metavar="N")
    s.add_argument("--json", action="store_true", help="JSON output")
    _db_arg(s)
    verb("search")(cmd_search)

    sh = sub.add_parser("show", help="one archived document's findings")
    sh.add_argument("id", type=id_arg)
    sh.add_argument("--json", action="store_true", help="the full stored record as JSON")
    sh.add_argument("--text", action="store_true", help="also print the full text")
    _db_arg(sh)
    verb("show")(cmd_show)

    c = sub.add_parser("commitments", help="the commitment ledger: every archived commitment, soonest deadline first")
    c.add_argument("--owner", metavar="U", help="owner contains U (either script)")
    c.add_argument("--area", choices=AREAS)
    c.add_argument("--unit", metavar="U", help="issuing unit of the document contains U")
    c.add_argument("--due-before", metavar="DATE", type=date_arg, help="deadline before DATE (YYYY[-MM[-DD]])")
    c.add_argument("--overdue", action="store_true", help="deadline passed as of --as-of")
    c.add_argument("--as-of", metavar="DATE", type=day_arg, help="reference date for --overdue, YYYY-MM-DD (default today)")
    fmt = c.add_mutually_exclusive_group()
    fmt.add_argument("--csv", metavar="FILE", nargs="?", const="-",
                     help="the ledger as CSV with Chinese headers, UTF-8 with BOM for Excel (to FILE, or stdout)")
    fmt.add_argument("--xlsx", metavar="FILE", help="the ledger as an Excel workbook")
    fmt.add_argument("--json", action="store_true")
    _db_arg(c)
    verb("commitments")(cmd_commitments)


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


def _open(args: argparse.Namespace, readonly: bool = False):  # noqa: ANN202 - Store
    url = getattr(args, "db", None) or default_db_url()
    problem = check_db(url)
    if problem:
        raise ArchiveError(problem)
    try:
        return open_store(url, readonly=readonly and not url.startswith(("postgres://", "postgresql://")))
    except (sqlite3.Error, OSError) as exc:
        raise ArchiveError(f"--db {mask_secrets(url)}: cannot open the archive ({exc})") from None


def _fail(msg: str) -> int:
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


# ------------------------------------------------------------------ archive


def cmd_archive(args: argparse.Namespace) -> int:
    """``shencha archive add|rescreen|export|get``."""
    if args.archive_cmd == "export" and args.jsonl != "-":
        problem = check_output_file(args.jsonl)
        if problem:
            return _fail(problem.replace("-o ", "--jsonl ", 1))
    try:
        store = _open(args)
    except ArchiveError as exc:
        return _fail(str(exc))
    with store:
        if args.archive_cmd == "add":
            return _add(store, args)
        if args.archive_cmd == "rescreen":
            from shencha.archiving import rescreen

            outs = rescreen(store, all_docs=args.all, profile=args.profile, workers=args.workers,
                            timeout=args.timeout or None, memory_mb=args.max_memory or None,
                            on_outcome=lambda o: print(mask_secrets(f"{o.status:9} {o.id:>6}  {o.path}  {o.message}".rstrip()),
                                                       file=sys.stderr))
            n = {s: sum(1 for o in outs if o.status == s) for s in ("refreshed", "skipped", "failed")}
            print(f"rescreen: {n['refreshed']} refreshed, {n['skipped']} current, {n['failed']} failed")
            return 1 if n["failed"] else 0
        if args.archive_cmd == "export":
            out = sys.stdout if args.jsonl == "-" else open(args.jsonl, "w", encoding="utf-8")  # noqa: SIM115
            try:
                n = 0
                for rec in store.export():
                    if args.no_text:
                        rec.pop("text", None)
                    if isinstance(rec.get("original"), str):
                        rec["original"] = mask_secrets(rec["original"])
                    out.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    n += 1
            finally:
                if out is not sys.stdout:
                    out.close()
            print(f"exported {n} documents", file=sys.stderr)
            return 0
        if args.archive_cmd == "get":
            if args.output:
                problem = check_output_file(args.output)
                if problem:
                    return _fail(problem)
            orig = store.original(args.id)
            if orig is None:
                return _fail(f"no original kept for document {args.id}")
            name, data = orig
            dest = args.output or Path(name).name or f"document-{args.id}"  # a stored name never leaves this folder
            problem = check_output_file(dest)
            if problem:
                return _fail(problem)
            with open(dest, "wb") as f:
                f.write(data)
            print(dest)
            return 0
    return 2


def _add(store: Any, args: argparse.Namespace) -> int:
    from corpus.archive import AddOutcome
    from shencha.archiving import archive_paths

    def report(o: AddOutcome) -> None:
        if o.status == "failed":
            print(mask_secrets(f"failed     {o.path}: {o.message}"), file=sys.stderr)
        elif not args.silent:
            print(f"{o.status:10} {o.id if o.id is not None else '':>6}  {o.path}", file=sys.stderr)

    outs = archive_paths(store, args.paths, workers=args.workers, profile=args.profile, force=args.force,
                         on_outcome=report, timeout=args.timeout, memory_mb=args.max_memory,
                         max_bytes=args.max_bytes, max_pages=args.max_pages)
    n = {s: sum(1 for o in outs if o.status == s) for s in ("added", "refreshed", "skipped", "failed")}
    print(f"archive {mask_secrets(str(store.url))}: {n['added']} added, {n['refreshed']} refreshed, {n['skipped']} already in,"
          f" {n['failed']} failed; {store.count()} documents")
    return 1 if n["failed"] else 0


# ------------------------------------------------------------------ search and show


def cmd_search(args: argparse.Namespace) -> int:
    """``shencha search``."""
    from corpus.search import QueryError

    f = SearchFilters(area=args.area, doc_type=args.doc_type, gap=args.gap, unit=args.unit, since=args.since,
                      until=args.until, flagged=args.flagged)
    try:
        store = _open(args, readonly=True)
    except ArchiveError as exc:
        return _fail(str(exc))
    with store:
        try:
            # within 64 bits the CLI accepts any count; the store pages up to MAX_PAGE, which no archive exceeds
            res = store.search(args.query, f, limit=min(args.limit, MAX_PAGE), offset=min(args.offset, MAX_PAGE))
        except QueryError as exc:
            return _fail(str(exc))
    if args.json:
        print(json.dumps(res.to_dict(), ensure_ascii=False, indent=1))
        return 0
    about = "about " if res.approximate else ""
    print(f"{about}{res.total} documents match {args.query!r}" + (f" (showing {len(res.hits)})" if res.hits else ""))
    for h in res.hits:
        flag = "  [工作报告式]" if h.wr_flag else ""
        print(f"\n#{h.id}  {h.title or h.name}  ({h.doc_type}; {h.unit or '—'}; {h.date or '—'}; "
              f"score {h.score:.4g}){flag}")
        print(f"    {h.name}")
        print(f"    {h.snippet}")
    if res.facets:
        print()
        for name, counts in res.facets.items():
            if counts:
                print(f"{name:5}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """``shencha show ID``."""
    try:
        store = _open(args, readonly=True)
    except ArchiveError as exc:
        return _fail(str(exc))
    with store:
        rec = store.get(args.id)
    if rec is None:
        return _fail(f"no document {args.id} in the archive")
    if isinstance(rec.get("original"), str):
        rec["original"] = mask_secrets(rec["original"])
    if args.json:
        if not args.text:
            rec.pop("text", None)
        print(json.dumps(rec, ensure_ascii=False, indent=1))
        return 0
    wr = rec.get("work_report") or {}
    print(f"#{rec['id']}  {rec.get('title') or rec['name']}")
    print(f"  file     {rec['name']} ({rec.get('format')}, {rec.get('size')} bytes, sha256 {rec['sha256'][:12]}…)")
    print(f"  unit     {rec.get('unit') or '—'}    date {rec.get('date') or '—'}    script {rec.get('script')}")
    print(f"  type     {rec.get('doc_type')} ({rec.get('doc_type_score')})")
    print(f"  work-report style  {'FLAGGED' if wr.get('flag') else 'no'} (score {wr.get('score')}): {wr.get('reason')}")
    print(f"  screened {rec.get('pipeline')}; added {rec.get('added_at')}, updated {rec.get('updated_at')}")
    probs = rec.get("problems") or []
    print(f"\nproblems ({len(probs)})")
    for i, p in enumerate(probs, 1):
        tags = ", ".join(t for t, on in (("cause", p.get("cause")), ("concrete", p.get("concrete"))) if on)
        print(f"  {i}. [{AREA_ZH.get(p.get('area'), p.get('area'))}{'; ' + tags if tags else ''}] {p.get('text')}")
    coms = rec.get("commitments") or []
    print(f"\ncommitments ({len(coms)})")
    for i, c in enumerate(coms, 1):
        print(f"  {i}. [{AREA_ZH.get(c.get('area'), c.get('area'))}] {c.get('text')}")
        print(f"     item {c.get('item') or '—'} | owner {c.get('owner') or '—'} | deadline {c.get('deadline') or '—'}"
              f" ({c.get('deadline_text') or ''}) | target {c.get('target') or '—'}")
    gaps = rec.get("gaps") or []
    print(f"\ngaps ({len(gaps)})")
    for g in gaps:
        print(f"  {g.get('code')}: {g.get('message')}")
    if args.text:
        print("\n" + (rec.get("text") or ""))
    return 0


# ------------------------------------------------------------------ ledger


def cmd_commitments(args: argparse.Namespace) -> int:
    """``shencha commitments``: the ledger, complete ones soonest first, incomplete ones apart."""
    for opt, path in (("--csv", args.csv), ("--xlsx", args.xlsx)):
        if path and path != "-":
            problem = check_output_file(path)
            if problem:
                return _fail(problem.replace("-o ", opt + " ", 1))
    as_of = args.as_of or (dt.date.today().isoformat() if args.overdue else None)
    f = LedgerFilters(owner=args.owner, area=args.area, unit=args.unit, due_before=args.due_before,
                      overdue_as_of=as_of if args.overdue else None)
    try:
        store = _open(args, readonly=True)
    except ArchiveError as exc:
        return _fail(str(exc))
    with store:
        complete, incomplete = store.commitments(f)
    if args.json:
        print(json.dumps({"commitments": complete, "incomplete": incomplete}, ensure_ascii=False, indent=1))
        return 0
    if args.csv or args.xlsx:
        from reports.tables import ledger_rows, write_csv, write_xlsx

        headers, rows = ledger_rows(complete, incomplete)
        if args.csv:
            write_csv(args.csv, headers, rows)
        else:
            write_xlsx(args.xlsx, [("整改承诺台账", headers, rows)])
        if args.csv != "-":
            print(f"ledger: {args.csv or args.xlsx} ({len(rows)} commitments)", file=sys.stderr)
        return 0
    title = "overdue as of " + as_of if args.overdue else "commitments"
    print(f"{title}: {len(complete)} with owner and deadline, soonest first")
    for r in complete:
        print(f"  {r['deadline']}  {r['owner']}  [{AREA_ZH.get(r['area'], r['area'])}]  "
              f"{r['item'] or r['text'][:40]}   (#{r['doc_id']} {r['unit'] or r['name']})")
    print(f"\nwithout an owner or a deadline: {len(incomplete)}")
    for r in incomplete:
        print(f"  missing {'+'.join(r['missing']):14} {r['deadline'] or '—':10}  {r['owner'] or '—'}  "
              f"{r['item'] or r['text'][:40]}   (#{r['doc_id']} {r['unit'] or r['name']})")
    return 0
