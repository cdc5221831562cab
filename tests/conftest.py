"""Shared fixtures: documents built by the tests themselves (txt in any encoding, docx, pdf).

Nothing here reads or writes outside the repository and the temporary folders: the model cache is
``.cache/tests`` in the checkout (``SHENCHA_CACHE``), and the sample corpus (tests/samples.py) is written into a
session temporary folder, and measurements against the gold set live in bench/gold.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

# The tests keep their models, jieba cache and error log in the checkout (reused from one run to the
# next, never the user's ~/.cache/shencha); CI or a developer may point SHENCHA_CACHE elsewhere.
os.environ.setdefault("SHENCHA_CACHE", str(Path(__file__).resolve().parents[1] / ".cache" / "tests"))


def build_docx(path: Path, items: Sequence[str | list[list[str]]]) -> Path:
    """A .docx with paragraphs (str) and tables (list of rows) in the given order."""
    import docx

    d = docx.Document()
    for item in items:
        if isinstance(item, str):
            d.add_paragraph(item)
        else:
            rows = item
            t = d.add_table(rows=len(rows), cols=len(rows[0]))
            t.style = "Table Grid"
            for i, row in enumerate(rows):
                for j, cell in enumerate(row):
                    t.cell(i, j).text = cell
    d.save(str(path))
    return path


def build_pdf(path: Path, pages: Sequence[Sequence[str | list[list[str]]]], *, width_chars: int = 30,
              header: str | None = None, page_numbers: bool = True) -> Path:
    """A born-digital PDF in a CJK font: each page holds paragraphs (hard-wrapped at ``width_chars``)
    and bordered tables (list of rows, cells wrapped inside their boxes)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    size, lead = 11, 15
    for pno, items in enumerate(pages, 1):
        c.setFont("STSong-Light", size)
        y = 800
        if header:
            c.drawString(60, y, header)
            y -= 2 * lead
        for item in items:
            if isinstance(item, str):
                for k in range(0, len(item), width_chars):
                    c.drawString(60, y, item[k : k + width_chars])
                    y -= lead
            else:
                cols = len(item[0])
                cw = 470 / cols
                per = max(1, int(cw // size) - 1)
                for row in item:
                    wrapped = [[cell[k : k + per] for k in range(0, len(cell), per)] or [""] for cell in row]
                    h = max(len(w) for w in wrapped) * lead + 6
                    for j, lines in enumerate(wrapped):
                        x = 60 + j * cw
                        c.rect(x, y - h + lead, cw, h)
                        for n, ln in enumerate(lines):
                            c.drawString(x + 3, y - n * lead, ln)
                    y -= h
                y -= lead
        if page_numbers:
            c.drawString(290, 40, f"- {pno} -")
        c.showPage()
    c.save()
    return path


@pytest.fixture
def make_txt(tmp_path: Path) -> Callable[..., Path]:
    def make(text: str, name: str = "doc.txt", encoding: str = "utf-8") -> Path:
        p = tmp_path / name
        p.write_bytes(text.encode(encoding))
        return p

    return make


@pytest.fixture
def make_docx(tmp_path: Path) -> Callable[..., Path]:
    def make(items: Sequence[str | list[list[str]]], name: str = "doc.docx") -> Path:
        return build_docx(tmp_path / name, items)

    return make


@pytest.fixture
def make_pdf(tmp_path: Path) -> Callable[..., Path]:
    def make(pages: Sequence[Sequence[str | list[list[str]]]], name: str = "doc.pdf", **kw: object) -> Path:
        return build_pdf(tmp_path / name, pages, **kw)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def samples_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus of tests/samples.py, written once per session: read it, never change it
    (copy what a test needs to alter)."""
    from tests.samples import write_samples

    folder = tmp_path_factory.mktemp("samples")
    write_samples(folder)
    return folder


@pytest.fixture(scope="session")
def screener():
    from shencha.screener import Screener

    return Screener()


@pytest.fixture(scope="session")
def profile():
    from pipeline.profile import load_profile

    return load_profile()
