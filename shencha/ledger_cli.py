"""The commitment ledger verb: ``shencha commitments`` (挂牌督办、限时办结)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from corpus.archive import AREAS, ArchiveError, LedgerFilters
from shencha.archive_common import (
    AREA_ZH,
    Verb,
    check_output_file,
    date_arg,
    day_arg,
    db_arg,
    fail,
    open_archive,
)


def register(sub: Any, verb: Verb) -> None:
    """Add ``commitments`` to the ``shencha`` parser."""
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
    db_arg(c)
    verb("commitments")(cmd_commitments)


def cmd_commitments(args: argparse.Namespace) -> int:
    """``shencha commitments``: the ledger, complete ones soonest first, incomplete ones apart."""
    for opt, path in (("--csv", args.csv), ("--xlsx", args.xlsx)):
        if path and path != "-":
            problem = check_output_file(path)
            if problem:
                return fail(problem.replace("-o ", opt + " ", 1))
    as_of = args.as_of or (dt.date.today().isoformat() if args.overdue else None)
    f = LedgerFilters(owner=args.owner, area=args.area, unit=args.unit, due_before=args.due_before,
                      overdue_as_of=as_of if args.overdue else None)
    try:
        store = open_archive(args, readonly=True)
    except ArchiveError as exc:
        return fail(str(exc))
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

