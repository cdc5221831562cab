"""Word documents: .docx main part read with lxml (``ooxml``), paragraphs and tables in document order.

A table row is one block, its cells in order; track changes read as accepted (insertions kept,
deletions and the old place of moved text dropped), comments kept out, text boxes read once.
A .doc, .wps or .rtf file is sniffed by its bytes and converted by LibreOffice (``legacy``); a
.docx named .doc is read as one. Changes when the Word format, or what counts as its text, does.
"""

from __future__ import annotations

from pathlib import Path

from ..document import Block, Document
from ..errors import ShenchaError
from .blocks import _rows_to_blocks
from .legacy import convert_to_docx
from .ooxml import main_part, parse_part
from .safety import _OLE, _check_zip

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _read_docx(doc: Document, data: bytes, *, converted: bool = False) -> None:
    if data[:8] == _OLE and not converted and b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d" not in data:
        _read_legacy(doc, data)  # an old binary .doc named .docx: converted like any .doc
        return
    zf = _check_zip(doc, data)
    name = main_part(doc, zf)
    root = parse_part(doc, zf, name)
    if root.tag != f"{_W}document":
        raise ShenchaError("E104", doc.path, f"{name} has root element {_local(root.tag)}, not w:document")
    body = root.find(f"{_W}body")
    if body is None:
        raise ShenchaError("E104", doc.path, f"{name} has no w:body")
    blocks: list[Block] = []
    n_par = n_tab = 0
    for el in body.iterchildren():
        tag = _local(el.tag)
        if tag == "p":
            n_par += 1
            text = _para_text(el)
            if text.strip():
                blocks.append(Block(text, "paragraph", {"paragraph": n_par}))
        elif tag == "tbl":
            n_tab += 1
            blocks.extend(_table_blocks(el, n_tab))
        elif tag == "sdt":
            for p in el.iter(f"{_W}p"):
                n_par += 1
                text = _para_text(p)
                if text.strip():
                    blocks.append(Block(text, "paragraph", {"paragraph": n_par}))
    doc.blocks = blocks
    doc.encoding = "utf-8"


def _local(tag: object) -> str:
    """An element's tag without its namespace (comments and processing instructions have no string tag)."""
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else type(tag).__name__


_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
# Text that is not the document's current text: tracked deletions, the old place of moved text, and
# the fallback copy of a drawing (text boxes come twice, as mc:Choice and mc:Fallback).
_NOT_TEXT = (f"{_W}del", f"{_W}moveFrom", f"{_MC}Fallback")


def _para_text(p) -> str:  # noqa: ANN001 - lxml element
    """A paragraph's text as Word shows it with track changes accepted: insertions kept, deletions
    (w:del, w:moveFrom) dropped; comments live in their own part and never enter the body text."""
    skip = None
    if next(p.iter(*_NOT_TEXT), None) is not None:
        skip = {n for bad in p.iter(*_NOT_TEXT) for n in bad.iter()}  # held: lxml keeps these proxies
    out = []
    for node in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br"):
        if skip is not None and node in skip:
            continue
        tag = node.tag.rsplit("}", 1)[-1]
        out.append(node.text or "" if tag == "t" else (" " if tag == "tab" else ""))
    return "".join(out)


def _table_blocks(tbl, n_tab: int) -> list[Block]:  # noqa: ANN001 - lxml element
    rows: list[list[str]] = []
    for tr in tbl.iter(f"{_W}tr"):
        cells = []
        for tc in tr.iterchildren(f"{_W}tc"):
            cells.append("".join(_para_text(p) for p in tc.iter(f"{_W}p")).strip())
        rows.append(cells)
    return _rows_to_blocks(rows, n_tab)


def _read_legacy(doc: Document, data: bytes) -> None:
    """A .doc, .wps or .rtf file: what its bytes are decides (a .docx named .doc is read as one)."""
    suffix = Path(doc.path).suffix.lower()
    if data[:4] == b"PK\x03\x04":
        _read_docx(doc, data)
        return
    if data[:8] == _OLE:
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data:
            raise ShenchaError("E103", doc.path, "password-protected Word file")
    elif not data.lstrip()[:5].startswith(b"{\\rtf"):
        raise ShenchaError("E104", doc.path, f"not a Word, WPS or RTF file (no OLE or RTF header) despite its {suffix}")
    _read_docx(doc, convert_to_docx(data, suffix if data[:8] == _OLE else ".rtf", doc.path), converted=True)
    doc.warnings.append(f"converted from {suffix} to .docx by LibreOffice")
