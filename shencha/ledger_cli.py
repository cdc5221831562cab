"""The commitment ledger verb (挂牌督办、限时办结)::

    shencha commitments [--owner U] [--area A] [--unit U] [--due-before D] [--status open|done|overdue]
                        [--overdue] [--as-of D] [--csv [FILE] | --xlsx FILE | --json]
    shencha commitments set ID [ID…] --status done|open [--note TEXT] [--by NAME]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from corpus.archive import AREAS, LedgerFilters, Store
from corpus.ledger import LEDGER_STATUSES, STATUSES
from shencha.archive_common import (
    AREA_ZH,
    Verb,
    check_output_file,
    coded,
    date_arg,
    day_arg,
    db_arg,
    fail,
    open_archive,
)

STATUS_ZH = {"open": "未销号", "done": "已销号", "overdue": "逾期"}


def register(sub: Any, verb: Verb) -> None:
    """Add ``commitments`` (and ``commitments set``) to the ``shencha`` parser."""
    c = sub.add_parser("commitments", help="the commitment ledger: every archived commitment, soonest deadline first;"
                                           " 'commitments set ID --status done' closes one (销号)")
    c.add_argument("--owner", metavar="U", help="owner contains U (either script)")
    c.add_argument("--area", choices=AREAS)
    c.add_argument("--unit", metavar="U", help="issuing unit of the document contains U")
    c.add_argument("--due-before", metavar="DATE", type=date_arg, help="deadline before DATE (YYYY[-MM[-DD]])")
    c.add_argument("--status", choices=LEDGER_STATUSES,
                   help="done (销号), open (not done; overdue ones included) or overdue (open, deadline before --as-of)")
    c.add_argument("--overdue", action="store_true", help="the same as --status overdue")
    c.add_argument("--as-of", metavar="DATE", type=day_arg,
                   help="the date a commitment is overdue for, YYYY-MM-DD (default today)")
    fmt = c.add_mutually_exclusive_group()
    fmt.add_argument("--csv", metavar="FILE", nargs="?", const="-",
                     help="the ledger as CSV with Chinese headers, UTF-8 with BOM for Excel (to FILE, or stdout)")
    fmt.add_argument("--xlsx", metavar="FILE", help="the ledger as an Excel workbook")
    fmt.add_argument("--json", action="store_true")
    db_arg(c)
    csub = c.add_subparsers(dest="ledger_cmd", metavar="set")
    st = csub.add_parser("set", help="set the status of commitments: done (销号) or open again, with a note")
    st.add_argument("ids", nargs="+", metavar="ID", help="commitment ids as the ledger lists them (DOC-HASH)")
    st.add_argument("--status", required=True, choices=STATUSES, help="done (销号) or open")
    st.add_argument("--note", metavar="TEXT", help="why: the evidence of completion, or why it is open again")
    st.add_argument("--by", metavar="NAME", help="who sets it (kept with the time)")
    db_arg(st, suppress=True)
    verb("commitments")(coded(cmd_commitments))


def cmd_commitments(args: argparse.Namespace) -> int:
    """``shencha commitments``: the ledger, complete ones soonest first, incomplete ones apart; or ``set``."""
    if getattr(args, "ledger_cmd", None) == "set":
        with open_archive(args) as store:
            return _set(store, args)
    for opt, path in (("--csv", args.csv), ("--xlsx", args.xlsx)):
        if path and path != "-":
            problem = check_output_file(path)
            if problem:
                return fail(problem.replace("-o ", opt + " ", 1))
    status = "overdue" if args.overdue else args.status
    as_of = args.as_of or dt.date.today().isoformat()
    f = LedgerFilters(owner=args.owner, area=args.area, unit=args.unit, due_before=args.due_before,
                      status=status, as_of=as_of)
    with open_archive(args, readonly=True) as store:
        complete, incomplete = store.commitments(f)
        orphans = store.ledger_orphans()
    if args.json:
        print(json.dumps({"as_of": as_of, "commitments": complete, "incomplete": incomplete, "orphans": orphans},
                         ensure_ascii=False, indent=1))
        return 0
    if args.csv or args.xlsx:
        from reports.tables import ledger_rows, write_csv, write_xlsx  # lazily: openpyxl

        headers, rows = ledger_rows(complete, incomplete)
        if args.csv:
            write_csv(args.csv, headers, rows)
        else:
            write_xlsx(args.xlsx, [("整改承诺台账", headers, rows)])
        if args.csv != "-":
            print(f"ledger: {args.csv or args.xlsx} ({len(rows)} commitments)", file=sys.stderr)
        return 0
    title = {"overdue": "overdue as of " + as_of, "done": "done (销号)", "open": "open"}.get(status or "", "commitments")
    print(f"{title}: {len(complete)} with owner and deadline, soonest first")
    for r in complete:
        print(f"  {r['id']:<13} {r['deadline']}  {r['status']:8} {r['owner']}  [{AREA_ZH.get(r['area'], r['area'])}]  "
              f"{r['item'] or r['text'][:40]}   (#{r['doc_id']} {r['unit'] or r['name']})")
        _note(r)
    print(f"\nwithout an owner or a deadline: {len(incomplete)}")
    for r in incomplete:
        print(f"  {r['id']:<13} missing {'+'.join(r['missing']):14} {r['deadline'] or '—':10}  {r['status']:8} "
              f"{r['owner'] or '—'}  {r['item'] or r['text'][:40]}   (#{r['doc_id']} {r['unit'] or r['name']})")
        _note(r)
    if orphans:
        print(f"\n{len(orphans)} status(es) kept for commitments no longer found (after a rescreen): "
              + ", ".join(o["id"] for o in orphans[:10]) + (" …" if len(orphans) > 10 else ""))
    return 0


def _note(r: dict[str, Any]) -> None:
    """The reviewer's note under a commitment that has one: when, by whom, what."""
    if r.get("status_at") and (r.get("status_note") or r.get("status_by")):
        who = f" by {r['status_by']}" if r.get("status_by") else ""
        note = f": {' '.join(r['status_note'].split())}" if r.get("status_note") else ""
        print(f"  {'':13} {STATUS_ZH.get(r['status'], r['status'])} {r['status_at']}{who}{note}")


def _set(store: Store, args: argparse.Namespace) -> int:
    done = store.set_commitment_status(args.ids, args.status, note=args.note, by=args.by)
    for d in done:
        print(f"{d['id']}: {d['status']} ({STATUS_ZH[d['status']]}) at {d['status_at']}"
              + (f" by {d['status_by']}" if d["status_by"] else ""))
    return 0
