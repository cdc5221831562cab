"""Archive verbs for the ``shencha`` command (a thin layer over ``corpus.archive``).

    shencha archive add PATH… [--db URL]      screen and store (skips what is already in)
    shencha archive rescreen [--all]          refresh findings from the kept originals
    shencha archive export --jsonl FILE       every document as JSON Lines
    shencha archive get ID [-o FILE]          write the kept original file back out
    shencha archive remove ID [ID…]           take documents out, with all they brought
    shencha search QUERY [filters…]           ranked search with snippets and facets
    shencha show ID                           one document's findings
    shencha commitments [filters…]            the commitment ledger (挂牌督办、限时办结)
    shencha commitments set ID… --status S    a reviewer's status: done (销号) or open again

Failures about the archive or a query are one coded line, ``shencha: [E3xx] ARCHIVE: reason``
(``shencha.archive_common.coded``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from corpus.archive import (
    AREAS,
    DOC_TYPES,
    MAX_PAGE,
    AddOutcome,
    ArchiveError,
    SearchFilters,
    Store,
    mask_secrets,
)
from corpus.ledger import commitment_id, commitment_keys
from corpus.sqlite_schema import SQLITE_MAGIC
from pipeline.ingest import DEFAULT_MAX_BYTES, MAX_PDF_PAGES
from shencha import ledger_cli
from shencha.archive_common import (
    AREA_ZH,
    INT64_MAX,
    MaskSecrets,
    Verb,
    check_db,
    check_output_file,
    coded,
    count_arg,
    date_arg,
    day_arg,
    db_arg,
    fail,
    id_arg,
    open_archive,
)
from shencha.batch import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from shencha.ledger_cli import cmd_commitments

__all__ = ["AREA_ZH", "INT64_MAX", "SQLITE_MAGIC", "MaskSecrets", "check_db", "check_output_file", "cmd_archive",
           "cmd_commitments", "cmd_search", "cmd_show", "count_arg", "date_arg", "day_arg", "id_arg", "mask_secrets",
           "register"]


def register(sub: Any, verb: Verb) -> None:
    """Add the archive verbs to the ``shencha`` parser."""
    a = sub.add_parser("archive", help="store screened documents in the searchable archive")
    db_arg(a)
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
    db_arg(add, suppress=True)
    rs = asub.add_parser("rescreen", help="screen the kept originals again; refresh findings from an older pipeline")
    rs.add_argument("--all", action="store_true", help="every document, not only outdated ones")
    rs.add_argument("--profile", default=None)
    rs.add_argument("--workers", type=int, default=None, metavar="N", help="screening processes (default: all cores)")
    rs.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                    help="time limit per document, as screen (default %(default)g; 0 = none)")
    rs.add_argument("--max-memory", type=int, default=DEFAULT_MEMORY_MB, metavar="MB",
                    help="memory a worker may add per document, as screen (default %(default)s; 0 = none)")
    db_arg(rs, suppress=True)
    ex = asub.add_parser("export", help="write every document (text and findings) out")
    ex.add_argument("--jsonl", metavar="FILE", default="-", help="JSON Lines file ('-' = stdout, the default)")
    ex.add_argument("--no-text", action="store_true", help="leave the full text out")
    db_arg(ex, suppress=True)
    g = asub.add_parser("get", help="write a document's kept original file")
    g.add_argument("id", type=id_arg)
    g.add_argument("-o", "--output", metavar="FILE", help="where to write it (default: its file name, here)")
    db_arg(g, suppress=True)
    rm = asub.add_parser("remove", help="remove documents: their findings, index entries, kept original and"
                                        " ledger statuses")
    rm.add_argument("ids", nargs="+", type=id_arg, metavar="ID")
    db_arg(rm, suppress=True)
    verb("archive")(coded(cmd_archive))

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
    db_arg(s)
    verb("search")(coded(cmd_search))

    sh = sub.add_parser("show", help="one archived document's findings")
    sh.add_argument("id", type=id_arg)
    sh.add_argument("--json", action="store_true", help="the full stored record as JSON")
    sh.add_argument("--text", action="store_true", help="also print the full text")
    db_arg(sh)
    verb("show")(coded(cmd_show))
    ledger_cli.register(sub, verb)


# ------------------------------------------------------------------ archive


def cmd_archive(args: argparse.Namespace) -> int:
    """``shencha archive add|rescreen|export|get|remove``."""
    if args.archive_cmd == "export" and args.jsonl != "-":
        problem = check_output_file(args.jsonl)
        if problem:
            return fail(problem.replace("-o ", "--jsonl ", 1))
    if args.archive_cmd == "get" and args.output:
        problem = check_output_file(args.output)
        if problem:
            return fail(problem)
    with open_archive(args) as store:
        return {"add": _add, "rescreen": _rescreen, "export": _export, "get": _get, "remove": _remove}[
            args.archive_cmd](store, args)


def _rescreen(store: Store, args: argparse.Namespace) -> int:
    from shencha.archiving import rescreen  # lazily: it loads the models' stack (about 1.5 s)

    outs = rescreen(store, all_docs=args.all, profile=args.profile, workers=args.workers,
                    timeout=args.timeout or None, memory_mb=args.max_memory or None,
                    on_outcome=lambda o: print(mask_secrets(f"{o.status:9} {o.id:>6}  {o.path}  {o.message}".rstrip()),
                                               file=sys.stderr))
    n = {s: sum(1 for o in outs if o.status == s) for s in ("refreshed", "skipped", "failed")}
    print(f"rescreen: {n['refreshed']} refreshed, {n['skipped']} current, {n['failed']} failed")
    return 1 if n["failed"] else 0


def _export(store: Store, args: argparse.Namespace) -> int:
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


def _get(store: Store, args: argparse.Namespace) -> int:
    store.require(args.id)
    orig = store.original(args.id)
    if orig is None:
        raise ArchiveError("E310", mask_secrets(store.url), f"document {args.id}")
    name, data = orig
    dest = args.output or Path(name).name or f"document-{args.id}"  # a stored name never leaves this folder
    problem = check_output_file(dest)
    if problem:
        return fail(problem)
    with open(dest, "wb") as f:
        f.write(data)
    print(dest)
    return 0


def _remove(store: Store, args: argparse.Namespace) -> int:
    gone = store.remove(args.ids)
    print(f"archive {mask_secrets(str(store.url))}: removed {', '.join(f'#{i}' for i in gone)}; {store.count()} documents")
    return 0


def _add(store: Store, args: argparse.Namespace) -> int:
    from shencha.archiving import archive_paths  # lazily: it loads the models' stack (about 1.5 s)

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
    f = SearchFilters(area=args.area, doc_type=args.doc_type, gap=args.gap, unit=args.unit, since=args.since,
                      until=args.until, flagged=args.flagged)
    with open_archive(args, readonly=True) as store:
        # within 64 bits the CLI accepts any count; the store pages up to MAX_PAGE, which no archive exceeds
        res = store.search(args.query, f, limit=min(args.limit, MAX_PAGE), offset=min(args.offset, MAX_PAGE))
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
    with open_archive(args, readonly=True) as store:
        rec = store.get(args.id)
        if rec is None:
            raise ArchiveError("E300", mask_secrets(store.url), f"id {args.id}")
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
    keys = commitment_keys([c.get("text") or "" for c in coms])
    for i, c in enumerate(coms, 1):
        print(f"  {i}. {commitment_id(rec['id'], keys[i - 1])}  [{AREA_ZH.get(c.get('area'), c.get('area'))}]"
              f" {c.get('text')}")
        print(f"     item {c.get('item') or '—'} | owner {c.get('owner') or '—'} | deadline {c.get('deadline') or '—'}"
              f" ({c.get('deadline_text') or ''}) | target {c.get('target') or '—'}")
    gaps = rec.get("gaps") or []
    print(f"\ngaps ({len(gaps)})")
    for g in gaps:
        print(f"  {g.get('code')}: {g.get('message')}")
    if args.text:
        print("\n" + (rec.get("text") or ""))
    return 0


