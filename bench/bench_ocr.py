"""Benchmark OCR of scanned PDFs: pages per second through ``pipeline.ingest.ingest``, and characters recovered.

    python bench/bench_ocr.py [--pages 6] [--size 12] [--region SC] [--repeat 2]

The scan is generated: pages filled with the tests' sample report paragraphs, drawn by Pillow in
Noto Sans CJK at ``--size`` points into 300 dpi A4 page images, saved as a PDF with no text layer
(``tests/test_ocr.py``'s builder). ``ingest`` renders each page with pypdfium2 and pipes it to
Tesseract; with both chi_sim and chi_tra installed the first page is read with both models to choose
one, so a document costs one page more than its length. Best of ``--repeat`` runs, wall-clock and
CPU time (this process and Tesseract's; steadier than wall-clock on a shared machine). Needs Tesseract
with its Chinese data (.ci/steps/40-ocr.sh) and fonts-noto-cjk.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _pages(n: int, region: str, size_pt: float) -> list[list[str]]:
    """``n`` pages, each filled with whole sample paragraphs (a long one cut to 250 characters)."""
    from tests import samples
    from tests.test_ocr import layout

    if region == "TC":
        paras = [p for p in samples.PROSE_PLAN.split("\n") if p.strip()]
    else:
        paras = [p for page in samples.GOOD_ANALYSIS for p in page if isinstance(p, str)]
    paras = [p[:250] for p in paras]
    pages, k = [], 0
    for _ in range(n):
        page: list[str] = [paras[k % len(paras)]]
        k += 1
        while layout([*page, paras[k % len(paras)]], size_pt) is not None:
            page.append(paras[k % len(paras)])
            k += 1
        pages.append(page)
    return pages


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the Tesseract runs)."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=6)
    ap.add_argument("--size", type=float, default=12.0, help="font size in points")
    ap.add_argument("--region", choices=("SC", "TC"), default="SC", help="simplified or traditional text")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)

    from pipeline.ingest import ingest
    from pipeline.ingest.ocr import find_engine
    from tests.test_ocr import build_scanned_pdf, recovered

    engine, why = find_engine()
    if engine is None:
        print(f"no OCR engine: {why}", file=sys.stderr)
        return 1
    pages = _pages(args.pages, args.region, args.size)
    with tempfile.TemporaryDirectory() as tmp:
        path = build_scanned_pdf(Path(tmp) / "scan.pdf", pages, region=args.region, size_pt=args.size)
        best = cpu = float("inf")
        doc = None
        for _ in range(max(1, args.repeat)):
            t0, c0 = time.perf_counter(), _cpu()
            doc = ingest(path)
            best, cpu = min(best, time.perf_counter() - t0), min(cpu, _cpu() - c0)
    assert doc is not None
    expected = "".join("".join(p) for p in pages)
    ocr = doc.stats["ocr"]
    print(f"{engine.version}, models installed: {'+'.join(engine.languages)}; used: {'+'.join(ocr['languages'])}")
    print(f"{args.pages} page(s) of {args.size:g} pt {args.region} text, {len(expected)} characters "
          f"({len(expected) // args.pages} a page)")
    print(f"ingest: {best:.2f} s, {best / args.pages:.2f} s/page, {args.pages / best:.2f} pages/s "
          f"(CPU {cpu / args.pages:.2f} s/page with Tesseract's, {args.pages / cpu:.2f} pages per CPU second)")
    # page by page (a paragraph running on across a page break counts for the page it starts on): the
    # pages repeat the same paragraphs, which would misalign a match over the whole text
    got = sum(recovered("".join(page), "".join(b.text for b in doc.blocks if b.locator.get("page") == n))
              * len("".join(page)) for n, page in enumerate(pages, 1))
    print(f"recovered: {got / len(expected):.1%} of the characters; mean confidence {ocr['confidence']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
