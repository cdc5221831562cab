"""Ingest: txt/docx/pdf (and .doc/.wps/.rtf) -> ``Document`` with located blocks, or a coded ``ShenchaError``.

* txt (``text``): the encoding is detected from the bytes (a byte-order mark is authoritative;
  UTF-16/32 without one; strict UTF-8, then strict Big5 and GB18030 ranked by how plausible the
  decoded Chinese is), never from the extension; NUL-laden text is refused.
* docx (``docx``): paragraphs and tables in document order; a table row is one block, cells in
  order; track changes read as accepted, comments kept out. Only the main part (and the two small
  parts that name it) is parsed, by a hardened lxml parser (``ooxml``); every part is checked for
  DTDs and entity declarations before parsing, and the parsed ones again after (E110, ``safety``).
* doc, wps, rtf (``legacy``): converted to docx by LibreOffice in headless mode (E112 when it is missing).
* pdf (``pdf``): pypdfium2 reads the text layer (fast; a CJK font the PDF does not embed is given an
  em-square substitute, ``pdffont``: PDFium needs only its glyph boxes). Lines whose characters
  pypdfium2 returns out of place (quote marks drawn apart) are rebuilt from the character positions; pages with ruled
  tables, or whose lines are drawn out of order, are read with pdfplumber, which keeps table
  rows as rows. Hard line breaks are rejoined; page numbers and repeated headers/footers go (``blocks``).
  Pages without a text layer (scans) are read by Tesseract when it is installed with its Chinese
  data (``ocr``; ``stats.ocr`` in the record names the pages, the engine and the models); without
  it a scanned PDF is E102, with what to install.

This package is the public API: ``ingest`` and the names other modules import from it; the limits
are in ``limits``. An exception raised inside a parsing library while it reads a file means the
file is malformed (E104 with the reason); one raised in Shencha's own code is a bug (E199, by the
orchestrator; ``failures``).
"""

from __future__ import annotations

import hashlib
import re
import sys
import types
from pathlib import Path

from ..document import Document
from ..errors import ShenchaError
from . import blocks, docx, failures, legacy, limits, ocr, ooxml, pdf, pdffont, safety, subproc, text
from .blocks import _rows_to_blocks as _rows_to_blocks
from .docx import _read_docx, _read_legacy
from .failures import PARSER_PACKAGES, _one_line, parser_that_raised
from .legacy import convert_to_docx, soffice_path
from .limits import (
    CONVERT_TIMEOUT,
    DEFAULT_MAX_BYTES,
    MAX_PDF_CHARS,
    MAX_PDF_PAGES,
    MAX_UNZIPPED,
    MAX_XML_PROLOG,
    MAX_ZIP_MEMBERS,
    MAX_ZIP_RATIO,
    OCR_PAGE_TIMEOUT,
)
from .ocr import tesseract_path
from .pdf import _read_pdf
from .safety import _check_parsed_parts as _check_parsed_parts
from .text import MAX_NUL_SHARE, _read_txt, decode_text

# ``_rows_to_blocks`` and ``_check_parsed_parts`` are re-exported for the tests, which reach them
# through the package as they did when ingest was one module.
__all__ = [
    "CONVERT_TIMEOUT", "DEFAULT_MAX_BYTES", "LEGACY", "MAX_NUL_SHARE", "MAX_PDF_CHARS", "MAX_PDF_PAGES",
    "MAX_UNZIPPED", "MAX_XML_PROLOG", "MAX_ZIP_MEMBERS", "MAX_ZIP_RATIO", "OCR_PAGE_TIMEOUT", "PARSER_PACKAGES",
    "SUPPORTED", "convert_to_docx", "decode_text", "ingest", "parser_that_raised", "sha256_bytes", "soffice_path",
    "tesseract_path",
]

# Legacy word-processor files are converted to .docx by LibreOffice in headless mode (E112 without it).
LEGACY = {".doc": "doc", ".wps": "wps", ".rtf": "rtf"}
SUPPORTED = {".txt": "txt", ".text": "txt", ".docx": "docx", ".pdf": "pdf", **LEGACY}
_CJK = re.compile(r"[\u3400-\u9fff]")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ingest(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read one file into a ``Document`` with blocks and their locators.

    Args:
        path: The file to read.
        max_bytes: Files larger than this are refused with E108.

    Returns:
        A ``Document`` with ``blocks``, ``text``, ``sha256``, ``format`` and ``encoding`` set.

    Raises:
        ShenchaError: for any file that cannot be read as text (see ``pipeline.errors``).
    """
    p = Path(path)
    try:
        if not p.is_file():
            raise ShenchaError("E100", p, _not_a_file(p))
        size = p.stat().st_size
    except OSError as exc:
        raise ShenchaError("E100", p, exc.strerror or str(exc)) from exc
    fmt = SUPPORTED.get(p.suffix.lower())
    if fmt is None:
        raise ShenchaError("E101", p, f"extension {p.suffix or '(none)'}")
    if size == 0:
        raise ShenchaError("E105", p, "0 bytes")
    if size > max_bytes:
        raise ShenchaError("E108", p, f"{size:,} bytes > {max_bytes:,}")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ShenchaError("E100", p, exc.strerror or str(exc)) from exc
    doc = Document(path=str(p), sha256=sha256_bytes(data), format=fmt, size=size)
    reader = {"txt": _read_txt, "docx": _read_docx, "pdf": _read_pdf}.get(fmt, _read_legacy)
    try:
        reader(doc, data)
    except (ShenchaError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - sorted by where it was raised: the file's parser, or Shencha
        library = parser_that_raised(exc)
        if library is None:
            raise  # Shencha's own bug: the orchestrator records E199 and logs the traceback
        raise ShenchaError("E104", p, f"{library}: {type(exc).__name__}: {_one_line(exc)}") from exc
    doc.blocks = [b for b in doc.blocks if b.text.strip()]
    if not doc.blocks or not _CJK.search("".join(b.text for b in doc.blocks[:200])) and not any(
        len(b.text.strip()) > 20 for b in doc.blocks
    ):
        raise ShenchaError("E105", p, "no text found")
    _assemble(doc)
    return doc


def _not_a_file(p: Path) -> str:
    """Why ``p``, which is not a regular file, cannot be read."""
    import os

    if p.is_dir():
        try:
            os.scandir(p).close()
        except OSError as exc:
            return f"a folder that cannot be listed: {exc.strerror or exc}"
        return "a folder, not a file"
    if p.is_symlink() and not p.exists():
        return "a symbolic link to nothing"
    return "not a regular file" if p.exists() else "no such file"


def _assemble(doc: Document) -> None:
    parts, spans, pos = [], [], 0
    for b in doc.blocks:
        b.text = b.text.strip()
        spans.append((pos, pos + len(b.text)))
        parts.append(b.text)
        pos += len(b.text) + 1
    doc.text = "\n".join(parts)
    doc.block_spans = spans


# --------------------------------------------------------------------------- one module to its users

_SUBMODULES = (blocks, docx, failures, legacy, limits, ocr, ooxml, pdf, pdffont, safety, subproc, text)


class _Package(types.ModuleType):
    """Setting a name on the package sets it where it is used, as when ingest was one module.

    ``shencha.batch`` sets ``pipeline.ingest.MAX_PDF_PAGES`` for ``--max-pages``, and tests
    monkeypatch the package's names; each submodule that holds the same object under that name
    gets the new value too (and the old one back when it is restored).
    """

    def __setattr__(self, name: str, value: object) -> None:
        missing = object()
        old = self.__dict__.get(name, missing)
        super().__setattr__(name, value)
        if old is missing or isinstance(old, types.ModuleType):
            return
        for module in _SUBMODULES:
            if vars(module).get(name, missing) is old:
                setattr(module, name, value)


sys.modules[__name__].__class__ = _Package
