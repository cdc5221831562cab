"""Benchmark start-up and scaling: a warm one-document ``shencha screen FILE``, its imports, and the workers.

    python bench/bench_start.py [SHARED] [--runs 7] [--docs 240] [--repo DIR]

SHARED is the shared folder (default ``../shared`` of this checkout, else of its parent); the
documents are cut from ``SHARED/corpus/gov-work-reports`` (windows of 800–4,000 characters at
paragraph ends, one in six in traditional script, UTF-8, GB18030 or Big5, as bench/generate.py
writes them) into a temporary folder. ``--repo`` measures another checkout with this
interpreter (e.g. an export of an older commit, for before/after figures).

It prints:

* the warm one-document time: ``shencha screen FILE`` in a fresh process (the models already
  cached, the files in the page cache), the median, minimum and maximum of ``--runs`` runs after
  one untimed run; the default command (a worker process, with the time and memory limits) and
  ``--workers 1 --timeout 0 --max-memory 0`` (screened in the command's own process);
* where that time goes: ``python -X importtime`` of the in-process run, summed by top-level
  package (the modules' own time), and whether scikit-learn, spaCy and Python jieba were imported;
* for 1 and 2 workers (the batch's pool, with the default time and memory limits): each process's
  RSS, USS (its own pages) and PSS (shared pages divided among their users), sampled near the
  end of the batch, the process tree's total PSS, what the second worker adds, and the rate in
  documents per second — over the whole batch (with start-up) and after its first 10 documents.

Times are wall-clock on whatever else the machine runs: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]


def _shared_default() -> Path:
    for cand in (HERE.parent / "shared", HERE.parent.parent / "shared"):
        if (cand / "corpus" / "gov-work-reports").is_dir():
            return cand
    return HERE.parent / "shared"


def write_corpus(shared: Path, out: Path, n: int, seed: int = 11) -> list[str]:
    """``n`` varied .txt documents cut from the government work reports (bench/generate.py's windows)."""
    sys.path.insert(0, str(HERE))
    from bench.generate import load_texts, make_text, write_txt

    reports = load_texts(shared / "corpus" / "gov-work-reports")
    import opencc

    s2t = opencc.OpenCC("s2t")
    files = []
    for i in range(n):
        rng = random.Random(seed * 1_000_003 + i)
        paras = make_text(reports, rng)
        traditional = rng.random() < 1 / 6
        if traditional:
            paras = [s2t.convert(p) for p in paras]
        enc = ("big5" if traditional else "gb18030") if rng.random() < 0.3 else "utf-8"
        path = out / f"{i:05d}.txt"
        write_txt(path, paras, enc)
        files.append(str(path))
    return files


def _env(repo: Path) -> dict[str, str]:
    env = dict(os.environ)
    if not env.get("PYTHONPATH", "").startswith(str(repo) + os.pathsep):
        env["PYTHONPATH"] = str(repo) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _cli(repo: Path, *args: str, **kw: Any) -> subprocess.CompletedProcess:  # noqa: ANN401
    return subprocess.run([sys.executable, "-m", "shencha.cli", *args], cwd=repo, env=_env(repo),
                          capture_output=True, text=True, check=False, **kw)


def _load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def one_document(repo: Path, doc: str, runs: int) -> None:
    """The median wall time of ``shencha screen DOC`` in a fresh process, default and in-process."""
    print(f"\n## one document, warm: shencha screen {Path(doc).name} ({Path(doc).stat().st_size:,} bytes), "
          f"{runs} runs after one untimed ({_load()})")
    for label, extra in (("default (1 worker process)", []),
                         ("--workers 1 --timeout 0 --max-memory 0", ["--workers", "1", "--timeout", "0", "--max-memory", "0"])):
        args = ["screen", doc, "--silent", *extra]
        first = _cli(repo, *args)
        if first.returncode != 0:
            print(f"{label}: exit {first.returncode}: {first.stderr.strip()[-300:]}")
            continue
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            _cli(repo, *args)
            times.append(time.perf_counter() - t0)
        print(f"{label:<42} median {statistics.median(times):5.2f} s   min {min(times):5.2f}   max {max(times):5.2f}")


_IMPORT_LINE = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|\s+(\s*)(\S+)")


def import_breakdown(repo: Path, doc: str, top: int = 14) -> None:
    """``-X importtime`` of the in-process one-document run, own time summed by top-level package."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "shencha.cli", "screen", doc, "--silent",
                           "--workers", "1", "--timeout", "0", "--max-memory", "0"], cwd=repo, env=_env(repo),
                          capture_output=True, text=True, check=False)
    own: dict[str, int] = defaultdict(int)
    for m in _IMPORT_LINE.finditer(proc.stderr):
        own[m.group(4).split(".")[0]] += int(m.group(1))
    total = sum(own.values())
    print(f"\n## imports of the in-process one-document run: {total / 1e6:.2f} s in {len(own)} top-level packages "
          f"(own time, -X importtime; {_load()})")
    for name, us in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        print(f"{name:<28} {us / 1000:8.0f} ms")
    for lib, mod in (("scikit-learn", "sklearn"), ("spaCy", "spacy"), ("Python jieba", "jieba"), ("scipy", "scipy")):
        print(f"{lib} imported: {'yes' if mod in own else 'no'}")


def _tree(me: Any) -> list[tuple[str, Any]]:  # noqa: ANN401 - psutil.Process
    """The batch's processes: the fork server and its workers (other helpers, e.g. the resource tracker)."""
    import psutil

    out = []
    for p in me.children(recursive=True):
        try:
            fs = "forkserver" in " ".join(p.cmdline())
            role = ("fork server" if p.ppid() == me.pid else "worker") if fs else "helper"
            out.append((role, p))
        except psutil.Error:
            continue
    return out


def workers(repo: Path, files: list[str], counts: tuple[int, ...] = (1, 2)) -> None:
    """Memory per process and the rate, for each worker count (the pool with the default limits)."""
    import psutil

    sys.path.insert(0, str(repo))
    from shencha.batch import screen_paths

    me = psutil.Process()
    print(f"\n## workers: {len(files)} .txt documents ({sum(Path(f).stat().st_size for f in files) / len(files):,.0f} "
          f"bytes on average), MiB ({_load()})")
    results: dict[int, dict[str, float]] = {}
    for n in counts:
        sample_at = max(1, len(files) * 3 // 4)
        rows: list[tuple[str, int, float, float, float]] = []
        t0 = time.perf_counter()
        t10 = None
        for k, _ in enumerate(screen_paths(files, workers=n, timeout=120, memory_mb=2048), 1):
            if k == 10:
                t10 = time.perf_counter()
            if k == sample_at:
                for role, p in _tree(me):
                    try:
                        info = p.memory_full_info()
                    except psutil.Error:
                        continue
                    rows.append((role, p.pid, info.rss / 2**20, info.uss / 2**20, info.pss / 2**20))
        end = time.perf_counter()
        mine = me.memory_full_info()
        pss_total = mine.pss / 2**20 + sum(r[4] for r in rows)
        rate = len(files) / (end - t0)
        steady = (len(files) - 10) / (end - t10) if t10 else rate
        results[n] = {"pss": pss_total, "rate": rate, "steady": steady}
        print(f"\n{n} worker{'s' if n > 1 else ''}: {rate:5.1f} docs/s with start-up, {steady:5.1f} docs/s after the "
              f"first 10; process tree PSS {pss_total:.0f}")
        print(f"  {'batch (this process)':<22} rss {mine.rss / 2**20:6.0f}  uss {mine.uss / 2**20:6.0f}  pss {mine.pss / 2**20:6.0f}")
        for role, pid, rss, uss, pss in sorted(rows):
            print(f"  {role + ' ' + str(pid):<22} rss {rss:6.0f}  uss {uss:6.0f}  pss {pss:6.0f}")
    if 1 in results and 2 in results:
        one, two = results[1], results[2]
        print(f"\nthe second worker adds {two['pss'] - one['pss']:.0f} MiB PSS to the process tree; 2 workers / 1 worker: "
              f"{two['rate'] / one['rate']:.2f}x with start-up, {two['steady'] / one['steady']:.2f}x after the first 10")


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("shared", nargs="?", type=Path, default=_shared_default())
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--docs", type=int, default=240)
    ap.add_argument("--repo", type=Path, default=HERE, help="the checkout to measure (default: this one)")
    ap.add_argument("--phases", default="one,imports,workers")
    a = ap.parse_args(argv)
    repo = a.repo.resolve()
    # the fork server that the workers phase starts imports from its working folder and $PYTHONPATH (Python 3.11
    # ignores this process's sys.path there): both point at the checkout measured
    os.environ["PYTHONPATH"] = str(repo) + os.pathsep + os.environ.get("PYTHONPATH", "")
    os.chdir(repo)
    phases = {p.strip() for p in a.phases.split(",")}
    print(f"# shencha start-up benchmark: {repo}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    trained = _cli(repo, "train")  # models cached before anything is timed
    if trained.returncode != 0:
        sys.exit(f"shencha train failed: {trained.stderr.strip()[-500:]}")
    with tempfile.TemporaryDirectory(prefix="shencha-bench-start-") as tmp:
        files = write_corpus(a.shared, Path(tmp), a.docs)
        doc = files[0]
        if "one" in phases:
            one_document(repo, doc, a.runs)
        if "imports" in phases:
            import_breakdown(repo, doc)
        if "workers" in phases:
            workers(repo, files)
    return 0


if __name__ == "__main__":
    sys.exit(main())
