"""Defences against hostile files, checked before a parser sees them: zip bombs and endless archives,
XML parts with a DTD or entity declarations (before parsing and again on what was parsed), and PDFs
whose Flate streams inflate past the limit (E110). Changes when a new attack is met.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from ..document import Document
from ..errors import ShenchaError
from .failures import _one_line
from .limits import MAX_UNZIPPED, MAX_XML_PROLOG, MAX_ZIP_MEMBERS, MAX_ZIP_RATIO

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PROLOG_SKIP = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_XML_START = re.compile(rb"(?:\xef\xbb\xbf|\xff\xfe|\xfe\xff)?\s*<")


_HEAD = 4 * 1024  # bytes of a member looked at first: a part's prolog nearly always ends within them
_MORE = "more"  # the verdict of a head that ends before the prolog does: the member is read as far as the limit


def _prolog_verdict(head: bytes, filename: str, whole: bool) -> str | None:
    """Why a part must not be parsed (a DTD or entity declarations, an endless prolog), or None.

    Every member is checked, whatever its name: a part is XML when its name says so or its first
    bytes do. The prolog (XML declaration, comments, processing instructions) is skipped up to the
    root element, whatever its length up to ``MAX_XML_PROLOG``; NUL bytes are dropped first so that
    UTF-16/32 parts are checked too. ``head`` is the member's first bytes: all of them up to
    ``MAX_XML_PROLOG + 1`` when ``whole``; otherwise a verdict needs the root element's start inside
    ``head``, and ``_MORE`` says the member has to be read further.
    """
    probe = head.replace(b"\x00", b"")
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
    if whole:
        if pos >= len(probe) and len(head) > MAX_XML_PROLOG:
            return f"has more than {MAX_XML_PROLOG:,} bytes before its root element"
        return None
    # the head stops inside the prolog, or too close after it to tell a DTD from a root element
    if pos + 9 > len(probe) or probe[pos : pos + 2] in (b"<!", b"<?"):
        return _MORE
    return None


def _xml_prolog_problem(zf: zipfile.ZipFile, name: str | zipfile.ZipInfo) -> str | None:
    """``_prolog_verdict`` on the first ``MAX_XML_PROLOG + 1`` bytes of a member, read by zipfile."""
    with zf.open(name) as fh:
        head = fh.read(MAX_XML_PROLOG + 1)
    return _prolog_verdict(head, name.filename if isinstance(name, zipfile.ZipInfo) else name, True)


def _member_head(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """The first ``_HEAD`` bytes of a plain member (stored or deflated, not encrypted) read straight
    from the archive's bytes, which costs a fraction of opening it through zipfile; None for any
    other member, or one whose local header does not match its directory entry or whose data is
    short or broken at its start: zipfile reads those, and raises what it raises."""
    if info.flag_bits & 0x61 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    off = info.header_offset
    local = data[off : off + 30]
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        return None
    n, extra = int.from_bytes(local[26:28], "little"), int.from_bytes(local[28:30], "little")
    try:
        name = data[off + 30 : off + 30 + n].decode("utf-8" if int.from_bytes(local[6:8], "little") & 0x800 else "cp437")
    except UnicodeDecodeError:
        return None
    if name != info.orig_filename:
        return None
    start = off + 30 + n + extra
    raw = memoryview(data)[start : start + info.compress_size]
    want = min(info.file_size, _HEAD)
    if info.compress_type == zipfile.ZIP_STORED:
        head = bytes(raw[:want])
    else:
        try:
            head = zlib.decompressobj(-15).decompress(raw, want) if want else b""
        except zlib.error:
            return None
    if len(head) < want or (want == info.file_size and zlib.crc32(head) != info.CRC):
        return None
    return head


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
            head = _member_head(data, info)
            problem = _MORE if head is None else _prolog_verdict(head, info.filename, len(head) == info.file_size)
            if problem == _MORE:
                problem = _xml_prolog_problem(zf, info)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
            raise ShenchaError("E104", doc.path, f"{info.filename}: {_one_line(exc)}") from exc
        if problem:
            raise ShenchaError("E110", doc.path, f"{info.filename} {problem}")
    return zf


def _check_parsed_parts(doc: Document, d) -> None:  # noqa: ANN001 - a python-docx Document
    """The second line of the XML safety check for a document python-docx parsed: any part with a
    document type declaration is refused (E110), in whatever encoding it hid it from the byte check.
    (Ingest parses only the parts it needs, and ``ooxml.parse_part`` checks each one the same way.)"""
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
