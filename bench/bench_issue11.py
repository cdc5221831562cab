"""Every throughput figure of issue 11 in one run, on the same varied texts: bare jieba, jieba-rs,
``shencha screen`` per format with 1 and 2 workers, the stages' share, memory per worker, start-up,
and (optionally) the archive at scale.

    python bench/generate.py /tmp/bench --docs 600
    python bench/bench_issue11.py /tmp/bench [--per-format 200] [--skip-after 10] [--repeat 3]
                                  [--start-runs 5] [--archive-docs 0]

Texts: the first ``--per-format`` files of ``CORPUS/txt``, ``CORPUS/docx`` and ``CORPUS/pdf`` (windows
of the State Council work reports, bench/generate.py: varied lengths, one in six in traditional
script, UTF-8/GB18030/Big5; the PDFs born-digital with a non-embedded CID font) and, when present,
``CORPUS/pdf-lo`` (the same documents exported by LibreOffice, embedded fonts: bench/bench_ingest.py
makes it). Bare jieba runs ``jieba.lcut`` (its own dictionary, HMM on, as a user would call it) over
the decoded text of the same txt files, in 1 process and in a pool of 2, after every process has
loaded its dictionary; jieba-rs (``rjieba``) likewise.

Screening rates exclude start-up: each record's arrival is timed and the rate is taken from the
``--skip-after``-th record to the last (the pool, the models and the first documents are warm by
then); the whole run's rate with start-up is printed beside it. Each configuration runs
``--repeat`` times and the run with the median warm rate is shown (runs of a few seconds vary by
10–20% on this machine). Memory is the peak PSS of the process
tree (shared pages divided among the processes that map them), 1 worker against 2.
Times are wall-clock on whatever else the machine runs: the load average is printed first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_screen import PeakMemory  # noqa: E402

FORMATS = ("txt", "docx", "pdf", "pdf-lo")


def _files(corpus: Path, fmt: str, n: int) -> list[str]:
    folder = corpus / fmt
    return sorted(str(p) for p in folder.iterdir() if p.is_file())[:n] if folder.is_dir() else []


def _texts(files: list[str]) -> list[str]:
    from pipeline.ingest import ingest

    return [ingest(f).text for f in files]


# --- bare segmenters, 1 process and a pool of 2 ---------------------------------------------------

_TOK: Any = None


def _init(kind: str) -> None:
    global _TOK
    if kind == "jieba":
        import jieba

        jieba.setLogLevel(60)
        jieba.initialize()
        _TOK = jieba.lcut
    else:
        import rjieba

        _TOK = rjieba.cut
    _TOK("预热分词器")


def _cut(text: str) -> int:
    return len(_TOK(text))


def _cut_many(texts: list[str]) -> int:
    return sum(_cut(t) for t in texts)


def segmenter_rate(kind: str, texts: list[str], procs: int) -> float:
    """Documents per second of the bare segmenter over ``texts``, dictionaries loaded before timing."""
    if procs == 1:
        _init(kind)
        t0 = time.perf_counter()
        _cut_many(texts)
        return len(texts) / (time.perf_counter() - t0)
    chunks = [texts[i::procs] for i in range(procs)]
    with get_context("fork").Pool(procs, initializer=_init, initargs=(kind,)) as pool:
        pool.map(_cut, ["预热"] * procs * 4)  # every process has loaded its dictionary
        t0 = time.perf_counter()
        pool.map(_cut_many, chunks)
        return len(texts) / (time.perf_counter() - t0)


# --- screening -----------------------------------------------------------------------------------


def screen_rate(files: list[str], workers: int, skip: int) -> dict[str, Any]:
    """Screen ``files`` with ``workers`` worker processes: warm rate, rate with start-up, peak PSS, stage ms."""
    from shencha.batch import screen_paths

    stamps: list[float] = []
    stages: dict[str, list[float]] = defaultdict(list)
    errors = 0
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        for rec in screen_paths(files, workers=workers, timeout=120, memory_mb=2048):
            stamps.append(time.perf_counter())
            errors += bool(rec.get("errors"))
            for k, v in ((rec.get("stats") or {}).get("ms") or {}).items():
                stages[k].append(float(v))
    n = len(stamps)
    k = min(skip, max(0, n - 2))
    warm = (n - 1 - k) / (stamps[-1] - stamps[k]) if n - 1 > k and stamps[-1] > stamps[k] else float("nan")
    return {"docs": n, "errors": errors, "warm": warm, "whole": n / (stamps[-1] - t0) if n else 0.0,
            "pss": mem.peak_pss, "stages": {s: statistics.mean(v) for s, v in stages.items()}}


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--per-format", type=int, default=200)
    ap.add_argument("--skip-after", type=int, default=10, help="records before the warm rate starts")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each screening configuration (the median is shown)")
    ap.add_argument("--start-runs", type=int, default=5, help="runs of bench_start.py's one-document screen (0: skip)")
    ap.add_argument("--archive-docs", type=int, default=0,
                    help="also run bench_archive.py --docs N --backends sqlite (0: skip; 100000 for the issue's scale)")
    args = ap.parse_args(argv)
    files = {fmt: _files(args.corpus, fmt, args.per_format) for fmt in FORMATS}
    if not files["txt"]:
        print(f"no txt files in {args.corpus}/txt: run bench/generate.py first", file=sys.stderr)
        return 2
    print(f"# issue 11 figures, one run: {args.corpus}, up to {args.per_format} files per kind; load {_load()}")
    texts = _texts(files["txt"])
    chars = sum(map(len, texts))
    print(f"\n## bare segmenters on the {len(texts)} txt texts ({chars / len(texts):,.0f} characters on average)")
    seg: dict[tuple[str, int], float] = {}
    for kind in ("jieba", "rjieba"):
        for procs in (1, 2):
            seg[(kind, procs)] = segmenter_rate(kind, texts, procs)
            print(f"{'jieba.lcut' if kind == 'jieba' else 'rjieba.cut':<12} {procs} process{'es' if procs > 1 else '  '}"
                  f" {seg[(kind, procs)]:9.1f} docs/s")

    print(f"\n## shencha screen, warm rate from record {args.skip_after} on (rate with start-up in brackets),"
          f" the median of {max(1, args.repeat)} runs")
    print(f"{'kind':<8} {'workers':>7} {'docs':>5} {'docs/s':>8} {'(whole)':>9} {'peak PSS MiB':>13} {'errs':>5}")
    res: dict[tuple[str, int], dict[str, Any]] = {}
    for fmt in FORMATS:
        if not files[fmt]:
            continue
        for w in (1, 2):
            runs = sorted((screen_rate(files[fmt], w, args.skip_after) for _ in range(max(1, args.repeat))),
                          key=lambda x: x["warm"])
            r = res[(fmt, w)] = runs[len(runs) // 2]
            print(f"{fmt:<8} {w:>7} {r['docs']:>5} {r['warm']:>8.1f} {r['whole']:>9.1f} {r['pss']:>13.0f} {r['errors']:>5}",
                  flush=True)
    txt1 = res[("txt", 1)]["warm"]
    print("\n## ratios (judged: txt >= 1.0x bare jieba, docx >= 0.9x txt, born-digital PDF >= 0.8x txt, 2 workers >= 1.8x 1)")
    print(f"txt, 1 worker / bare jieba.lcut, 1 process   {txt1 / seg[('jieba', 1)]:.2f}x")
    print(f"txt, 2 workers / bare jieba.lcut, 2 processes {res[('txt', 2)]['warm'] / seg[('jieba', 2)]:.2f}x")
    for fmt in ("docx", "pdf", "pdf-lo"):
        if (fmt, 1) in res:
            print(f"{fmt}, 1 worker / txt, 1 worker{' ' * (14 - len(fmt))}{res[(fmt, 1)]['warm'] / txt1:.2f}x")
    for fmt in FORMATS:
        if (fmt, 2) in res:
            print(f"{fmt}: 2 workers / 1 worker{' ' * (18 - len(fmt))}{res[(fmt, 2)]['warm'] / res[(fmt, 1)]['warm']:.2f}x;"
                  f" the second worker adds {res[(fmt, 2)]['pss'] - res[(fmt, 1)]['pss']:.0f} MiB PSS")
    st = res[("txt", 1)]["stages"]
    if st:
        total = sum(st.values())
        print(f"\n## time per txt document by stage (mean over {res[('txt', 1)]['docs']}, ms; share of the stages' total)")
        print(", ".join(f"{k} {v:.2f} ({v / total:.0%})" for k, v in sorted(st.items(), key=lambda kv: -kv[1])))
    py = sys.executable
    if args.start_runs:
        print("\n## start-up (bench/bench_start.py --phases one)", flush=True)
        subprocess.run([py, str(ROOT / "bench" / "bench_start.py"), "--runs", str(args.start_runs), "--phases", "one"],
                       check=False)
    if args.archive_docs:
        print(f"\n## archive at {args.archive_docs:,} documents (bench/bench_archive.py)", flush=True)
        subprocess.run([py, str(ROOT / "bench" / "bench_archive.py"), "--docs", str(args.archive_docs),
                        "--backends", "sqlite"], check=False)
    print(f"\nload at the end {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
