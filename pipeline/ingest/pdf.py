"""PDF: pypdfium2 reads the text layer (fast); pdfplumber re-reads the pages it cannot order.

Lines whose characters pypdfium2 returns out of place (quote marks drawn apart) are rebuilt from
the character positions; pages with ruled tables, or whose lines are drawn out of order, are read
with pdfplumber, which keeps table rows as rows. A text layer of unmapped glyphs is refused (E107).
Pages with no text layer are handed to ``ocr``. Changes when PDF producers, or the two readers, do.
"""

from __future__ import annotations

import bisect
import io
import re

from ..document import Document
from ..errors import ShenchaError
from .blocks import _cell, _pdf_blocks
from .limits import MAX_PDF_CHARS, MAX_PDF_PAGES
from .ocr import INSTALL_HINT, OcrEngine, OcrPage, read_pages
from .pdffont import install as install_substitute_font
from .safety import _check_pdf_streams

# Characters that PDF producers often draw apart from the text around them (another font, a
# separate run): where pypdfium2's character order can go backwards along a line.
_MOVABLE = set("“”‘’「」『』《》〈〉（）()【】〔〕\"'")
_MARK = re.compile("[ " + "".join(re.escape(c) for c in sorted(_MOVABLE)) + "]")  # a movable character or a space
MAX_PATHS_CHECKED = 2000  # path objects examined per page for ruled tables


def _has_ruled_table(page) -> bool:  # noqa: ANN001 - a pypdfium2 page
    """Whether the page's vector paths could be the rules of a table: boxes, or horizontal and vertical rules.

    Underlines and a header's single red rule are horizontal only, and a page border is one box:
    neither sends a page to pdfplumber.
    """
    import ctypes

    import pypdfium2.raw as pdfium_c

    horizontal = vertical = boxes = 0
    box = [ctypes.c_float() for _ in range(4)]
    refs = [ctypes.byref(v) for v in box]
    raw = page.raw
    seen = 0
    # raw calls, bound to local names: the object wrappers of ``page.get_objects`` cost more than the
    # page's text (LibreOffice exports hold hundreds of text objects per page)
    get_object, get_type, get_bounds = pdfium_c.FPDFPage_GetObject, pdfium_c.FPDFPageObj_GetType, pdfium_c.FPDFPageObj_GetBounds
    path = pdfium_c.FPDF_PAGEOBJ_PATH
    for k in range(pdfium_c.FPDFPage_CountObjects(raw)):
        obj = get_object(raw, k)
        if get_type(obj) != path:
            continue
        seen += 1
        if seen > MAX_PATHS_CHECKED:
            return True
        if not get_bounds(obj, *refs):
            continue
        left, bottom, right, top = (v.value for v in box)
        w, h = right - left, top - bottom
        if h <= 2.5 and w >= 10:
            horizontal += 1
        elif w <= 2.5 and h >= 8:
            vertical += 1
        elif w >= 10 and h >= 8:
            boxes += 1
        if boxes >= 2 or (horizontal >= 2 and vertical >= 2) or (boxes and vertical):
            return True
    return False


def _page_text(tp, text: str) -> tuple[str, str]:  # noqa: ANN001 - a pypdfium2 text page and its text
    """A page's text in reading order, and how it was read: ``"pdfium"``, ``"reordered"`` or ``"plumber"``.

    pypdfium2 gives characters in content-stream order, which is reading order for nearly all
    born-digital PDFs. Two exceptions are checked from the characters' positions, at text speed:

    * along a line, characters drawn apart (quote marks and brackets in another font, as
      LibreOffice and Word exports draw them) come back out of place, with spaces generated
      around them: only the characters next to quotes, brackets and spaces are looked at, and a
      line whose order goes backwards is rebuilt from its characters sorted by position;
    * lines that jump back up the page without moving to a column on the right (text drawn out
      of order): the page is read by pdfplumber, which sorts lines by position.

    A hard-wrapped line that ends with a quote mark is in order and costs nothing.
    """
    import ctypes

    import pypdfium2.raw as pdfium_c

    n = pdfium_c.FPDFText_CountChars(tp.raw)
    if n != len(text):  # characters outside the BMP: indices no longer line up; keep pdfium's order
        return text, "pdfium"
    x, y = ctypes.c_double(), ctypes.c_double()
    raw, x_ref, y_ref, get_origin = tp.raw, ctypes.byref(x), ctypes.byref(y), pdfium_c.FPDFText_GetCharOrigin

    def origin(i: int) -> tuple[float, float]:
        get_origin(raw, i, x_ref, y_ref)
        return x.value, y.value

    # lines as pdfium breaks them (generated CR LF)
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\n|\r", text)]
    ends = [m.start() for m in re.finditer(r"\r\n|\n|\r", text)] + [len(text)]
    lines = [(a, b) for a, b in zip(starts, ends, strict=True) if b > a]
    # 1. lines that go back up the page (not a new column to the right)
    prev: tuple[float, float] | None = None
    for a, b in lines:
        first = _VISIBLE.search(text, a, b)
        if first is None:
            continue
        fx, fy = origin(first.start())
        if prev is not None and fy > prev[1] + 2 and fx <= prev[0] + 50:
            return text, "plumber"
        prev = (fx, fy)
    # 2. characters out of place along a line: the real characters next to quotes, brackets and spaces,
    # taken in text order, must not go back to the left where they are neighbours in the text
    bad: list[tuple[int, int]] = []
    marks = [m.start() for m in _MARK.finditer(text)]
    for a, b in lines:
        lo, hi = bisect.bisect_left(marks, a), bisect.bisect_left(marks, b)
        if lo == hi:
            continue
        near = sorted({j for i in marks[lo:hi] for j in (i - 1, i, i + 1) if a <= j < b and not text[j].isspace()})
        last: tuple[int, float] | None = None
        for j in near:
            jx = origin(j)[0]
            if last is not None and jx < last[1] - 1.0 and (j == last[0] + 1 or text[last[0] + 1 : j].isspace()):
                bad.append((a, b))
                break
            last = (j, jx)
    if not bad:
        return text, "pdfium"
    out, pos = [], 0
    for a, b in bad:
        out.append(text[pos:a])
        chars = [(origin(i)[0], i) for i in range(a, b)
                 if not (text[i] == " " and pdfium_c.FPDFText_IsGenerated(raw, i) == 1)]
        chars.sort()
        out.append("".join(text[i] for _, i in chars))
        pos = b
    out.append(text[pos:])
    return "".join(out), "reordered"


def _read_pdf(doc: Document, data: bytes) -> None:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise ShenchaError("E104", doc.path, "no %PDF header")
    _check_pdf_streams(doc, data)
    install_substitute_font()
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        # pdfium's last-error code can be left over from an earlier document: a password error
        # counts only for a file that has an encryption dictionary
        if ("password" in msg or "security" in msg) and b"/Encrypt" in data:
            raise ShenchaError("E103", doc.path, "the PDF asks for a password") from exc
        raise ShenchaError("E104", doc.path, f"pdfium: {exc}") from exc
    try:
        n = len(pdf)
        if n > MAX_PDF_PAGES:
            raise ShenchaError("E108", doc.path, f"{n} pages > {MAX_PDF_PAGES}; --max-pages sets the page limit")
        if n == 0:
            raise ShenchaError("E105", doc.path, "0 pages")
        pages: list[tuple[str, bool]] = []  # (text, needs_plumber)
        bare: list[int] = []  # pages that draw something but have no text layer: scans, for OCR
        images = chars = reordered = 0
        for i in range(n):
            page = pdf[i]
            tp = page.get_textpage()
            text = tp.get_text_range()
            chars += len(text)
            if chars > MAX_PDF_CHARS:
                raise ShenchaError("E108", doc.path, f"more than {MAX_PDF_CHARS:,} characters of text")
            if not text.strip():
                images += sum(1 for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))
                pages.append((text, False))
                if pdfium_c.FPDFPage_CountObjects(page.raw) > 0:
                    bare.append(i)
            else:
                text, how = _page_text(tp, text)
                reordered += how == "reordered"
                pages.append((text, how == "plumber" or _has_ruled_table(page)))
            tp.close()
            page.close()
        layer = "".join(t for t, _ in pages)
        if layer.strip():
            _check_glyphs(doc, layer)  # before OCR: a garbled text layer refuses the file anyway
        read, engine, why = read_pages(pdf, bare, doc.path) if bare else ({}, None, "")
    finally:
        pdf.close()
    for i, result in read.items():
        pages[i] = (result.text, False)
    all_text = "".join(t for t, _ in pages)
    if not all_text.strip():
        detail = f"{n} page(s), {images} image(s), no text" if images else f"{n} page(s), no text"
        if engine is not None:
            detail += f"; OCR ({engine.version}, {' and '.join(engine.languages)}) found no text either"
        elif bare:
            detail += f"; {why}: {INSTALL_HINT}"
        raise ShenchaError("E102", doc.path, detail)
    _mark_ocr(doc, read, engine, why, len(bare))
    plumber_pages = [i for i, (_, need) in enumerate(pages) if need]
    page_items: list[list[tuple[str, object]]] = []  # per page: ("line", str) | ("table", rows)
    plumbed: dict[int, list[tuple[str, object]]] = {}
    if plumber_pages:
        plumbed = _plumber_pages(doc, data, plumber_pages)
    for i, (text, _) in enumerate(pages):
        if i in plumbed:
            page_items.append(plumbed[i])
        else:
            lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            page_items.append([("line", ln) for ln in lines])
    doc.blocks = _pdf_blocks(page_items)
    doc.encoding = "pdf"
    doc.stats["pdf_pages"] = n
    doc.stats["pdf_pages_pdfplumber"] = len(plumbed)
    doc.stats["pdf_pages_reordered"] = reordered


def _mark_ocr(doc: Document, read: dict[int, OcrPage], engine: OcrEngine | None, why: str, bare: int) -> None:
    """Say in the record which pages were read by OCR, by what and how surely (``stats.ocr``, a warning),
    or that ``bare`` pages without a text layer were left unread, and why."""
    recognised = {i: r for i, r in read.items() if r.text.strip()}
    if engine is not None and recognised:
        chars = sum(r.chars for r in recognised.values())
        used = sorted({r.language for r in recognised.values()})
        doc.stats["ocr"] = {"engine": engine.version, "languages": used, "pages": sorted(i + 1 for i in recognised),
                            "confidence": round(sum(r.confidence * r.chars for r in recognised.values()) / chars, 1)}
        doc.warnings.append(f"{len(recognised)} page(s) without a text layer read by OCR ({engine.version}, "
                            f"{'+'.join(used)}): misread characters are possible")
    elif bare and engine is None:
        doc.warnings.append(f"{bare} page(s) without a text layer not read ({why}; {INSTALL_HINT})")


# Characters a Chinese text layer plausibly holds: Latin, general punctuation, enclosed numbers, CJK
# punctuation and ideographs, full-width forms, radicals, letterlike symbols, arrows, shapes.
_PLAUSIBLE = ("\u0020-\u007e\u00a0-\u024f\u2000-\u206f\u2460-\u24ff\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
              "\u2e80-\u2fdf\u3200-\u33ff\u2100-\u23ff\u25a0-\u27bf\uf900-\ufaff\U00020000-\U0002ffff")
_IMPLAUSIBLE = re.compile(f"[^\\s{_PLAUSIBLE}]")
_VISIBLE = re.compile(r"\S")
_SPACE = re.compile(r"\s")  # the characters str.isspace() counts, as \S leaves them out


def _check_glyphs(doc: Document, text: str) -> None:
    """Refuse text made of unmapped glyphs: U+FFFD, (cid:NN), or glyph ids read as code points
    (control characters, private-use and other implausible characters)."""
    sample = text[:50000]
    visible = len(sample) - len(_SPACE.findall(sample))
    if not visible:
        return
    bad = sample.count("\ufffd") + 5 * len(re.findall(r"\(cid:\d+\)", sample))
    bad += len(_IMPLAUSIBLE.findall(sample))
    if bad / visible > 0.05:
        raise ShenchaError("E107", doc.path, f"{bad} unmapped glyphs in {visible} characters")


def _plumber_pages(doc: Document, data: bytes, wanted: list[int]) -> dict[int, list[tuple[str, object]]]:
    import pdfplumber

    out: dict[int, list[tuple[str, object]]] = {}
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for i in wanted:
                page = pdf.pages[i]
                tables = [t for t in page.find_tables() if t.rows and len(t.rows[0].cells) >= 2]
                items: list[tuple[float, tuple[str, object]]] = []
                if tables:
                    bboxes = [t.bbox for t in tables]

                    def outside(obj, bboxes=bboxes) -> bool:  # noqa: ANN001
                        cx = (obj["x0"] + obj["x1"]) / 2
                        cy = (obj["top"] + obj["bottom"]) / 2
                        return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in bboxes)

                    rest = page.filter(outside)
                    for t in tables:
                        rows = [[_cell(c) for c in row] for row in t.extract()]
                        items.append((t.bbox[1], ("table", rows)))
                else:
                    rest = page
                for ln in rest.extract_text_lines(layout=False, strip=True, return_chars=False):
                    items.append((ln["top"], ("line", ln["text"])))
                items.sort(key=lambda x: x[0])
                out[i] = [it for _, it in items]
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds on broken files
        raise ShenchaError("E104", doc.path, f"pdfplumber: {type(exc).__name__}: {exc}") from exc
    return out
