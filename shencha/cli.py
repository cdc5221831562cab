"""The ``shencha`` command: verbs that mirror the office's workflow.

    shencha screen PATH… [--jsonl FILE] [--workers N]   screen a batch, print the triage table
    shencha train                                        build the model cache ahead of time
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from pipeline import __version__
from pipeline.ingest import DEFAULT_MAX_BYTES, MAX_PDF_PAGES
from pipeline.profile import DEFAULT_PROFILE, ProfileError
from shencha import archive_cli, report_cli
from shencha.batch import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT

Handler = Callable[[argparse.Namespace], int]
VERBS: dict[str, Handler] = {}
#: Arguments that are text for the archive (queries, filters, notes): they must be valid UTF-8, so that
#: no lone surrogate from an undecodable byte reaches SQLite or PostgreSQL. File paths are not in here:
#: a file name may be any bytes.
TEXT_ARGS = ("query", "unit", "gap", "owner", "note", "profile", "area", "doc_type", "status")


class ShenchaParser(argparse.ArgumentParser):
    """argparse with usage errors as one line, ``shencha: …``, exit status 2."""

    def error(self, message: str) -> NoReturn:  # type: ignore[override]
        verb = self.prog.removeprefix("shencha").strip()
        where = f"{verb}: " if verb else ""
        hint = f" (see shencha {verb + ' ' if verb else ''}--help)"
        self.exit(2, f"shencha: {where}{' '.join(message.split())}{hint}\n")


def bad_text_arg(args: argparse.Namespace) -> str | None:
    """The first text argument that is not valid UTF-8 (an undecodable byte in the command line), as a reason."""
    for name in TEXT_ARGS:
        v = getattr(args, name, None)
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError as exc:
                raw = os.fsencode(v)
                label = name.upper() if name == "query" else "--" + name.replace("_", "-")
                return f"{label}: not valid UTF-8 text (byte {exc.start + 1} of {raw[:40]!r})"
    return None


def dask_missing() -> str | None:
    """Why ``--executor dask`` cannot run here (None when dask.distributed imports)."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError as exc:
        return (f"--executor dask needs dask.distributed, which is not installed ({exc.name or exc}): "
                "pip install 'shencha[dask]'")
    return None


def verb(name: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        VERBS[name] = fn
        return fn

    return deco


def _progress(total: int, silent: bool, desc: str):  # noqa: ANN202 - tqdm or a no-op
    if silent or total <= 1:
        class _Null:
            def update(self, n: int = 1) -> None: ...
            def close(self) -> None: ...
            def set_postfix_str(self, s: str) -> None: ...
        return _Null()
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="doc", file=sys.stderr, dynamic_ncols=True)


@verb("screen")
def cmd_screen(args: argparse.Namespace) -> int:
    """Screen files and folders: stream JSON Lines as documents finish, then print the triage table."""
    from reports.jsonl import JsonlWriter
    from shencha.batch import ResumeIndex, SpilledRecords, SummaryRows, iter_inputs, screen_paths

    if args.resume and (not args.jsonl or args.jsonl == "-"):
        print("shencha: --resume needs --jsonl FILE (the output of the interrupted run)", file=sys.stderr)
        return 2
    if args.scheduler and args.executor != "dask":
        print("shencha: --scheduler needs --executor dask", file=sys.stderr)
        return 2
    if args.executor == "dask":
        why = dask_missing()
        if why:
            print(f"shencha: {why}", file=sys.stderr)
            return 2
    if args.jsonl and args.jsonl != "-":
        why = check_output(args.jsonl, "--jsonl")
        if why:
            print(f"shencha: {why}", file=sys.stderr)
            return 2
    if args.format != "table" and "-" in (args.jsonl, args.csv):
        print(f"shencha: --format {args.format} and --jsonl -/--csv - both want stdout: write one of them to a file",
              file=sys.stderr)
        return 2
    if args.jsonl == "-" and args.csv == "-":
        print("shencha: --jsonl - and --csv - both want stdout: write one of them to a file", file=sys.stderr)
        return 2
    for opt, path in (("--csv", args.csv), ("--xlsx", args.xlsx)):
        why = check_output(path, opt) if path and path != "-" else None
        if why:
            print(f"shencha: {why}", file=sys.stderr)
            return 2
    if args.report:
        from shencha.report_cli import check_out_dir

        why = check_out_dir(args.report)
        if why:
            print(f"shencha: {why.replace('--out', '--report', 1)}", file=sys.stderr)
            return 2
    files = [str(p) for p in iter_inputs(args.paths)]
    missing = [p for p in args.paths if not os.path.lexists(p)]
    for p in missing:
        print(f"shencha: {p}: no such file or folder (reported in the summary)", file=sys.stderr)
    summary = SummaryRows()
    # the gap lists and the office tables need each record (without its text): kept on disk, not in memory
    keep: Any = SpilledRecords() if (args.format != "table" or args.csv or args.xlsx or len(files) == 1) else None
    todo = files
    if args.resume:
        index = ResumeIndex.from_jsonl(args.jsonl, on_record=summary.add)
        todo = [f for f in files if not index.take(f, args.max_bytes)]
        print(f"shencha: resuming: {len(files) - len(todo)} of {len(files)} documents already in {args.jsonl}",
              file=sys.stderr)
    bar = _progress(len(todo), args.silent, "screening")
    full: Any = SpilledRecords() if args.report else None
    try:
        with JsonlWriter(args.jsonl, append=bool(args.resume)) as out:
            for rec in screen_paths(todo, workers=args.workers, profile=args.profile, max_bytes=args.max_bytes,
                                    include_text=bool(args.report), timeout=args.timeout or None,
                                    memory_mb=args.max_memory or None, max_pages=args.max_pages,
                                    executor=args.executor, scheduler=args.scheduler, walk=False):
                if full is not None:
                    full.append(rec)
                    rec = {k: v for k, v in rec.items() if k not in ("text", "blocks")}
                if keep is not None:
                    keep.append(rec)
                out.write(rec)
                summary.add(rec)
                bar.update(1)
        bar.close()
        if full is not None:
            from shencha.report_cli import write_reports

            write_reports(full if len(full) > 500 else list(full), args.report, docx=args.docx, profile=args.profile)
            print(f"reports: {os.path.join(args.report, 'index.html')}", file=sys.stderr)
    finally:
        if full is not None:
            full.close()
    try:
        kept = list(keep) if keep is not None else []
    finally:
        if keep is not None:
            keep.close()
    _office_outputs(args, kept, summary)
    return 0


def _office_outputs(args: argparse.Namespace, kept: list[dict[str, Any]], summary: Any) -> None:
    """The triage table (and one file's gap list), or the gap lists as Markdown/HTML; CSV and Excel files."""
    from pipeline.profile import load_profile
    from reports.triage import summary_table

    prof = load_profile(args.profile)  # the labels of the profile the documents were screened with
    to_stdout = "-" in (args.jsonl, args.csv)  # the records or the CSV own stdout: the table goes to stderr
    stream = sys.stderr if to_stdout else sys.stdout
    if args.format == "table":
        if not args.silent or not to_stdout:
            print(summary_table(summary.records()), file=stream)
            if len(kept) == 1:
                from reports.gaplist import as_text
                from reports.review import Review

                print("\n" + as_text(Review(kept[0], prof)), file=stream)
    else:
        from reports import gaplist
        from reports.review import Review
        from reports.triage import rank

        ok, bad = rank(kept)
        reviews = [Review(r, prof) for r in ok + bad]
        print(gaplist.as_markdown(reviews) if args.format == "md" else gaplist.as_html(reviews), file=stream)
    if args.csv or args.xlsx:
        from reports.tables import triage_rows, write_csv, write_xlsx

        headers, rows = triage_rows(kept)
        if args.csv:
            write_csv(args.csv, headers, rows)
            if args.csv != "-":
                print(f"triage: {args.csv}", file=sys.stderr)
        if args.xlsx:
            write_xlsx(args.xlsx, [("审查结果", headers, rows)])
            print(f"triage: {args.xlsx}", file=sys.stderr)


def check_output(path: str, option: str) -> str | None:
    """Why a file cannot be written at ``path`` (None when it can: its folder is made when missing)."""
    p = Path(path)
    if p.is_dir():
        return f"{option} {path}: is a folder, not a file"
    parent = next((a for a in p.parents if a.exists()), None)
    if parent is not None and not parent.is_dir():
        return f"{option} {path}: {parent} is a file, not a folder"
    return None


@verb("train")
def cmd_train(args: argparse.Namespace) -> int:
    from pipeline.profile import load_profile
    from shencha.train import get_models

    m = get_models(load_profile(args.profile))
    print(f"models {m.key} ready: {m.counts}")
    return 0


# The archive and report verbs register themselves: ``register(subparsers, verb)``.
VERB_MODULES = (archive_cli, report_cli)


def build_parser() -> argparse.ArgumentParser:
    p = ShenchaParser(prog="shencha", description="Screen Chinese campaign submissions (審查).")
    p.add_argument("--version", action="version", version=f"shencha {__version__}")
    sub = p.add_subparsers(dest="verb", required=True)

    s = sub.add_parser("screen", help="screen files and folders; print a triage table, write JSON Lines")
    s.add_argument("paths", nargs="+", metavar="PATH", help="files (.txt .docx .pdf) and folders (recursive)")
    s.add_argument("--jsonl", metavar="FILE", help="write one JSON record per document ('-' for stdout)")
    s.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes (default: all cores); each loads the models once")
    s.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local worker processes (default) or a Dask distributed cluster")
    s.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --executor dask: scheduler address (tcp://host:8786); default: a local cluster of N workers")
    s.add_argument("--resume", action="store_true",
                   help="append to --jsonl FILE, skipping documents whose content is already in it")
    s.add_argument("--profile", default=DEFAULT_PROFILE, help="campaign profile (default %(default)s)")
    s.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help="refuse larger files (default 50 MB)")
    s.add_argument("--max-pages", type=int, default=MAX_PDF_PAGES, help="refuse PDFs with more pages (default %(default)s)")
    s.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help="time limit per document; its worker is replaced (default %(default)g; 0 = none)")
    s.add_argument("--max-memory", type=int, default=DEFAULT_MEMORY_MB, metavar="MB",
                   help="memory a worker may add per document (default %(default)s; 0 = none)")
    s.add_argument("--silent", action="store_true", help="no progress bar")
    s.add_argument("--format", choices=("table", "md", "html"), default="table",
                   help="table: the triage table (and, for one file, its gap list); md/html: every document's "
                        "gap list with its evidence, in Markdown or as an HTML page, on stdout")
    s.add_argument("--csv", metavar="FILE", help="also write the triage as CSV (UTF-8 with BOM, opens in Excel; '-' = stdout)")
    s.add_argument("--xlsx", metavar="FILE", help="also write the triage as an Excel workbook")

    s.add_argument("--report", metavar="DIR", help="also write the HTML reports (index.html + one page per document) to DIR")
    s.add_argument("--docx", action="store_true", help="with --report: also write the Word reviewer copies and memos")

    t = sub.add_parser("train", help="train the bundled models now and cache them")
    t.add_argument("--profile", default=DEFAULT_PROFILE)
    for mod in VERB_MODULES:
        mod.register(sub, verb)
    return p


def _log_to_stderr() -> None:
    """Shencha's own notices (the first run training its models) as ``shencha: …`` lines on stderr."""
    import logging

    log = logging.getLogger("shencha")
    if not any(getattr(h, "_shencha", False) for h in log.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("shencha: %(message)s"))
        handler.addFilter(archive_cli.MaskSecrets())  # an archive URL's password is never logged
        handler._shencha = True  # type: ignore[attr-defined]
        log.addHandler(handler)
    log.setLevel(logging.INFO)


def _query_after_dashes(argv: list[str]) -> list[str]:
    """``shencha search -医院 整改``: a search query that opens with an exclusion (``-`` or ``－``) is
    a query, not an option — ``--`` is put before it so that argparse reads it so."""
    if "search" not in argv or "--" in argv:
        return argv
    start = argv.index("search") + 1
    for i in range(start, len(argv)):
        a = argv[i]  # options are ASCII: 「-醫院」 or 「－醫院」 is the query
        if a.startswith("－") or (a.startswith("-") and len(a) > 1 and not a[1:2].isascii()):
            return [*argv[:i], *argv[i + 1 :], "--", a]
    return argv


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``shencha`` console script."""
    parser = build_parser()
    argv = _query_after_dashes(list(sys.argv[1:] if argv is None else argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # a usage error (already printed as one line) or --help / --version
        return exc.code if isinstance(exc.code, int) else 2
    bad = bad_text_arg(args)
    if bad:
        print(f"shencha: {bad}", file=sys.stderr)
        return 2
    _log_to_stderr()
    try:
        return VERBS[args.verb](args)
    except ProfileError as exc:
        print(f"shencha: [E200] {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # before OSError, which it is
        return 0
    except OSError as exc:  # an output path that exists, is a folder, or lies in a missing folder
        where = f"'{exc.filename}': " if exc.filename else ""
        print(archive_cli.mask_secrets(f"shencha: {where}{exc.strerror or exc}"), file=sys.stderr)
        return 2
    except sqlite3.Error as exc:  # an archive file damaged past its header
        print(f"shencha: archive: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("shencha: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
