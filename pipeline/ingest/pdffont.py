"""The font PDFium puts in place of a CJK font that a PDF names but does not embed: em squares.

PDFium takes a text's characters and their advance widths from the PDF itself; of the substitute font
it uses only each glyph's box, to size the text object and each character (a text object whose box
has no width is left out of the text). With the system's CJK font (Noto CJK, CFF outlines) every
character's box costs an interpretation of its outline, twice a page and uncached for codes past 255:
most of a page's reading time. This font gives every character the same box, the ideographic em
square (0, -120)-(1000, 880), from one four-point TrueType glyph, which FreeType loads in a fraction of
that; characters that a CJK font draws blank or lacks (spaces, controls, format and bidi characters,
right-to-left scripts, private use) map to no glyph and keep an empty box, as they had.

It is offered through PDFium's system-font interface (``FPDF_SYSFONTINFO``) for the CJK character
sets only; every other request goes to PDFium's own handler. Nothing is rendered with it except the
pages OCR reads, which have no text. Changes when PDFium's use of substitute fonts does.
"""

from __future__ import annotations

import ctypes
import struct
import threading
from typing import Any

FACE_NAME = b"Shencha Em Box"
CJK_CHARSETS = frozenset({128, 129, 134, 136})  # Shift-JIS, Hangul, GB2312, Big5
# Code points left without a glyph (empty boxes, as a CJK font gives them): C0/C1 controls and spaces,
# Hebrew to NKo and the Arabic presentation forms (right to left), the space, format and bidi
# characters of General Punctuation, the ideographic space, surrogates and private use, specials,
# the historic right-to-left planes' blocks, tags and variation selectors, the private-use planes.
UNBOXED = ((0x0000, 0x0020), (0x007F, 0x00A0), (0x0590, 0x08FF), (0x1680, 0x1680), (0x180E, 0x180E),
           (0x2000, 0x200F), (0x2028, 0x202F), (0x205F, 0x206F), (0x3000, 0x3000), (0xD800, 0xF8FF),
           (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF), (0xFFF0, 0xFFFB), (0xFFFE, 0xFFFF), (0x10800, 0x10FFF),
           (0x1E800, 0x1EFFF), (0xE0000, 0xE0FFF), (0xF0000, 0x10FFFF))
_BOX = (0, -120, 1000, 880)  # xMin, yMin, xMax, yMax in font units (1000 to the em)


def _checksum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def _square() -> bytes:
    """A simple TrueType glyph: one contour of four on-curve points around ``_BOX``."""
    x0, y0, x1, y1 = _BOX
    xs, ys = (x0, x1, x1, x0), (y0, y0, y1, y1)
    dx = [b - a for a, b in zip((0, *xs[:-1]), xs, strict=True)]
    dy = [b - a for a, b in zip((0, *ys[:-1]), ys, strict=True)]
    glyph = struct.pack(">hhhhhHH", 1, *_BOX, 3, 0) + b"\x01" * 4 + struct.pack(">8h", *dx, *dy)
    return glyph + b"\0" * (-len(glyph) % 4)


def _cmap() -> bytes:
    """A format 13 (many-to-one) cmap for Windows Unicode UCS-4: every code point outside ``UNBOXED`` to glyph 1."""
    groups, start = [], 0
    for a, b in UNBOXED:
        if a > start:
            groups.append((start, a - 1))
        start = b + 1
    if start <= 0x10FFFF:
        groups.append((start, 0x10FFFF))
    sub = struct.pack(">HHIII", 13, 0, 16 + 12 * len(groups), 0, len(groups))
    sub += b"".join(struct.pack(">III", a, b, 1) for a, b in groups)
    return struct.pack(">HHHHI", 0, 1, 3, 10, 12) + sub


def build_font() -> bytes:
    """The TrueType font: glyph 0 (.notdef) and glyph 1 both the em square, one advance of 1000."""
    x0, y0, x1, y1 = _BOX
    glyf = _square() * 2
    n = 2
    names = [(1, FACE_NAME.decode()), (2, "Regular"), (4, FACE_NAME.decode()), (6, FACE_NAME.decode().replace(" ", ""))]
    records, strings = b"", b""
    for nid, text in names:
        raw = text.encode("utf-16-be")
        records += struct.pack(">6H", 3, 1, 0x409, nid, len(raw), len(strings))
        strings += raw
    os2 = struct.pack(">HhHHHhhhhhhhhhhh", 1, 1000, 400, 5, 0, 650, 700, 0, 140, 650, 700, 0, 480, 50, 250, 0)
    os2 += bytes(10) + bytes(16) + b"SHEN" + struct.pack(">HHHhhhHHII", 0x40, 0x20, 0xFFFF, y1, y0, 0, y1, -y0,
                                                         0x003E0001, 0)
    tables = {
        b"OS/2": os2,
        b"cmap": _cmap(),
        b"glyf": glyf,
        b"head": struct.pack(">IIIIHHqqhhhhHHhhh", 0x10000, 0x10000, 0, 0x5F0F3CF5, 0x000B, 1000, 0, 0,
                             x0, y0, x1, y1, 0, 8, 2, 1, 0),
        b"hhea": struct.pack(">IhhhHhhhhhhhhhhhH", 0x10000, y1, y0, 0, 1000, 0, 0, x1, 1, 0, 0, 0, 0, 0, 0, 0, n),
        b"hmtx": struct.pack(">Hh", 1000, 0) * n,
        b"loca": struct.pack(">3I", 0, len(glyf) // 2, len(glyf)),
        b"maxp": struct.pack(">IHHHHHHHHHHHHHH", 0x10000, n, 4, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0),
        b"name": struct.pack(">HHH", 0, len(names), 6 + 12 * len(names)) + records + strings,
        b"post": struct.pack(">IIhhIIIII", 0x30000, 0, 0, 0, 0, 0, 0, 0, 0),
    }
    tags = sorted(tables)
    search = 1 << (len(tags).bit_length() - 1)
    out = struct.pack(">IHHHH", 0x10000, len(tags), search * 16, search.bit_length() - 1, (len(tags) - search) * 16)
    offset = 12 + 16 * len(tags)
    body, head_at = b"", 0
    for tag in tags:
        data = tables[tag]
        if tag == b"head":
            head_at = offset + len(body)
        out += struct.pack(">4sIII", tag, _checksum(data), offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    font = bytearray(out + body)
    font[head_at + 8 : head_at + 12] = struct.pack(">I", (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF)
    return bytes(font)


class _Handler:
    """An ``FPDF_SYSFONTINFO`` that answers the CJK character sets with the em-square font and hands
    every other call to PDFium's default handler (kept for the life of the process)."""

    def __init__(self, default_ptr: Any) -> None:  # noqa: ANN401 - a ctypes pointer to PDFium's FPDF_SYSFONTINFO
        import pypdfium2.raw as pdfium_c

        self.font = ctypes.create_string_buffer(build_font())
        self.size = len(self.font.raw) - 1  # create_string_buffer adds a NUL
        self.handle = ctypes.addressof(self.font)
        self.default_ptr = default_ptr
        self.default = default_ptr.contents
        self.info = pdfium_c.FPDF_SYSFONTINFO()
        self.info.version = self.default.version
        fields = dict(pdfium_c.FPDF_SYSFONTINFO._fields_)
        self._callbacks: dict[str, Any] = {}  # the ctypes closures, kept alive
        names = ["MapFont", "GetFont", "GetFontData", "GetFaceName", "GetFontCharset", "DeleteFont"]
        if self.default.EnumFonts:
            names.append("EnumFonts")
        for name in names:  # the default's functions take the default's own struct: each one is wrapped
            self._callbacks[name] = fields[name](getattr(self, name))
            setattr(self.info, name, self._callbacks[name])
        pdfium_c.FPDF_SetSystemFontInfo(ctypes.byref(self.info))

    def EnumFonts(self, _this, mapper):  # noqa: ANN001, ANN201, N802
        return self.default.EnumFonts(self.default_ptr, mapper)

    def GetFont(self, _this, face):  # noqa: ANN001, ANN201, N802
        return self.default.GetFont(self.default_ptr, face)

    def MapFont(self, _this, weight, italic, charset, pitch_family, face, exact):  # noqa: ANN001, ANN201, N802
        if charset in CJK_CHARSETS:
            return self.handle
        return self.default.MapFont(self.default_ptr, weight, italic, charset, pitch_family, face, exact)

    def GetFontData(self, _this, font, table, buffer, size):  # noqa: ANN001, ANN201, N802
        if font != self.handle:
            return self.default.GetFontData(self.default_ptr, font, table, buffer, size)
        if table:
            return 0  # a single table, or the 'ttcf' of a collection: PDFium then reads the whole file
        if buffer and size >= self.size:
            ctypes.memmove(buffer, self.font, self.size)
        return self.size

    def GetFaceName(self, _this, font, buffer, size):  # noqa: ANN001, ANN201, N802
        if font != self.handle:
            return self.default.GetFaceName(self.default_ptr, font, buffer, size)
        if buffer and size > len(FACE_NAME):
            ctypes.memmove(buffer, FACE_NAME + b"\0", len(FACE_NAME) + 1)
        return len(FACE_NAME) + 1

    def GetFontCharset(self, _this, font):  # noqa: ANN001, ANN201, N802
        if font != self.handle:
            return self.default.GetFontCharset(self.default_ptr, font)
        return 134

    def DeleteFont(self, _this, font):  # noqa: ANN001, ANN201, N802
        if font != self.handle:
            self.default.DeleteFont(self.default_ptr, font)


_installed: list[_Handler | None] = []
_lock = threading.Lock()


def install() -> None:
    """Put the em-square font in place for this process (once; later calls do nothing). Where
    PDFium has no default system-font handler to pass the other fonts to, nothing is changed."""
    if _installed:
        return
    with _lock:
        if not _installed:
            import pypdfium2.raw as pdfium_c

            default = pdfium_c.FPDF_GetDefaultSystemFontInfo()
            _installed.append(_Handler(default) if default else None)
