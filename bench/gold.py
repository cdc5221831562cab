"""Measure Shencha against the shared gold set and the real work-report corpus.

    .venv/bin/python bench/gold.py [SHARED] [--gold DIR] [--scorer score.py] [--reports JSONL]
                                   [--every N] [--no-reports] [--keep OUT.jsonl] [--json]

SHARED is the sibling folder of this repository (default ``../shared``); it is not part of the
project and a fresh clone does not have it, which is why these measurements are a benchmark and
not tests (the tests screen the corpus they build themselves, tests/samples.py). It runs:

1. ``shencha screen`` over the gold documents (default SHARED/gold/dev) into JSON Lines;
2. the gold set's own scorer on that output (default score.py beside the gold folder) and prints
   its figures, then each against the bar the project holds itself to;
3. a leak check: no labelled problem or commitment text of the gold set is in the profile's training data;
4. the typing of real State Council work reports (default
   SHARED/corpus/gov-work-reports/government_work_reports.jsonl, every 4th report with a year):
   at least 90% must come out as work_report.

Exit status: 0 when every figure meets its bar, 1 when one does not, 2 when the inputs are missing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# figure (a path into the scorer's result) -> the least value accepted
BAR: dict[tuple[str, ...], float] = {
    ("overall",): 0.85,
    ("doc_type_accuracy",): 0.95,
    ("problems", "f1"): 0.80,
    ("commitments", "f1"): 0.80,
    ("work_report_flag", "f1"): 0.90,
    ("gaps", "f1"): 0.75,
    ("commitments", "deadline_accuracy_on_matched"): 0.90,
    ("commitments", "owner_accuracy_on_matched"): 0.90,
}
REPORTS_WORK_REPORT_SHARE = 0.9


def load_scorer(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location("gold_score", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load the scorer {path}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def screen_gold(gold: Path, out: Path) -> tuple[int, float, str]:
    """``shencha screen GOLD --jsonl OUT``: (exit status, seconds, the triage table)."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "shencha.cli", "screen", str(gold), "--jsonl", str(out), "--silent"],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
    return proc.returncode, time.perf_counter() - t0, proc.stdout


def leaked_gold_texts(gold: Path) -> list[str]:
    """Labelled gold spans (over 25 characters) found verbatim in the classifiers' bundled data."""
    texts: set[str] = set()
    for p in gold.glob("*.json"):
        lab = json.loads(p.read_text(encoding="utf-8"))
        texts |= {x["text"] for x in lab.get("problems", []) + lab.get("commitments", []) if len(x["text"]) > 25}
    data = ROOT / "pipeline" / "profiles"
    bundled = "\n".join(p.read_text(encoding="utf-8") for p in data.rglob("*") if p.is_file())
    return sorted(t for t in texts if t in bundled)


def type_work_reports(path: Path, every: int) -> dict[str, Any]:
    """Screen every ``every``-th real work report (those with a year) and count the types."""
    from shencha.screener import Screener

    records = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    reports = [r for r in records if r.get("year")][::every]
    screener = Screener()
    types: dict[str, int] = {}
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, r in enumerate(reports):
            p = Path(tmp) / f"r{i}.txt"
            p.write_text(r["content"], encoding="utf-8")
            rec = screener.screen(p)
            if rec["errors"]:
                errors.append(r.get("year"))
            types[rec["doc_type"]] = types.get(rec["doc_type"], 0) + 1
    n = len(reports)
    return {"reports": n, "types": types, "errors": errors,
            "work_report_share": round(types.get("work_report", 0) / n, 3) if n else 0.0}


def figure(res: dict[str, Any], key: tuple[str, ...]) -> float:
    v: Any = res
    for k in key:
        v = v[k]
    return float(v)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("shared", nargs="?", default=str(ROOT.parent / "shared"),
                    help="the shared folder (default: ../shared beside the repository)")
    ap.add_argument("--gold", help="labelled documents (default: SHARED/gold/dev)")
    ap.add_argument("--scorer", help="score.py to use (default: beside the gold folder, i.e. SHARED/gold/score.py)")
    ap.add_argument("--reports", help="work-report corpus, JSON Lines with year and content "
                                      "(default: SHARED/corpus/gov-work-reports/government_work_reports.jsonl)")
    ap.add_argument("--every", type=int, default=4, help="screen every N-th work report (default 4)")
    ap.add_argument("--no-reports", action="store_true", help="skip the work-report corpus")
    ap.add_argument("--keep", help="also write the screening output here")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = ap.parse_args(argv)

    shared = Path(args.shared)
    gold = Path(args.gold) if args.gold else shared / "gold" / "dev"
    scorer = Path(args.scorer) if args.scorer else gold.parent / "score.py"
    reports = Path(args.reports) if args.reports else shared / "corpus" / "gov-work-reports" / "government_work_reports.jsonl"
    if not gold.is_dir() or not any(gold.glob("*.json")):
        print(f"no labelled documents in {gold}", file=sys.stderr)
        return 2
    if not scorer.exists():
        print(f"no scorer at {scorer}", file=sys.stderr)
        return 2

    documents = [p for p in sorted(gold.iterdir()) if p.is_file() and p.suffix != ".json"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.keep) if args.keep else Path(tmp) / "out.jsonl"
        status, secs, table = screen_gold(gold, out)
        lines = out.read_text(encoding="utf-8").splitlines() if out.exists() else []
        score = load_scorer(scorer)
        res = score.score(gold, out)

    checks: list[tuple[str, float, float, bool]] = []
    checks.append(("screen exit status 0 and one record per document", float(len(lines)), float(len(documents)),
                   status == 0 and len(lines) == len(documents)))
    for key, least in BAR.items():
        v = figure(res, key)
        checks.append((".".join(key), v, least, v >= least))
    leaks = leaked_gold_texts(gold)
    checks.append(("gold spans in the training data (must be 0)", float(len(leaks)), 0.0, not leaks))
    wr: dict[str, Any] | None = None
    if not args.no_reports:
        if reports.exists():
            wr = type_work_reports(reports, max(1, args.every))
            checks.append(("work reports typed work_report", wr["work_report_share"], REPORTS_WORK_REPORT_SHARE,
                           wr["work_report_share"] >= REPORTS_WORK_REPORT_SHARE and not wr["errors"]))
        else:
            print(f"(no work-report corpus at {reports}: skipped)", file=sys.stderr)

    ok = all(c[3] for c in checks)
    if args.json:
        print(json.dumps({"gold": str(gold), "documents": len(documents), "seconds": round(secs, 1), "score": res,
                          "leaked_gold_texts": leaks, "work_reports": wr,
                          "checks": [{"figure": n, "value": v, "bar": b, "ok": o} for n, v, b, o in checks],
                          "ok": ok}, ensure_ascii=False, indent=1))
        return 0 if ok else 1

    print(f"screened {len(documents)} gold documents in {secs:.1f} s ({gold})")
    print(table.rstrip())
    print()
    _print_score(res)
    if wr is not None:
        print(f"work reports: {wr['reports']} screened, types {wr['types']}, errors {len(wr['errors'])}")
    for name in leaks[:5]:
        print(f"  leaked gold span: {name[:60]}")
    print()
    for name, v, least, good in checks:
        print(f"{'ok ' if good else 'LOW'}  {name:52} {v:8.3f}  (bar {least:g})")
    print("all figures meet the bar" if ok else "some figures are below the bar")
    return 0 if ok else 1


def _print_score(res: dict[str, Any]) -> None:
    """The scorer's figures, in the layout of its own command line."""
    if res["missing_output"]:
        print(f"no output for {len(res['missing_output'])} labelled documents: {', '.join(res['missing_output'][:8])}")
    print(f"documents: {res['documents']}   doc_type accuracy: {res['doc_type_accuracy']}")
    for key in ("work_report_flag", "problems", "commitments", "gaps"):
        r = res[key]
        extra = "  ".join(f"{k.replace('_on_matched', '')}={v}" for k, v in r.items()
                          if k not in ("precision", "recall", "f1", "tp", "pred", "gold"))
        print(f"{key:17} P={r['precision']:.3f} R={r['recall']:.3f} F1={r['f1']:.3f}  "
              f"(tp {r['tp']}, pred {r['pred']}, gold {r['gold']})  {extra}")
    print(f"overall: {res['overall']}")


if __name__ == "__main__":
    sys.exit(main())
