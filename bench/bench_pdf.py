"""Benchmark PDF ingest against bare pypdfium2: ms per page, and the share of pages re-read by pdfplumber.

    python bench/bench_pdf.py [--docs 40] [--corpus DIR] [--out DIR] [--repeat 3]

Documents are windows of real report text (``bench/generate.py``'s corpus; the sample corpus of
the tests when it is absent), written as PDFs of two kinds of fonts:

* ``cid``: born-digital in a non-embedded CID font (reportlab, STSong-Light), hard-wrapped at
  35 characters, so that quote marks and brackets regularly end a line;
* ``lo``: the same text as .docx (every fourth with a ruled table) exported by LibreOffice in
  headless mode, with embedded (subset) CJK fonts: what Word/WPS/LibreOffice exports look like;
  ``lo-plain`` and ``lo-table`` are its documents without and with the table. Skipped when
  ``soffice`` is not installed.

"bare" is what pypdfium2 alone costs: open the document and take every page's text range (with the
substitute CJK font of ``pipeline.ingest.pdffont``, which the first ingest installs for the process).
"ingest" is ``pipeline.ingest.ingest`` (the text, the glyph check, the page checks, pdfplumber
for the pages that need it, line rejoining). Both are timed warm, best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _texts(corpus: Path | None, n: int, seed: int = 0) -> list[list[str]]:
    from bench import generate

    path = corpus or generate.CORPUS
    if (path / "government_work_reports.jsonl").exists():
        reports = generate.load_texts(path)
        rng = random.Random(seed)
        return [generate.make_text(reports, rng, 2500, 6000) for _ in range(n)]
    from tests import samples

    paras = [p for page in samples.GOOD_ANALYSIS for p in page if isinstance(p, str)]
    paras += [p for p in samples.SPEECH.split("\n") + samples.WORK_REPORT.split("\n") if p.strip()]
    rng = random.Random(seed)
    return [rng.sample(paras, min(len(paras), 24)) for _ in range(n)]


def _write_lo(out: Path, texts: list[list[str]]) -> list[Path]:
    """docx files (every fourth with a ruled table) exported to PDF by LibreOffice."""
    import docx

    src = out / "lo-src"
    src.mkdir(parents=True, exist_ok=True)
    for i, paras in enumerate(texts):
        d = docx.Document()
        for j, p in enumerate(paras):
            d.add_paragraph(p)
            if i % 4 == 0 and j == 1:
                t = d.add_table(rows=4, cols=3)
                t.style = "Table Grid"
                for r, row in enumerate([["序号", "整改措施", "完成时限"], ["1", paras[0][:30], "9月底前"],
                                         ["2", paras[1][:30], "年底前"], ["3", "建立长效机制", "长期坚持"]]):
                    for c, cell in enumerate(row):
                        t.rows[r].cells[c].text = cell
        d.save(str(src / f"lo-{i:03d}.docx"))
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(out / "lo"), *sorted(str(p) for p in src.glob("*.docx"))],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    return sorted((out / "lo").glob("*.pdf"))


def _write_cid(out: Path, texts: list[list[str]]) -> list[Path]:
    from bench import generate

    (out / "cid").mkdir(parents=True, exist_ok=True)
    paths = []
    for i, paras in enumerate(texts):
        p = out / "cid" / f"cid-{i:03d}.pdf"
        generate.write_pdf(p, paras)
        paths.append(p)
    return paths


def bare(paths: list[Path]) -> int:
    """pypdfium2 alone: every page's text; returns the pages read."""
    import pypdfium2 as pdfium

    pages = 0
    for p in paths:
        pdf = pdfium.PdfDocument(p.read_bytes())
        for i in range(len(pdf)):
            page = pdf[i]
            tp = page.get_textpage()
            tp.get_text_range()
            tp.close()
            page.close()
            pages += 1
        pdf.close()
    return pages


def ingest_all(paths: list[Path]) -> tuple[int, int]:
    """``ingest`` on every file; returns (pages, pages read through pdfplumber)."""
    from pipeline.ingest import ingest

    pages = plumbed = 0
    for p in paths:
        doc = ingest(p)
        pages += doc.stats["pdf_pages"]
        plumbed += doc.stats["pdf_pages_pdfplumber"]
    return pages, plumbed


def _best(fn, paths: list[Path], repeat: int) -> tuple[float, object]:  # noqa: ANN001
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(paths)
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=40, help="documents per kind (default 40)")
    ap.add_argument("--corpus", type=Path, default=None, help="folder of generate.py's report text")
    ap.add_argument("--out", type=Path, default=None, help="keep the PDFs here (default: a temporary folder)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="shencha-bench-pdf-"))
    texts = _texts(args.corpus, args.docs)
    kinds = {"cid": _write_cid(out, texts)}
    if shutil.which("soffice"):
        lo = _write_lo(out, texts)
        kinds["lo"] = lo
        kinds["lo-plain"] = [p for i, p in enumerate(lo) if i % 4]
        kinds["lo-table"] = [p for i, p in enumerate(lo) if i % 4 == 0]
    else:
        print("lo: skipped (soffice not installed)")
    ingest_all(kinds["cid"][:2])  # imports and first-use costs out of the figures
    print(f"{'kind':8} {'docs':>5} {'pages':>6} {'bare ms/page':>13} {'ingest ms/page':>15} {'ratio':>6} "
          f"{'pdfplumber pages':>17}")
    for kind, paths in kinds.items():
        t_bare, n_bare = _best(bare, paths, args.repeat)
        t_ing, (n_pages, n_plumbed) = _best(ingest_all, paths, args.repeat)  # type: ignore[misc]
        assert n_bare == n_pages
        print(f"{kind:8} {len(paths):5d} {n_pages:6d} {1000 * t_bare / n_pages:13.2f} {1000 * t_ing / n_pages:15.2f} "
              f"{t_ing / t_bare:6.2f} {n_plumbed:8d} ({100 * n_plumbed / n_pages:4.1f}%)")
    if args.out is None:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
