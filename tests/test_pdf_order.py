"""PDF reading order at text speed: pypdfium2's text, lines rebuilt where characters drawn apart come back
out of place, pdfplumber only for ruled tables and pages drawn out of order."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from pipeline.ingest import ingest
from tests import bulk_helpers as H
from tests.conftest import build_docx

FONT = "STSong-Light"


def _canvas(path: Path):  # noqa: ANN202 - a reportlab canvas
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    c = canvas.Canvas(str(path))
    c.setFont(FONT, 11)
    return c


def _draw_apart(c, x: float, y: float, text: str, apart: str = "“”《》") -> None:  # noqa: ANN001
    """Draw ``text`` the way LibreOffice and Word exports do: the quote marks after the rest, at their places."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    later = []
    run, run_x = "", x
    for ch in text:
        w = stringWidth(ch, FONT, 11)
        if ch in apart:
            if run:
                c.drawString(run_x, y, run)
            later.append((x, ch))
            run, run_x = "", x + w
        else:
            run += ch
        x += w
    if run:
        c.drawString(run_x, y, run)
    for qx, ch in later:
        c.drawString(qx, y, ch)


LINES = ["一、存在的突出问题", "一是对“一带一路”建设的认识不到位，学习《条例》不够深入，", "抓落实不够有力，群众反映的问题长期得不到解决。",
         "二是“重发展、轻民生”的思想仍然存在，对转变发展方式的紧迫性认识不足。"]


def test_quotes_drawn_apart_are_put_back_in_place(tmp_path: Path) -> None:
    p = tmp_path / "apart.pdf"
    c = _canvas(p)
    for i, line in enumerate(LINES):
        _draw_apart(c, 60, 800 - 15 * i, line)
    c.showPage()
    c.save()
    doc = ingest(p)
    text = doc.text.replace(" ", "")
    assert "对“一带一路”建设" in text and "学习《条例》不够" in text and "二是“重发展、轻民生”的思想" in text
    assert doc.stats["pdf_pages_pdfplumber"] == 0


def need(what: str) -> None:
    """Skip without ``what``; fail instead when CI requires the services (SHENCHA_REQUIRE_SERVICES)."""
    if os.environ.get("SHENCHA_REQUIRE_SERVICES"):
        pytest.fail(f"{what} is required (SHENCHA_REQUIRE_SERVICES is set) but not installed")
    pytest.skip(f"{what} is not installed")


def test_libreoffice_export_is_read_in_order_without_pdfplumber(tmp_path: Path) -> None:
    """LibreOffice draws quote marks in a Western font; pypdfium2 returns them out of place along the
    line, with spaces between Chinese characters. The line is rebuilt from the character positions."""
    if not shutil.which("soffice"):
        need("LibreOffice (soffice)")
    src = build_docx(tmp_path / "lo.docx", [*LINES, *H.REPORT.split("\n")])
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=180)
    doc = ingest(tmp_path / "lo.pdf")
    assert "对“一带一路”建设的认识不到位" in doc.text and "学习《条例》不够深入" in doc.text
    assert "二是“重发展、轻民生”的思想" in doc.text and "存在“小富即安”的思想" in doc.text
    assert doc.stats["pdf_pages_pdfplumber"] == 0


def test_hard_wrapped_quotes_at_line_ends_cost_nothing(make_pdf) -> None:
    """Ordinary hard-wrapped text whose lines end or start with a quote mark is read by pypdfium2 alone."""
    para = ("近年来全镇上下围绕“保增长、惠民生、促和谐”这一主题，深入开展“三送”活动，" * 3
            + "对照“五个是否”的要求，查找出“四风”方面的突出问题。")
    paras = [para[k:] for k in range(0, 30, 7)]  # quotes fall at line ends and line starts
    doc = ingest(make_pdf([paras], width_chars=30))
    assert doc.stats["pdf_pages_pdfplumber"] == 0 and doc.stats["pdf_pages_reordered"] == 0
    assert "围绕“保增长、惠民生、促和谐”这一主题" in doc.text


def test_underlines_and_a_rule_are_not_a_table(tmp_path: Path) -> None:
    p = tmp_path / "rules.pdf"
    c = _canvas(p)
    c.setStrokeColorRGB(1, 0, 0)
    c.line(60, 770, 530, 770)  # the red rule under an official header
    c.drawString(60, 780, "中共石门镇委员会文件")
    for i, line in enumerate(H.REPORT.split("\n")):
        y = 740 - 15 * i
        c.drawString(60, y, line[:40])
        c.line(60, y - 2, 160, y - 2)  # underlined
    c.showPage()
    c.save()
    doc = ingest(p)
    assert doc.stats["pdf_pages_pdfplumber"] == 0 and "一、存在的突出问题" in doc.text


def test_lines_drawn_out_of_order_go_to_pdfplumber(tmp_path: Path) -> None:
    p = tmp_path / "shuffled.pdf"
    c = _canvas(p)
    lines = H.REPORT.split("\n")
    for i in (3, 0, 5, 1, 4, 2, 7, 6):
        c.drawString(60, 800 - 15 * i, lines[i][:40])
    c.showPage()
    c.save()
    doc = ingest(p)
    assert doc.stats["pdf_pages_pdfplumber"] == 1
    assert doc.text.index("一、存在的突出问题") < doc.text.index("二、产生问题的原因") < doc.text.index("三、整改措施")
