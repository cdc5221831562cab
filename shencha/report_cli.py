"""``shencha report``: reviewer reports for a batch, and ``write_reports`` used by ``shencha screen --report``.

    shencha report PATH… --out DIR [--docx] [--workers N]

PATH may be files and folders to screen, or ``.jsonl`` files of records already screened (records
written without their text get pages without highlights). DIR receives ``index.html`` and one page
per document; with ``--docx`` also each document's annotated reviewer copy (``*.annotated.docx``),
its review memo (``*.memo.docx``) and the batch memo (``batch-memo.docx``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pipeline.profile import Profile, load_profile
from pipeline.record import Record
from reports.html import render_document, render_index
from reports.review import Review
from reports.triage import profile_of

DOC_LINK_LABELS = {"annotated": "批注稿（Word）", "memo": "审阅意见（Word）"}


def write_reports(records: Iterable[Record], out_dir: str | Path, *, docx: bool = False,
                  log: Callable[[str], None] | None = None, profile: str | Profile | None = None) -> dict[str, Any]:
    """Write the HTML reports (and with ``docx`` the Word files) for screened records.

    One document's failure to produce a Word file never stops the batch: it is logged and the
    others are written.

    Args:
        records: Screening records, with ``text`` and ``blocks`` for highlights (any iterable,
            read once: only a slim copy of each is kept after its page is written).
        out_dir: Output folder (created).
        docx: Also write the annotated copies and the review memos.
        log: Where to report problems (stderr by default).
        profile: A profile (or its folder) for the records screened with a profile of its name: one
            kept outside ``pipeline/profiles`` is found this way (every other record's labels come from
            the profile its record names, the default one when that cannot be loaded).

    Returns:
        ``{"index": path, "pages": {slug: path}, "docx": {slug: {"annotated": path, "memo": path}},
        "batch_memo": path | None, "problems": [str]}``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    say = log or (lambda s: print(f"shencha: {s}", file=sys.stderr))
    word: Any = None
    if docx:
        from reports import word
    known = load_profile(profile) if isinstance(profile, str) else profile
    result: dict[str, Any] = {"pages": {}, "docx": {}, "batch_memo": None, "problems": []}
    word_links: dict[str, dict[str, str]] = {}
    pages: dict[str, str] = {}
    slim: list[Review] = []  # the index and the batch memo need no text: memory stays flat for big batches
    seen: dict[str, int] = {}
    for rec in records:
        rv = Review(rec, profile_of(rec, known))
        n = seen.get(rv.slug, 0)
        seen[rv.slug] = n + 1
        if n:  # the same file twice in a batch keeps two pages
            rv.slug = f"{rv.slug}-{n + 1}"
        if word is not None:
            files: dict[str, str] = {}
            for kind, fn in (("annotated", word.write_annotated), ("memo", word.write_memo)):
                if kind == "annotated" and not rv.text:
                    continue  # no text to annotate (unreadable, or a record kept without it): the memo stands
                target = out / f"{rv.slug}.{kind}.docx"
                try:
                    fn(rv, target)
                    files[kind] = str(target)
                except Exception as exc:  # noqa: BLE001 - one document never stops the batch
                    msg = f"{rv.name}: could not write {target.name}: {type(exc).__name__}: {exc}"
                    result["problems"].append(msg)
                    say(msg)
            result["docx"][rv.slug] = files
            word_links[rv.slug] = {DOC_LINK_LABELS[k]: Path(p).name for k, p in files.items()}
        name = f"{rv.slug}.html"
        (out / name).write_text(render_document(rv, word_links.get(rv.slug)), encoding="utf-8")
        pages[rv.slug] = name
        result["pages"][rv.slug] = str(out / name)
        slim.append(rv.slim())
    batch_links = None
    if word is not None:
        memo = out / "batch-memo.docx"
        word.write_batch_memo(slim, memo)
        result["batch_memo"] = str(memo)
        batch_links = {"审阅意见汇总（Word）": memo.name}
    index = out / "index.html"
    index.write_text(render_index(slim, pages, links=word_links, batch_links=batch_links), encoding="utf-8")
    result["index"] = str(index)
    return result


def _load(paths: list[str], workers: int, profile: str | None, say: Callable[[str], None], *,
          quiet_textless: bool = False) -> tuple[list[Record], int]:
    """``(records, bad lines)``: .jsonl files read and checked line by line, other paths screened."""
    from reports.records import iter_records
    from shencha.batch import iter_inputs, screen_paths

    records: list[Record] = []
    bad = 0
    jsonl = [p for p in paths if p.endswith(".jsonl") and Path(p).is_file()]
    for p in jsonl:
        textless = 0
        for item in iter_records(p):
            if isinstance(item, dict):
                records.append(item)
                textless += "text" not in item and not item.get("errors")
            else:
                bad += 1
                say(f"{item} (line skipped)")
        if textless and not quiet_textless:
            say(f"{p}: {textless} records carry no document text: their pages list the findings without the "
                "highlighted text and no annotated Word copy is written (write the records with "
                "`shencha screen --report DIR`, `shencha archive export` without --no-text, or pass the source files)")
    rest = [p for p in paths if p not in jsonl]
    if rest:
        files = list(iter_inputs(rest))
        kw: dict[str, Any] = {"workers": workers, "include_text": not quiet_textless}
        if profile:
            kw["profile"] = profile
        records.extend(screen_paths(files, walk=False, **kw))
    return records, bad


def check_out_dir(out: str) -> str | None:
    """Why ``out`` cannot be the reports folder (None when it can): it must be a folder or not exist yet."""
    p = Path(out)
    if p.exists() and not p.is_dir():
        return f"--out {out}: exists and is not a folder (give a folder for index.html and the pages)"
    parent = next((a for a in [p, *p.parents] if a.exists()), None)
    if parent is not None and not parent.is_dir():
        return f"--out {out}: {parent} is a file, not a folder"
    return None


def cmd_report(args: argparse.Namespace) -> int:
    """Screen (or read) the inputs and write the reports to ``--out``."""
    def say(s: str) -> None:
        print(f"shencha: {s}", file=sys.stderr)

    problem = check_out_dir(args.out)
    if problem:
        say(problem)
        return 2
    why = _check_jsonl_paths(args.paths)
    if why:
        say(why)
        return 2
    records, bad = _load(args.paths, args.workers, args.profile, say)
    if bad and not records:
        say("no usable record: nothing written")
        return 2
    res = write_reports(records, args.out, docx=args.docx, log=say, profile=args.profile)
    print(f"reports: {res['index']} ({len(res['pages'])} documents)")
    if res["batch_memo"]:
        print(f"batch memo: {res['batch_memo']}")
    if bad:
        say(f"{bad} record lines could not be used (listed above)")
    return 1 if res["problems"] or bad else 0


def _check_jsonl_paths(paths: list[str]) -> str | None:
    """Why a ``.jsonl`` argument cannot be read as records (None when every one can)."""
    for p in paths:
        if not p.endswith(".jsonl"):
            continue
        if Path(p).is_dir():
            return f"{p}: is a folder, not a .jsonl file"
        if not Path(p).exists():
            return f"{p}: no such file"
    return None


def cmd_units(args: argparse.Namespace) -> int:
    """``shencha units``: submissions grouped by issuing unit, what each has sent and what is missing."""
    from reports.tables import write_csv, write_xlsx
    from reports.units import overview_rows, overview_text, unit_overview

    def say(s: str) -> None:
        print(f"shencha: {s}", file=sys.stderr)

    for opt, path in (("--csv", args.csv), ("--xlsx", args.xlsx)):
        if path and path != "-" and (Path(path).is_dir() or not Path(path).parent.is_dir()):
            say(f"{opt} {path}: not a file in an existing folder")
            return 2
    why = _check_jsonl_paths(args.paths)
    if why:
        say(why)
        return 2
    records, bad = _load(args.paths, args.workers, args.profile, say, quiet_textless=True)
    if not records:
        say("no usable record")
        return 2
    known = load_profile(args.profile) if args.profile else None
    prof = profile_of(records[0], known)
    units = unit_overview(records, prof)
    headers, rows = overview_rows(units, prof)
    if args.csv:
        write_csv(args.csv, headers, rows)
    if args.xlsx:
        write_xlsx(args.xlsx, [("单位报送情况", headers, rows)])
    if args.csv != "-":
        print(overview_text(units, prof))
    return 1 if bad else 0


def register(sub: Any, verb: Callable[[str], Callable[[Any], Any]]) -> None:
    """Add the ``report`` and ``units`` verbs to the ``shencha`` command."""
    p = sub.add_parser("report", help="write HTML reviewer reports (index.html + one page per document), optionally Word")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files and folders to screen, or .jsonl records")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--docx", action="store_true", help="also write annotated .docx copies and review memos")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes (default 1)")
    p.add_argument("--profile", default=None,
                   help="campaign profile to screen with, and whose labels the records of that profile get "
                        "(needed for a profile folder outside pipeline/profiles; default: the screener's)")
    verb("report")(cmd_report)

    u = sub.add_parser("units", help="per-unit overview: what each issuing unit has sent and what is missing")
    u.add_argument("paths", nargs="+", metavar="PATH", help="files and folders to screen, or .jsonl records")
    u.add_argument("--csv", metavar="FILE", help="also write the overview as CSV (UTF-8 with BOM; '-' = stdout)")
    u.add_argument("--xlsx", metavar="FILE", help="also write the overview as an Excel workbook")
    u.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes (default 1)")
    u.add_argument("--profile", default=None, help="campaign profile (default: the screener's)")
    verb("units")(cmd_units)
