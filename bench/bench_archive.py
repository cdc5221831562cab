"""Archive benchmark: add throughput, index size and search latency for each backend.

The big archive is built from GENERATED records (text assembled from the gold documents'
sentences, half converted to traditional script, ~3,000 characters each, with synthetic
findings) stored through the same ``Store`` API as ``shencha archive add`` — the screening
pipeline is not run on them (it manages ~60 docs/s here). Screening-bound add throughput is
measured separately on a small sample of real documents with the real pipeline.

    python bench/bench_archive.py --docs 100000 --backends sqlite,postgres

Prints one block per backend: add throughput (docs/s, including segmentation), index size,
and search latency p50/p95 (ms) for single words, phrases and filtered queries (full search:
ranked page of 10, snippets, facets).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOLD = ROOT.parent / "shared" / "gold" / "dev"
AREAS = ["economy", "work_style", "livelihood", "stability", "other"]
TYPES = ["analysis_report", "work_report", "rectification_plan", "meeting_speech", "implementation_plan", "other"]
GAPS = ["commitment_missing_deadline", "commitment_missing_owner", "no_cause_analysis", "work_report_style",
        "area_not_covered", "vague_measures"]

_SENTS: list[str] = []
_UNITS: list[str] = []
_OWNERS: list[str] = []


def _load_sentences() -> tuple[list[str], list[str], list[str]]:
    import re

    from pipeline.ingest import ingest
    from pipeline.normalise import to_simplified

    sents: list[str] = []
    for p in sorted(GOLD.iterdir()):
        if p.suffix == ".json":
            continue
        try:
            text = ingest(p).text
        except Exception:  # noqa: BLE001, S112 - skip unreadable samples
            continue
        for s in re.findall(r"[^。！？\n]{6,120}[。！？]", to_simplified(text)):
            sents.append(s.strip())
    units = [f"中共{a}{b}委员会" for a in ("横岭", "石门", "云溪", "东溪", "平州", "新桥", "河塘", "锦华")
             for b in ("镇", "县", "村", "社区", "局")]
    owners = [f"{a}{b}" for a in ("镇", "县", "村", "局") for b in ("党政办", "招商办", "教育办", "卫生院", "安监办",
                                                                "社会事务办", "经济发展办", "信访维稳中心")]
    return sorted(set(sents)), units, owners


def _init(sents: list[str], units: list[str], owners: list[str]) -> None:
    global _SENTS, _UNITS, _OWNERS
    _SENTS, _UNITS, _OWNERS = sents, units, owners


_PIECE = None


def memo_index_text(text: str) -> str:
    """``corpus.search.index_text`` with segmentation memoised per sentence.

    jieba segments the runs between punctuation independently, so joining the tokens of each
    sentence gives exactly the tokens of the whole text; generated documents reuse sentences,
    so the cache makes building 100,000 of them feasible here. Used only with ``--memo``.
    """
    import re
    from functools import lru_cache

    from corpus.search import fold, tokens_of

    global _PIECE
    if _PIECE is None:
        _PIECE = (re.compile(r"[^。！？\n]+[。！？\n]?|[。！？\n]"), lru_cache(maxsize=200_000)(
            lambda piece: tuple(tokens_of(piece, folded=True))))
    rx, tok = _PIECE
    out: list[str] = []
    for m in rx.finditer(fold(text)):
        out.extend(tok(m.group(0)))
    return " ".join(out)


def _init_memo(sents: list[str], units: list[str], owners: list[str]) -> None:
    import corpus.archive

    _init(sents, units, owners)
    corpus.archive.index_text = memo_index_text  # type: ignore[assignment]


_S2T: Any = None


def _s2t() -> Any:
    global _S2T
    if _S2T is None:
        import opencc

        _S2T = opencc.OpenCC("s2t")
    return _S2T


def make_record(i: int) -> dict[str, Any]:
    """One generated record (deterministic in ``i``)."""
    import hashlib

    from pipeline.normalise import to_simplified  # noqa: F401 - warms OpenCC in workers

    rng = random.Random(i)
    unit = rng.choice(_UNITS)
    year = rng.choice([2008, 2009, 2009, 2010, 2011, 2012])
    date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    parts = [f"{unit}关于第{i}号材料的报告\n"]
    n = len(parts[0])
    k = max(1, int(rng.paretovariate(1.2)))
    while n < 3000:
        s = _SENTS[min(len(_SENTS) - 1, (rng.randrange(len(_SENTS)) * k) % len(_SENTS))]
        parts.append(s)
        n += len(s)
    parts.append(f"\n{unit}\n{year}年{int(date[5:7])}月{int(date[8:10])}日")
    text = "".join(parts)
    traditional = i % 2 == 1
    if traditional:
        text = _s2t().convert(text)
    body = text.split("\n")[1]
    probs, coms = [], []
    for _ in range(rng.randint(0, 5)):
        a = rng.randrange(max(1, len(body) - 40))
        probs.append({"text": body[a : a + 40], "area": rng.choice(AREAS), "score": 0.5, "cause": rng.random() < .3,
                      "concrete": True, "start": a, "end": a + 40, "locator": {"paragraph": 2}})
    for _ in range(rng.randint(0, 6)):
        a = rng.randrange(max(1, len(body) - 50))
        dl = f"{year}-{rng.randint(1, 12):02d}-28" if rng.random() < .8 else None
        coms.append({"text": body[a : a + 50], "area": rng.choice(AREAS), "score": 0.5, "deadline": dl,
                     "deadline_precision": "day" if dl else None, "deadline_text": dl,
                     "owner": rng.choice(_OWNERS) if rng.random() < .8 else None, "item": body[a : a + 10],
                     "target": None, "measures": None, "pledge": False, "concrete": True, "slogan": False,
                     "has_measure": True, "start": a, "end": a + 50, "locator": {"paragraph": 2}})
    gaps = [{"code": g, "message": g, "evidence": "", "term": ""} for g in rng.sample(GAPS, rng.randint(0, 2))]
    wr = rng.random() < 0.15
    return {"path": f"gen/{i:06d}.txt", "sha256": hashlib.sha256(text.encode()).hexdigest(), "format": "txt",
            "size": len(text.encode()), "encoding": "utf-8", "script": "traditional" if traditional else "simplified",
            "profile": {"name": "campaign-2009", "version": "2009.1"}, "schema": 1, "title": text.split("\n")[0],
            "unit": unit, "date": date, "doc_type": rng.choice(TYPES), "doc_type_score": 0.9,
            "work_report": {"flag": wr, "score": 0.7 if wr else 0.1, "reason": "", "reason_en": "", "evidence": []},
            "problems": probs, "commitments": coms, "gaps": gaps, "errors": [], "warnings": [], "stats": {},
            "text": text, "blocks": []}


def prepared(i: int):  # noqa: ANN201 - Prepared
    """Generate and prepare (segment) one record: the CPU part of an add, done in worker processes."""
    from corpus.archive import prepare

    return prepare(make_record(i))


def pct(xs: list[float], p: float) -> float:
    """Percentile (nearest rank) of latencies in ms."""
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def build(store: Any, n: int, workers: int, memo: bool = False) -> tuple[float, float]:
    """Add ``n`` generated documents; returns (seconds, seconds spent inside store.add)."""
    sents, units, owners = _load_sentences()
    t0 = time.perf_counter()
    in_store = 0.0
    with Pool(workers, initializer=_init_memo if memo else _init, initargs=(sents, units, owners)) as pool:
        for k, doc in enumerate(pool.imap(prepared, range(n), chunksize=64), 1):
            t1 = time.perf_counter()
            store.add(doc)
            in_store += time.perf_counter() - t1
            if k % 10000 == 0:
                el = time.perf_counter() - t0
                print(f"  … {k} docs, {k / el:.0f} docs/s", file=sys.stderr, flush=True)
    return time.perf_counter() - t0, in_store


def queries(n: int, seed: int = 7) -> dict[str, list[tuple[str, Any]]]:
    """Query sets: single words (from the generated text, frequency-weighted), phrases, filtered."""
    from corpus.archive import SearchFilters
    from corpus.search import tokens_of

    sents, units, owners = _load_sentences()
    _init(sents, units, owners)
    rng = random.Random(seed)
    words: list[str] = []
    phrases: list[str] = []
    for _j in range(n):
        rec = make_record(rng.randrange(10**6))
        toks = [t for t in tokens_of(rec["text"]) if len(t) >= 2 and not t.isdigit()]
        words.append(rng.choice(toks))
        # a phrase as people type one: 2-3 consecutive words of a sentence
        from corpus.search import _tokenizer, fold

        body = fold(rec["text"].split("\n")[1])
        words_ = [w for w in _tokenizer().lcut(body) if w.strip("，。、；：“”《》（）() ")]
        a = rng.randrange(max(1, len(words_) - 3))
        phrases.append("".join(words_[a : a + rng.randint(2, 3)]))
    filt = []
    for j, w in enumerate(words):
        f = [SearchFilters(area=rng.choice(AREAS)), SearchFilters(doc_type=rng.choice(TYPES)),
             SearchFilters(since="2010-01-01", until="2011-06-30"), SearchFilters(unit=rng.choice(units)[2:6]),
             SearchFilters(gap=rng.choice(GAPS), flagged=True)][j % 5]
        filt.append((w, f))
    return {"word": [(w, None) for w in words], "phrase": [(f'"{p}"', None) for p in phrases if p],
            "filtered": filt}


def measure(store: Any, qs: dict[str, list[tuple[str, Any]]]) -> dict[str, dict[str, float]]:
    """Latency per query kind, with facets (as the CLI) and without."""
    out: dict[str, dict[str, float]] = {}
    for kind, items in qs.items():
        for w, f in items[:5]:
            store.search(w, f)  # warm caches
        lat, lat_nf, totals = [], [], []
        for w, f in items:
            t0 = time.perf_counter()
            r = store.search(w, f, limit=10)
            lat.append((time.perf_counter() - t0) * 1000)
            totals.append(r.total)
            t0 = time.perf_counter()
            store.search(w, f, limit=10, facets=False)
            lat_nf.append((time.perf_counter() - t0) * 1000)
        out[kind] = {"p50": pct(lat, 50), "p95": pct(lat, 95), "p50_nofacets": pct(lat_nf, 50),
                     "p95_nofacets": pct(lat_nf, 95), "median_hits": statistics.median(totals), "n": len(items)}
    return out


def screening_sample(n: int, folder: Path) -> None:
    """Real ``archive add`` (screening + storing) on up to ``n`` gold documents: where does the time go?"""
    from corpus.archive import archive_paths, open_store

    files = [p for p in sorted(GOLD.iterdir()) if p.suffix != ".json"][:n]
    store = open_store(str(folder / "sample.sqlite"))
    in_store = [0.0]
    orig_add = store.add

    def timed_add(doc, original=None):  # noqa: ANN001, ANN202
        t = time.perf_counter()
        try:
            return orig_add(doc, original)
        finally:
            in_store[0] += time.perf_counter() - t

    store.add = timed_add  # type: ignore[method-assign]
    from pipeline.orchestrate import Screener

    Screener()  # load models before timing
    t0 = time.perf_counter()
    outs = archive_paths(store, files)
    el = time.perf_counter() - t0
    ok = sum(1 for o in outs if o.status == "added")
    print(f"screening-bound add (real pipeline, {ok} gold documents, 1 process): {ok / el:.1f} docs/s; "
          f"store.add {in_store[0] / max(ok, 1) * 1000:.1f} ms/doc = {in_store[0] / el:.1%} of the time "
          f"(the rest is screening)")
    store.close()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--pg", default=os.environ.get("SHENCHA_TEST_PG",
                                                   "postgresql://shencha:shencha@127.0.0.1:5432/shencha_test"))
    ap.add_argument("--dir", help="where the SQLite archive goes (default: a temp folder, removed)")
    ap.add_argument("--queries", type=int, default=200, help="queries per kind")
    ap.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2)))
    ap.add_argument("--screen-sample", type=int, default=20, help="gold documents for the screening-bound measure")
    ap.add_argument("--keep", action="store_true", help="keep the archives")
    ap.add_argument("--memo", action="store_true",
                    help="memoise segmentation per sentence (same tokens, much faster generation)")
    args = ap.parse_args(argv)

    from corpus.archive import open_store

    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="shencha-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{args.docs} GENERATED documents (~3,000 chars, half traditional, synthetic findings) stored through "
          "the Store API; the screening pipeline is NOT run on them.")
    if args.screen_sample:
        screening_sample(args.screen_sample, work)
    qs = queries(args.queries)
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if backend == "sqlite":
            db = work / "bench.sqlite"
            for p in (db, Path(str(db) + "-wal"), Path(str(db) + "-shm")):
                p.unlink(missing_ok=True)
            store = open_store(str(db))
        else:
            schema = "bench_archive"
            store = open_store(args.pg + ("&" if "?" in args.pg else "?") + f"schema={schema}")
            store.drop()  # type: ignore[attr-defined]
            store.close()
            store = open_store(args.pg + ("&" if "?" in args.pg else "?") + f"schema={schema}")
        print(f"\n== {backend}: building {args.docs} documents ({args.workers} segmenting processes)", flush=True)
        if args.memo:
            print("(segmentation memoised per sentence: identical tokens; the full cost of segmenting one "
                  "generated document is measured below)")
            t = time.perf_counter()
            sents, units, owners = _load_sentences()
            _init(sents, units, owners)
            for i in range(50):
                prepared(i)
            print(f"full prepare (generate + fold + jieba + rows), 1 process: "
                  f"{(time.perf_counter() - t) / 50 * 1000:.1f} ms/doc")
        secs, in_store = build(store, args.docs, args.workers, args.memo)
        if backend == "sqlite":
            store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[attr-defined]
        else:
            store.db.execute("VACUUM ANALYZE documents")  # type: ignore[attr-defined]
        size = store.index_size()
        print(f"add throughput: {args.docs / secs:.0f} docs/s end to end (generate + segment + store); "
              f"store.add alone {in_store / args.docs * 1000:.2f} ms/doc ({args.docs / in_store:.0f} docs/s)")
        print(f"archive size: {size / 2**20:.0f} MiB ({size / args.docs / 1024:.1f} KiB/doc; text, findings, index)")
        res = measure(store, qs)
        print(f"search latency (ms; page of 10 with snippets; {args.queries} queries per kind):")
        print(f"  {'kind':9} {'p50':>7} {'p95':>7}   {'p50 no-facets':>13} {'p95 no-facets':>13}   median hits")
        for kind, r in res.items():
            print(f"  {kind:9} {r['p50']:7.1f} {r['p95']:7.1f}   {r['p50_nofacets']:13.1f} {r['p95_nofacets']:13.1f}"
                  f"   {r['median_hits']:.0f}")
        store.close()
    if not args.keep and not args.dir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
