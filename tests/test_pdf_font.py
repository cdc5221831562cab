"""The em-square font PDFium uses for a CJK font a PDF does not embed (pipeline.ingest.pdffont)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest import ingest, pdffont


def _pdf(path: Path, runs: list[tuple[float, float, str]], size: float = 11) -> Path:
    """A PDF in the non-embedded CID font STSong-Light: each run drawn as its own text object at (x, y)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", size)
    for x, y, text in runs:
        c.drawString(x, y, text)
    c.showPage()
    c.save()
    return path


def _chars(path: Path) -> list[tuple[str, tuple[float, float, float, float], str]]:
    """(character, box, family of its font) for each character PDFium reads on the first page."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdffont.install()
    pdf = pdfium.PdfDocument(str(path))
    tp = pdf[0].get_textpage()
    out = []
    buf = ctypes.create_string_buffer(200)
    for i in range(tp.count_chars()):
        font = pdfium_c.FPDFText_GetTextObject(tp.raw, i)
        family = ""
        if font:
            n = pdfium_c.FPDFFont_GetFamilyName(pdfium_c.FPDFTextObj_GetFont(font), buf, len(buf))
            family = buf.raw[: max(0, n - 1)].decode("utf-8", "replace")
        out.append((tp.get_text_range(i, 1), tp.get_charbox(i), family))
    pdf.close()
    return out


def test_the_font_is_a_small_truetype_font() -> None:
    data = pdffont.build_font()
    assert data[:4] == b"\x00\x01\x00\x00" and len(data) < 2000
    assert data == pdffont.build_font()  # the same bytes every time


def test_a_non_embedded_cjk_font_is_read_with_em_squares(tmp_path: Path) -> None:
    chars = _chars(_pdf(tmp_path / "cid.pdf", [(60, 800, "整改措施落实到位")], size=10))
    assert "".join(c for c, _, _ in chars) == "整改措施落实到位"
    for _, (left, bottom, right, top), family in chars:
        assert family == pdffont.FACE_NAME.decode()
        assert right - left == pytest.approx(10, abs=0.01)  # the em at 10 pt
        assert top - bottom == pytest.approx(10.13, abs=0.05)  # -120..880, and PDFium's 1/64 on top


def test_punctuation_drawn_alone_keeps_a_box_and_stays_in_the_text(tmp_path: Path) -> None:
    """A text object whose box has no width is left out of the text: full-width punctuation drawn
    on its own must have a box (it had one from the system CJK font)."""
    runs = [(60, 800, "一是产业层次偏低"), (148, 800, "；"), (60, 780, "二是财政依赖土地"), (148, 780, "。"),
            (60, 760, "三是"), (82, 760, "、"), (93, 760, "四是")]
    doc = ingest(_pdf(tmp_path / "punct.pdf", runs))
    assert "；" in doc.text and "。" in doc.text and "、" in doc.text


def test_spaces_and_format_characters_keep_an_empty_box(tmp_path: Path) -> None:
    """Characters a CJK font draws blank (the ideographic space, zero-width and bidi marks) have no
    glyph, as they had: drawn alone, they stay out of the text."""
    runs = [(60, 800, "第一部分"), (60, 780, "\u3000"), (60, 760, "\u200b"), (60, 740, "\u202e"), (60, 720, "第二部分")]
    text = "".join(c for c, _, _ in _chars(_pdf(tmp_path / "blank.pdf", runs)))
    assert "第一部分" in text and "第二部分" in text
    assert not {"\u3000", "\u200b", "\u202e"} & set(text)


def test_other_fonts_are_left_to_pdfium(tmp_path: Path) -> None:
    """Only the CJK character sets get the em squares: a Latin font keeps PDFium's own substitute."""
    from reportlab.pdfgen import canvas

    p = tmp_path / "latin.pdf"
    c = canvas.Canvas(str(p))
    c.setFont("Helvetica", 12)
    c.drawString(60, 800, "Work report 2024")
    c.showPage()
    c.save()
    chars = _chars(p)
    assert "".join(ch for ch, _, _ in chars) == "Work report 2024"
    assert all(family != pdffont.FACE_NAME.decode() for _, _, family in chars)
