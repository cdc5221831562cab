"""Defences against hostile files, checked before a parser sees them: zip bombs and endless archives,
XML parts with a DTD or entity declarations (before parsing and again on what was parsed), and PDFs
whose Flate streams inflate past the limit (E110). Changes when a new attack is met.
"""

from __future__ import annotations

import io
import re
import zipfile

from ..document import Document
from ..errors import ShenchaError
from .failures import _one_line
from .limits import MAX_UNZIPPED, MAX_XML_PROLOG, MAX_ZIP_MEMBERS, MAX_ZIP_RATIO

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PROLOG_SKIP = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_XML_START = re.compile(rb"(?:\xef\xbb\xbf|\xff\xfe|\xfe\xff)?\s*<")


def _xml_prolog_problem(zf: zipfile.ZipFile, name: str | zipfile.ZipInfo) -> str | None:
    """Why a part must not be parsed (a DTD or entity declarations, an endless prolog), or None.

    Every member is checked, whatever its name: python-docx parses a part by the content type
    its relationships give it (a header may be stored as ``word/h1.bin``), so a part is XML when
    its name says so or its first bytes do. The prolog (XML declaration, comments, processing instructions) is skipped up to the root
    element, whatever its length up to ``MAX_XML_PROLOG``; NUL bytes are dropped first so that
    UTF-16/32 parts are checked too.
    """
    with zf.open(name) as fh:
        head = fh.read(MAX_XML_PROLOG + 1)
    probe = head.replace(b"\x00", b"")
    filename = name.filename if isinstance(name, zipfile.ZipInfo) else name
    if not filename.lower().endswith((".xml", ".rels")) and not _XML_START.match(probe[:64]):
        return None  # an image or other binary part: no parser reads it as XML
    if b"<!ENTITY" in probe:
        return "declares entities"
    pos = 0
    while probe[pos : pos + 3] in (b"\xef\xbb\xbf",) or probe[pos : pos + 2] in (b"\xff\xfe", b"\xfe\xff"):
        pos += 3 if probe[pos : pos + 3] == b"\xef\xbb\xbf" else 2
    while (m := _PROLOG_SKIP.match(probe, pos)) is not None and m.end() > pos:
        pos = m.end()
    if probe.startswith(b"<!DOCTYPE", pos):
        return "declares a DTD"
    if pos >= len(probe) and len(head) > MAX_XML_PROLOG:
        return f"has more than {MAX_XML_PROLOG:,} bytes before its root element"
    return None


def _check_zip(doc: Document, data: bytes) -> zipfile.ZipFile:
    if data[:8] == _OLE:
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data:
            raise ShenchaError("E103", doc.path, "password-protected Word file")
        raise ShenchaError("E101", doc.path, "an old binary .doc, not .docx")
    eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if eocd >= 0 and len(data) >= eocd + 12:
        entries = int.from_bytes(data[eocd + 10 : eocd + 12], "little")
        if MAX_ZIP_MEMBERS < entries < 0xFFFF:
            raise ShenchaError("E110", doc.path, f"{entries:,} members in the archive")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ShenchaError("E104", doc.path, "not a valid .docx (zip) container") from exc
    if len(zf.infolist()) > MAX_ZIP_MEMBERS:
        raise ShenchaError("E110", doc.path, f"{len(zf.infolist()):,} members in the archive")
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if info.file_size > MAX_UNZIPPED or (info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO
                                             and info.file_size > 10 * 1024 * 1024):
            raise ShenchaError("E110", doc.path, f"member {info.filename} expands to {info.file_size:,} bytes")
    if total > MAX_UNZIPPED:
        raise ShenchaError("E110", doc.path, f"expands to {total:,} bytes")
    if "word/document.xml" not in zf.namelist():
        raise ShenchaError("E104", doc.path, "no word/document.xml inside")
    for info in zf.infolist():
        if info.is_dir():
            continue
        try:
            problem = _xml_prolog_problem(zf, info)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
            raise ShenchaError("E104", doc.path, f"{info.filename}: {_one_line(exc)}") from exc
        if problem:
            raise ShenchaError("E110", doc.path, f"{info.filename} {problem}")
    return zf


def _check_parsed_parts(doc: Document, d) -> None:  # noqa: ANN001 - a python-docx Document
    """Second line of the XML safety check, on what python-docx actually parsed: any part with a
    document type declaration is refused (E110), in whatever encoding it hid it from the byte check."""
    for part in d.part.package.iter_parts():
        element = getattr(part, "_element", None)
        if element is None:
            continue
        info = element.getroottree().docinfo
        if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
            raise ShenchaError("E110", doc.path, f"{str(part.partname).lstrip('/')} declares a DTD")


def _check_pdf_streams(doc: Document, data: bytes) -> None:
    """Refuse a PDF whose Flate streams inflate past ``MAX_UNZIPPED`` in all (a decompression bomb).

    Every ``stream`` is inflated in 1 MiB steps and the output counted, never kept, so memory
    stays bounded; streams that are not zlib data are skipped at their first bytes.
    """
    import zlib

    total = 0
    for m in re.finditer(rb"stream\r?\n", data):
        d = zlib.decompressobj()
        pos = m.end()
        try:
            while not d.eof and pos < len(data):
                chunk = data[pos : pos + 65536]
                pos += len(chunk)
                total += len(d.decompress(chunk, 1 << 20))
                while d.unconsumed_tail and total <= MAX_UNZIPPED:
                    total += len(d.decompress(d.unconsumed_tail, 1 << 20))
                if total > MAX_UNZIPPED:
                    raise ShenchaError("E110", doc.path, f"its streams inflate to more than {MAX_UNZIPPED:,} bytes")
        except zlib.error:
            continue
