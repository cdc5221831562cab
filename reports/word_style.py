"""The look of every Word file Shencha writes: East Asian fonts (so Chinese renders in Word),
heading and body styles, colours, and text made safe for XML."""

from __future__ import annotations

import re
from typing import Any

import docx
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

AUTHOR = "Shencha"
INITIALS = "SC"
BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
RED = RGBColor(0xC0, 0x1F, 0x1F)
GREY = RGBColor(0x66, 0x66, 0x66)
GREEN = RGBColor(0x1A, 0x7F, 0x37)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(s: str | None) -> str:
    """``s`` with the characters XML cannot hold (control characters, lone surrogates) made spaces."""
    return _XML_ILLEGAL.sub(" ", s or "")


def _set_rfonts(rpr: Any, east_asia: str, latin: str | None) -> None:
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asia)
    if latin:
        rfonts.set(qn("w:ascii"), latin)
        rfonts.set(qn("w:hAnsi"), latin)
    for att in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme"):
        if rfonts.get(qn(att)) is not None and (latin or att == "w:eastAsiaTheme"):
            del rfonts.attrib[qn(att)]


def set_east_asian_fonts(document: DocxDocument, *, only_defaults: bool = False) -> None:
    """Give the document a Chinese font (``w:eastAsia``) so Chinese text renders in Word.

    Args:
        document: The document.
        only_defaults: Only fill the document defaults (for a submission's own document, whose
            styles are left as they are) instead of also setting Normal, headings and Title.
    """
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = styles.makeelement(qn("w:docDefaults"), {})
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = defaults.makeelement(qn("w:rPrDefault"), {})
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = rpr_default.makeelement(qn("w:rPr"), {})
        rpr_default.append(rpr)
    rfonts = rpr.find(qn("w:rFonts"))
    if only_defaults:
        if rfonts is None or not rfonts.get(qn("w:eastAsia")):
            _set_rfonts(rpr, BODY_FONT, None)
        return
    _set_rfonts(rpr, BODY_FONT, LATIN_FONT)
    for name, font, size in (("Normal", BODY_FONT, 11), ("Title", HEADING_FONT, 20), ("Heading 1", HEADING_FONT, 15),
                             ("Heading 2", HEADING_FONT, 13), ("Heading 3", HEADING_FONT, 12)):
        try:
            style = document.styles[name]
        except KeyError:
            continue
        style.font.name = LATIN_FONT
        style.font.size = Pt(size)
        _set_rfonts(style.element.get_or_add_rPr(), font, LATIN_FONT)
        if name != "Normal":
            style.font.color.rgb = RGBColor(0x1F, 0x23, 0x28)


def new_memo() -> DocxDocument:
    """An empty memo: the fonts set and one-inch side margins."""
    d = docx.Document()
    set_east_asian_fonts(d)
    sec = d.sections[0]
    sec.left_margin = sec.right_margin = Pt(72)
    return d


def heading(d: DocxDocument, text: str, level: int) -> Paragraph:
    """A heading of ``level`` (0 is the title)."""
    return d.add_heading(xml_safe(text), level)


def para(d: DocxDocument, text: str, *, bold: bool = False, colour: RGBColor | None = None, italic: bool = False,
          indent: bool = False, size: float | None = None) -> Paragraph:
    """A paragraph of one run of ``text`` (made XML-safe) in the given style."""
    p = d.add_paragraph()
    r = p.add_run(xml_safe(text))
    r.bold = bold
    r.italic = italic
    if colour is not None:
        r.font.color.rgb = colour
    if size:
        r.font.size = Pt(size)
    if indent:
        p.paragraph_format.left_indent = Pt(21)
    return p
