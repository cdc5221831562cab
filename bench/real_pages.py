"""Screen the real development pages and score them in one command.

    .venv/bin/python bench/real_pages.py [SCRATCH] [LABELS] [--json]

SCRATCH holds the page excerpts as NNN.txt (default ``$SHENCHA_REAL_DEV`` or
``~/.cache/shencha-real/dev``); LABELS is ``../shared/real/dev.jsonl`` (or a labels file of the
same form, such as ``bench/real-more/labels.jsonl``). The page text is third-party material: it
stays in the scratch folder, outside the repository. The scorer is the one beside LABELS
(``score.py``), or ``../shared/real/score.py``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_REAL = ROOT.parent / "shared" / "real"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("SHENCHA_REAL_DEV") or str(Path.home() / ".cache" / "shencha-real" / "dev")
    ap.add_argument("scratch", nargs="?", default=default)
    ap.add_argument("labels", nargs="?", default=str(SHARED_REAL / "dev.jsonl"))
    ap.add_argument("--scorer", default=None, help="score.py to use (default: beside LABELS, else ../shared/real)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", help="also write the screening output here")
    args = ap.parse_args(argv)
    scratch, labels = Path(args.scratch), Path(args.labels)
    pages = sorted(scratch.glob("*.txt"))
    if not pages:
        print(f"no pages in {scratch}: fetch them first (../shared/real/README.md)", file=sys.stderr)
        return 2
    scorer = Path(args.scorer) if args.scorer else labels.parent / "score.py"
    if not scorer.exists():
        scorer = SHARED_REAL / "score.py"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.keep) if args.keep else Path(tmp) / "out.jsonl"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "shencha.cli", "screen", str(scratch), "--jsonl", str(out), "--silent"],
                       check=True, cwd=ROOT)
        secs = time.perf_counter() - t0
        cmd = [sys.executable, str(scorer), str(labels), str(scratch), str(out)] + (["--json"] if args.json else [])
        res = subprocess.run(cmd, cwd=ROOT)
    print(f"screened {len(pages)} pages in {secs:.1f} s", file=sys.stderr)
    return res.returncode


if __name__ == "__main__":
    sys.exit(main())
