"""Word tables written row by row: python-docx's ``table.cell(i, j)`` walks the whole table on
each call, so filling a big table cell by cell is quadratic; adding rows and filling their cells is not."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.shared import Pt, RGBColor
from docx.table import Table

from reports.word_style import RED, xml_safe


def cell(c: Any, text: str, *, bold: bool = False, colour: RGBColor | None = None, size: float = 10) -> None:
    """Fill a table cell with one run of ``text`` (made XML-safe)."""
    c.text = ""
    run = c.paragraphs[0].add_run(xml_safe(text))
    run.bold = bold
    run.font.size = Pt(size)
    if colour is not None:
        run.font.color.rgb = colour


def table(d: DocxDocument, head: Sequence[str], rows: Sequence[Sequence[tuple[str, RGBColor | None]]],
           widths: Sequence[float] | None = None) -> Table:
    """A centred grid table: a bold header row, then ``rows`` of ``(text, colour)`` cells (red is bold)."""
    # Row by row: python-docx's table.cell(i, j) walks the whole table each call (quadratic).
    t = d.add_table(rows=1, cols=len(head))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    size = [Pt(w) for w in widths] if widths else None
    if size:
        t.autofit = False
        for j, wdt in enumerate(size):
            t.columns[j].width = wdt

    def fill(cells: Sequence[Any], values: Sequence[tuple[str, RGBColor | None]], bold: bool = False) -> None:
        for j, (c, (text, colour)) in enumerate(zip(cells, values, strict=False)):
            cell(c, text, colour=colour, bold=bold or colour is RED)  # cell makes every text XML-safe
            if size:
                c.width = size[j]

    fill(t.rows[0].cells, [(h, None) for h in head], bold=True)
    for row in rows:
        fill(t.add_row().cells, row)
    return t


def plain_table(d: DocxDocument, rows: Sequence[Sequence[str]]) -> Table:
    """A grid table of plain text rows (as wide as the widest row), for a rebuilt submission."""
    t = d.add_table(rows=0, cols=max(len(r) for r in rows))
    t.style = "Table Grid"
    for row in rows:  # row by row: table.cell() is quadratic
        for tc, text in zip(t.add_row().cells, row, strict=False):
            tc.text = text
    return t
