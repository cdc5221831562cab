"""Segmenters on the same varied texts: Python jieba and jieba-rs (rjieba), both with the profile's
user dictionary — throughput and whether they give the same words.

    .venv/bin/python bench/bench_segment.py [--corpus ../shared/corpus/gov-work-reports] [--docs 200]

Texts are 5,000-character pieces of the State Council work reports (public domain), cut at three
offsets of each report, so the figure is not one fixed text.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from pipeline.profile import load_profile
from pipeline.segment import RustTokenizer, python_tokenizer

ROOT = Path(__file__).resolve().parents[1]


def texts(corpus: Path, n: int) -> list[str]:
    out: list[str] = []
    for f in sorted(corpus.glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            body = max((v for v in rec.values() if isinstance(v, str)), key=len)
            out += [body[i : i + 5000] for i in (0, 5000, 10000) if len(body) > i + 1000]
    return out[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "gov-work-reports"))
    ap.add_argument("--docs", type=int, default=200)
    args = ap.parse_args()
    docs = texts(Path(args.corpus), args.docs)
    userdict = str(load_profile().userdict)
    py, rs = python_tokenizer(userdict), RustTokenizer(userdict)
    runs = {}
    for name, tok in (("jieba (Python)", py), ("jieba-rs (rjieba)", rs)):
        tok.lcut(docs[0])
        t0 = time.perf_counter()
        words = [tok.lcut(d, HMM=True) for d in docs]
        secs = time.perf_counter() - t0
        runs[name] = words
        chars = sum(map(len, docs))
        print(f"{name:20s} {len(docs) / secs:8.1f} docs/s  {chars / secs / 1e6:6.2f} M chars/s")
    a, b = runs.values()
    same = sum(x == y for x, y in zip(a, b, strict=True))
    tokens = sum(map(len, a))
    differ = sum(sum(1 for u, v in zip(x, y, strict=False) if u != v) for x, y in zip(a, b, strict=True))
    print(f"same words on {same}/{len(docs)} texts; {tokens} tokens, {differ} positions differ after the first change")


if __name__ == "__main__":
    main()
