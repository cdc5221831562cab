"""Benchmark ``screen``: documents/s, characters/s and peak memory per format and executor; jieba ratio; profile.

    python bench/generate.py /tmp/bench --docs 10000
    python bench/bench_screen.py /tmp/bench [--phases formats,scale,jieba] [--per-format 1000]
                                 [--configs 1,2,dask]

Phases:
    formats  each format alone (the first ``--per-format`` files of OUT/txt, OUT/docx, OUT/pdf)
             with 1 worker, 2 workers and a Dask LocalCluster of 2 workers; plus the total.
    scale    the whole corpus mixed (e.g. 10,000 documents) and its first 100 documents, per
             configuration: docs/s, chars/s and the peak memory of the process tree.
    jieba    a 5,000-character txt screened in-process versus jieba alone (``lcut`` of the
             same text with the profile's tokenizer), after warm-up; and the cProfile top entries.

Peak memory is sampled every 0.25 s over this process and all its descendants (workers, the
fork server, Dask nanny and worker processes): the sum of PSS (proportional set size, which
shares pages between processes fairly) and, for reference, of RSS. Times are wall-clock and
include starting the workers (about 2 s).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FORMATS = ("txt", "docx", "pdf")


class PeakMemory:
    """Sample the PSS and RSS of this process tree in a thread; ``peak_pss``/``peak_rss`` in MiB."""

    def __init__(self, interval: float = 0.25, pss_every: int = 8) -> None:
        import psutil

        self._psutil = psutil
        self.interval = interval
        self.pss_every = pss_every
        self.peak_pss = self.peak_rss = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self, pss: bool = True) -> None:
        """RSS is cheap (/proc/PID/statm); PSS walks every page of every process (smaps_rollup),
        which on a 2-core machine takes CPU from the workers being measured: it is sampled every
        ``pss_every`` samples only."""
        me = self._psutil.Process()
        pss_total = rss = 0
        for p in [me, *me.children(recursive=True)]:
            try:
                if pss:
                    info = p.memory_full_info()
                    pss_total += getattr(info, "pss", info.rss)
                    rss += info.rss
                else:
                    rss += p.memory_info().rss
            except (self._psutil.NoSuchProcess, self._psutil.AccessDenied):
                continue
        if pss:
            self.peak_pss = max(self.peak_pss, pss_total / 2**20)
        self.peak_rss = max(self.peak_rss, rss / 2**20)

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            self.sample(pss=n % self.pss_every == 0)
            n += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def run(files: list[str], config: str, cluster_address: str | None) -> dict[str, Any]:
    """Screen ``files`` with one configuration; wall time, documents, characters, errors, peak memory."""
    from shencha.batch import screen_paths

    kw: dict[str, Any] = {"timeout": 120, "memory_mb": 2048}
    if config == "dask":
        kw.update(executor="dask", scheduler=cluster_address)
    else:
        kw.update(workers=int(config))
    docs = chars = errors = 0
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        for rec in screen_paths(files, **kw):
            docs += 1
            chars += (rec.get("stats") or {}).get("chars", 0)
            errors += bool(rec.get("errors"))
        secs = time.perf_counter() - t0
    return {"config": config, "docs": docs, "chars": chars, "errors": errors, "seconds": secs,
            "docs_s": docs / secs, "chars_s": chars / secs, "pss": mem.peak_pss, "rss": mem.peak_rss}


def _label(config: str) -> str:
    return "dask LocalCluster(2)" if config == "dask" else f"{config} worker" + ("s" if config != "1" else "")


def _row(name: str, r: dict[str, Any]) -> str:
    return (f"{name:<8} {_label(r['config']):<21} {r['docs']:>6} {r['seconds']:>8.1f} {r['docs_s']:>8.1f} "
            f"{r['chars_s']:>10,.0f} {r['pss']:>9.0f} {r['rss']:>9.0f} {r['errors']:>5}")


HEADER = (f"{'format':<8} {'executor':<21} {'docs':>6} {'seconds':>8} {'docs/s':>8} {'chars/s':>10} "
          f"{'peak PSS':>9} {'peak RSS':>9} {'errs':>5}\n" + "-" * 94)


def _with_cluster(configs: list[str], fn: Any) -> None:  # noqa: ANN401
    if "dask" in configs:
        import logging

        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=logging.ERROR) as cluster:
            fn(cluster.scheduler_address)
    else:
        fn(None)


def phase_formats(corpus: Path, configs: list[str], per_format: int) -> None:
    """Each format alone, then the total over the three runs."""
    print(f"\n## per format (first {per_format} files of each), MiB\n{HEADER}")

    def go(addr: str | None) -> None:
        for config in configs:
            total = {"config": config, "docs": 0, "chars": 0, "errors": 0, "seconds": 0.0, "pss": 0.0, "rss": 0.0}
            for fmt in FORMATS:
                files = sorted(str(p) for p in (corpus / fmt).iterdir())[:per_format]
                r = run(files, config, addr)
                print(_row(fmt, r), flush=True)
                for k in ("docs", "chars", "errors", "seconds"):
                    total[k] += r[k]
                total["pss"], total["rss"] = max(total["pss"], r["pss"]), max(total["rss"], r["rss"])
            total["docs_s"], total["chars_s"] = total["docs"] / total["seconds"], total["chars"] / total["seconds"]
            print(_row("all", total), flush=True)

    _with_cluster(configs, go)


def phase_scale(corpus: Path, configs: list[str]) -> None:
    """The whole corpus (formats interleaved by number) and its first 100 documents."""
    files = sorted((str(p) for fmt in FORMATS for p in (corpus / fmt).iterdir()), key=lambda f: Path(f).stem)
    print(f"\n## whole corpus, formats mixed, MiB\n{HEADER}")

    def go(addr: str | None) -> None:
        results: dict[tuple[str, int], dict[str, Any]] = {}
        for config in configs:
            for n in (100, len(files)):
                r = run(files[:n], config, addr)
                results[(config, n)] = r
                print(_row("mixed", r), flush=True)
        print()
        for config in configs:
            small, big = results[(config, 100)], results[(config, len(files))]
            print(f"{_label(config)}: peak PSS {len(files)} docs / 100 docs = {big['pss'] / small['pss']:.2f} "
                  f"(RSS {big['rss'] / small['rss']:.2f})")
        if "1" in configs and "2" in configs:
            one, two = results[("1", len(files))], results[("2", len(files))]
            print(f"speed-up 2 workers / 1 worker on {len(files)} docs: {two['docs_s'] / one['docs_s']:.2f}x")

    _with_cluster(configs, go)


def phase_jieba(corpus: Path, repeat: int = 30, top: int = 25) -> None:
    """A 5,000-character txt: screening rate versus jieba alone on the same text; cProfile of screening."""
    import cProfile
    import io
    import pstats
    import tempfile

    from bench.generate import load_texts
    from pipeline.segment import get_tokenizer
    from shencha.screener import Screener

    reports = load_texts()
    text = "\n".join(max(reports, key=lambda r: sum(map(len, r))))[:5000]
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "report-5000.txt"
        p.write_text(text, encoding="utf-8")
        s = Screener()
        for _ in range(3):
            rec = s.screen(p, include_text=True)
        doc_text = rec["text"]
        t0 = time.perf_counter()
        for _ in range(repeat):
            s.screen(p)
        screen_s = (time.perf_counter() - t0) / repeat
        tok = get_tokenizer(str(s.profile.userdict))
        for _ in range(3):
            tok.lcut(doc_text, HMM=True)
        t0 = time.perf_counter()
        for _ in range(repeat):
            tok.lcut(doc_text, HMM=True)
        jieba_s = (time.perf_counter() - t0) / repeat
        print(f"\n## 5,000-character txt ({len(doc_text)} chars after ingest), in-process, mean of {repeat}")
        print(f"screen      {screen_s * 1000:8.1f} ms/doc  {1 / screen_s:7.1f} docs/s  {len(doc_text) / screen_s:10,.0f} chars/s")
        print(f"jieba alone {jieba_s * 1000:8.1f} ms/doc  {1 / jieba_s:7.1f} docs/s  {len(doc_text) / jieba_s:10,.0f} chars/s")
        print(f"ratio screen rate / jieba rate = {jieba_s / screen_s:.2f} (goal >= 0.5)")
        ms = rec["stats"].get("ms")
        if ms:
            print("stage timings of the last run (ms):", ", ".join(f"{k} {v}" for k, v in ms.items()))
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(repeat):
            s.screen(p)
        prof.disable()
        for key in ("tottime", "cumulative"):
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(key).print_stats(top)
            lines = buf.getvalue().splitlines()
            start = next(i for i, ln in enumerate(lines) if ln.strip().startswith("ncalls"))
            print(f"\n### cProfile, {repeat} screens, top {top} by {key}")
            print("\n".join(lines[start : start + top + 1]))


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--phases", default="formats,scale,jieba")
    ap.add_argument("--configs", default="1,2,dask")
    ap.add_argument("--per-format", type=int, default=1000)
    a = ap.parse_args(argv)
    configs = [c.strip() for c in a.configs.split(",") if c.strip()]
    phases = [p.strip() for p in a.phases.split(",")]
    n = sum(1 for fmt in FORMATS for _ in (a.corpus / fmt).iterdir())
    print(f"# shencha screen benchmark: {n} documents in {a.corpus}")
    from pipeline.profile import load_profile
    from shencha.train import get_models

    get_models(load_profile())  # train/cache models outside the timings
    if "formats" in phases:
        phase_formats(a.corpus, configs, a.per_format)
    if "scale" in phases:
        phase_scale(a.corpus, configs)
    if "jieba" in phases:
        phase_jieba(a.corpus)
    return 0


if __name__ == "__main__":
    sys.exit(main())
