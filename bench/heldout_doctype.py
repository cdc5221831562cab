"""Doc-type accuracy on the held-out folder bench/heldout-doctype/.

    .venv/bin/python bench/heldout_doctype.py [DIR] [--keep OUT.jsonl]

Screens DIR (default bench/heldout-doctype) with ``shencha screen DIR --jsonl OUT`` and compares
each document's doc_type with the label in its filename (``<doc_type>-NN.txt``). Prints the
accuracy, a confusion matrix (rows: label, columns: doc_type given) and the misclassified files.
The folder is held out: nothing is trained or tuned on it, so this is a benchmark, not a test.
Exit status: 0 when the run completed, 2 when the folder or the screener is missing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABELS = ["analysis_report", "meeting_speech", "rectification_plan", "work_report",
          "implementation_plan", "other"]
SHORT = {"analysis_report": "analysis", "meeting_speech": "speech", "rectification_plan": "rectif",
         "work_report": "work_rep", "implementation_plan": "impl", "other": "other"}


def label_of(path: Path) -> str:
    return path.stem.rsplit("-", 1)[0]


def shencha_command() -> list[str]:
    beside = Path(sys.executable).with_name("shencha")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("shencha")
    if found:
        return [found]
    return [sys.executable, "-m", "shencha"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", nargs="?", default=str(ROOT / "bench" / "heldout-doctype"))
    ap.add_argument("--keep", help="keep the screening output at this path")
    args = ap.parse_args()
    folder = Path(args.dir)
    files = sorted(p for p in folder.glob("*.txt"))
    if not files:
        print(f"heldout_doctype: no documents in {folder}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.keep) if args.keep else Path(tmp) / "heldout-doctype.jsonl"
        cmd = shencha_command() + ["screen", str(folder), "--jsonl", str(out), "--silent"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if not out.exists():
            print(f"heldout_doctype: screening failed ({proc.returncode}): {proc.stderr.strip()}",
                  file=sys.stderr)
            return 2
        given: dict[str, str] = {}
        for line in out.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                given[Path(rec["path"]).name] = rec.get("doc_type") or "(none)"
    matrix: Counter[tuple[str, str]] = Counter()
    wrong = []
    for p in files:
        gold, got = label_of(p), given.get(p.name, "(not screened)")
        matrix[gold, got] += 1
        if gold != got:
            wrong.append((p.name, got))
    n = len(files)
    right = n - len(wrong)
    print(f"held-out doc_type accuracy: {right}/{n} = {right / n:.3f}")
    cols = LABELS + sorted({g for _, g in matrix} - set(LABELS))
    width = max(len(x) for x in LABELS) + 2
    print("label \\ given".ljust(width) + "".join(SHORT.get(c, c)[:9].rjust(10) for c in cols))
    for row in LABELS:
        cells = "".join(str(matrix[row, c] or ".").rjust(10) for c in cols)
        total = sum(matrix[row, c] for c in cols)
        print(row.ljust(width) + cells + f"   recall {matrix[row, row]}/{total}")
    if wrong:
        print("misclassified:")
        for name, got in wrong:
            print(f"  {name} -> {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
