"""Generate a benchmark corpus of txt, docx and pdf submissions from real report text.

    python bench/generate.py OUT [--docs 10000] [--seed 0] [--jobs 2]

Documents are windows (800–4,000 characters, cut at paragraph ends) of the State Council
government work reports and CPC congress reports in ``shared/corpus/gov-work-reports``;
about one in six is converted to traditional script. txt files are UTF-8, GB18030 or Big5;
docx files have one paragraph per line; PDFs are born-digital in a CJK CID font,
hard-wrapped at 35 characters. Files go to ``OUT/txt``, ``OUT/docx`` and ``OUT/pdf``, in
equal shares, named by number; the same seed gives the same corpus.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import sys
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "gov-work-reports"
FORMATS = ("txt", "docx", "pdf")


def load_texts(corpus: Path = CORPUS) -> list[list[str]]:
    """Each report as a list of non-empty paragraphs."""
    out = []
    for name in ("government_work_reports.jsonl", "cpc_congress_reports.jsonl"):
        p = corpus / name
        if not p.exists():
            continue
        for line in p.read_text(encoding="utf-8").splitlines():
            content = json.loads(line).get("content") or ""
            paras = [ln.strip() for ln in content.split("\n") if ln.strip()]
            if sum(map(len, paras)) >= 1000:
                out.append(paras)
    if not out:
        sys.exit(f"no report text under {corpus}")
    return out


def make_text(reports: list[list[str]], rng: random.Random, lo: int = 800, hi: int = 4000) -> list[str]:
    """A window of paragraphs from one report, about ``lo``–``hi`` characters long."""
    paras = rng.choice(reports)
    want = rng.randint(lo, hi)
    start = rng.randrange(len(paras))
    out: list[str] = []
    i = start
    while sum(map(len, out)) < want:
        out.append(paras[i % len(paras)])
        i += 1
    text = "\n".join(out)[:hi]
    return [p for p in text.split("\n") if p]


def write_txt(path: Path, paras: list[str], encoding: str) -> None:
    path.write_bytes("\n".join(paras).encode(encoding, "replace"))


def write_docx(path: Path, paras: list[str]) -> None:
    import docx

    d = docx.Document()
    for p in paras:
        d.add_paragraph(p)
    d.save(str(path))


def write_pdf(path: Path, paras: list[str], width: int = 35) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    y, pno = 800, 1
    c.setFont("STSong-Light", 11)
    for para in paras:
        for k in range(0, len(para), width):
            if y < 70:
                c.drawString(290, 40, f"- {pno} -")
                c.showPage()
                c.setFont("STSong-Light", 11)
                y, pno = 800, pno + 1
            c.drawString(60, y, para[k : k + width])
            y -= 15
    c.drawString(290, 40, f"- {pno} -")
    c.showPage()
    c.save()


_REPORTS: list[list[str]] = []


def _init() -> None:
    _REPORTS[:] = load_texts()


def make_one(args: tuple[str, int, int]) -> str:
    """Write document number ``i`` (deterministic from the seed)."""
    out, i, seed = args
    rng = random.Random(seed * 1_000_003 + i)
    fmt = FORMATS[i % 3]
    paras = make_text(_REPORTS, rng)
    traditional = rng.random() < 1 / 6
    if traditional:
        import opencc

        conv = opencc.OpenCC("s2t")
        paras = [conv.convert(p) for p in paras]
    path = Path(out) / fmt / f"{i:06d}.{fmt}"
    if fmt == "txt":
        enc = ("big5" if traditional else "gb18030") if rng.random() < 0.3 else "utf-8"
        write_txt(path, paras, enc)
    elif fmt == "docx":
        write_docx(path, paras)
    else:
        write_pdf(path, paras)
    return fmt


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--docs", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args(argv)
    for fmt in FORMATS:
        (Path(a.out) / fmt).mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    tasks = [(a.out, i, a.seed) for i in range(a.docs)]
    with mp.get_context("fork").Pool(a.jobs, initializer=_init) as pool:
        for n, _ in enumerate(pool.imap_unordered(make_one, tasks, chunksize=20), 1):
            if n % 1000 == 0:
                print(f"{n} documents, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    print(f"wrote {a.docs} documents to {a.out} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
