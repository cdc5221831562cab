"""Ingest: txt/docx/pdf (and .doc/.wps/.rtf) -> ``Document`` with located blocks, or a coded ``ShenchaError``.

* txt: the encoding is detected from the bytes (a byte-order mark is authoritative; UTF-16/32
  without one; strict UTF-8, then strict Big5 and GB18030 ranked by how plausible the decoded
  Chinese is), never from the extension; NUL-laden text is refused.
* docx: paragraphs and tables in document order; a table row is one block, cells in order;
  track changes read as accepted, comments kept out. Every part is checked for DTDs and
  entity declarations before parsing and after (E110).
* doc, wps, rtf: converted to docx by LibreOffice in headless mode (E112 when it is missing).
* pdf: pypdfium2 reads the text layer (fast). Lines whose characters pypdfium2 returns out of
  place (quote marks drawn apart) are rebuilt from the character positions; pages with ruled
  tables, or whose lines are drawn out of order, are read with pdfplumber, which keeps table
  rows as rows. Hard line breaks are rejoined; page numbers and repeated headers/footers go.

An exception raised inside a parsing library while it reads a file means the file is malformed
(E104 with the reason); one raised in Shencha's own code is a bug (E199, by the orchestrator).
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

from . import lang_zh as zh
from .document import Block, Document
from .errors import ShenchaError

# Legacy word-processor files are converted to .docx by LibreOffice in headless mode (E112 without it).
LEGACY = {".doc": "doc", ".wps": "wps", ".rtf": "rtf"}
SUPPORTED = {".txt": "txt", ".text": "txt", ".docx": "docx", ".pdf": "pdf", **LEGACY}
CONVERT_TIMEOUT = 120.0  # seconds LibreOffice may take to convert one file
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_PDF_PAGES = 2000
MAX_UNZIPPED = 200 * 1024 * 1024
MAX_ZIP_RATIO = 200
MAX_ZIP_MEMBERS = 5000  # a .docx has a few dozen parts; millions of entries exhaust memory before parsing
MAX_XML_PROLOG = 1024 * 1024  # bytes of XML declaration/comments allowed before the root element
MAX_PDF_CHARS = 10_000_000  # text a PDF may yield

# The most frequent Chinese characters (simplified): a decoding that yields Chinese text full
# of them is more plausible than one that yields rare characters.
_COMMON = set(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性"
    "好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第"
    "向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管"
    "特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处"
    "队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单"
    "风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土"
    "许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省"
    "列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置"
    "派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞镇村乡领导班子问题整改落实措施责任承诺"
    "学习实践科学发展观活动干部群众意见建议检查报告方案会议工作服务企业项目经济民生稳定纠纷信访安全"
)
_PAGE_NO = zh.PAGE_NUMBER_LINE
_OPEN_MARK = zh.LINE_OPENS_ITEM
_CLOSE_PUNCT = "。，、；：？！”’」』）)》,.;:?!"
_END_PUNCT = "。！？；：!?;:"
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


# Libraries that parse a file's bytes: an exception raised inside one of them while reading a file
# means the file is malformed (E104), whatever its type; an exception raised in Shencha's own code
# is a bug (E199). C functions have no frame, so a zlib or struct error counts for its Python caller.
PARSER_PACKAGES = frozenset({"zipfile", "zlib", "lxml", "docx", "xml", "pypdfium2", "pdfplumber", "pdfminer",
                             "PIL", "codecs", "encodings", "_compression", "gzip", "bz2", "lzma"})


def parser_that_raised(exc: BaseException) -> str | None:
    """The parsing library (top-level package) in whose code ``exc`` was raised, or None when it is not one.

    The innermost frame of the traceback decides: a parser that fails on broken input raises from
    its own code, whereas Shencha's bugs raise from Shencha's frames.
    """
    tb = exc.__traceback__
    if tb is None:
        return None
    while tb.tb_next is not None:
        tb = tb.tb_next
    module = str(tb.tb_frame.f_globals.get("__name__", ""))
    top = module.split(".", 1)[0]
    return top if top in PARSER_PACKAGES else None


def _one_line(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


# --------------------------------------------------------------------------- txt

_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ue000-\uf8ff]")


def _too_many_controls(text: str) -> bool:
    sample = text[:20000]
    return bool(sample) and len(_CONTROLS.findall(sample)) / len(sample) > 0.01


def _plausibility(text: str) -> float:
    """Share of CJK characters that are common ones; negative when control bytes abound."""
    sample = text[:20000]
    if not sample:
        return 0.0
    controls = sum(1 for ch in sample if unicodedata.category(ch) in ("Cc", "Co", "Cn") and ch not in "\r\n\t\f")
    if controls / len(sample) > 0.01:
        return -1.0
    from .normalise import (
        to_simplified,  # local: normalise is the next stage, used here only to rank decodings
    )

    cjk = [ch for ch in to_simplified(sample) if "\u3400" <= ch <= "\u9fff"]
    if not cjk:
        letters = sum(1 for ch in sample if ch.isprintable() or ch in "\r\n\t")
        return 0.3 if letters / len(sample) > 0.98 else -1.0
    return sum(1 for ch in cjk if ch in _COMMON) / len(cjk)


def decode_text(data: bytes, path: str | Path = "<bytes>") -> tuple[str, str]:
    """Decode text bytes, detecting the encoding.

    A byte-order mark (UTF-8, UTF-16, UTF-32) is authoritative: the text must decode in its
    encoding, or E106. Bytes with NULs and no mark are tried as UTF-16/32; decoded text with
    more than ``MAX_NUL_SHARE`` NUL characters is refused (E106), never screened as garbage.
    Otherwise UTF-8 is taken when it decodes strictly. Otherwise strict Big5
    (cp950) and GB18030 are both tried and the more plausible Chinese wins: GB18030 decodes
    Big5 bytes without error, so the first decoder that succeeds is not enough. A file mixing
    encodings line by line is decoded line by line.

    Returns:
        ``(text, encoding)``.

    Raises:
        ShenchaError: E106 when no encoding gives plausible text.
    """
    text, enc = _decode(data, path)
    return _refuse_nuls(text, enc, path), enc


def _decode(data: bytes, path: str | Path) -> tuple[str, str]:
    bom_enc = _bom_encoding(data)
    if bom_enc is not None:
        bom, enc = bom_enc
        try:
            return data[len(bom):].decode(enc), enc
        except UnicodeDecodeError as exc:
            name = enc.removesuffix("-sig").upper()
            raise ShenchaError("E106", path, f"starts with a {name} byte-order mark but is not {name} "
                                             f"(byte {exc.start + len(bom)}: {exc.reason})") from exc
    if b"\x00" in data:
        return _decode_nul_laden(data, path)
    try:
        text = data.decode("utf-8")
        if not _too_many_controls(text):
            return text, "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for enc in ("cp950", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        candidates.append((_plausibility(text), enc, text))
    if candidates:
        score, enc, text = max(candidates)
        if score >= 0.35:
            return text, "big5" if enc == "cp950" else enc
    mixed = _decode_mixed(data)
    if mixed is not None:
        return mixed, "mixed"
    raise ShenchaError("E106", path, "no encoding gave readable Chinese text")


# Byte-order marks, longest first (a UTF-32-LE mark begins with the UTF-16-LE one). A mark is
# authoritative: text that does not decode in its encoding is refused, never guessed at.
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xef\xbb\xbf", "utf-8-sig"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
MAX_NUL_SHARE = 0.001  # NUL characters allowed (and dropped, with a warning) in decoded text


def _bom_encoding(data: bytes) -> tuple[bytes, str] | None:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            if enc == "utf-32-le" and len(data) % 4:
                return b"\xff\xfe", "utf-16-le"  # a UTF-16 text whose first character is U+0000
            return bom, enc
    return None


def _refuse_nuls(text: str, enc: str, path: str | Path) -> str:
    """``text``, unless NUL characters make up more than ``MAX_NUL_SHARE`` of it (then E106)."""
    nuls = text.count("\x00")
    if nuls and nuls > MAX_NUL_SHARE * len(text):
        raise ShenchaError("E106", path, f"decodes as {enc} to text with {nuls:,} NUL characters in {len(text):,}; "
                                         "UTF-16 or UTF-32 without a byte-order mark?")
    return text


def _decode_nul_laden(data: bytes, path: str | Path) -> tuple[str, str]:
    """Bytes with NULs and no byte-order mark: UTF-16 or UTF-32 if one of them reads as plausible text, else E106."""
    candidates = []
    for enc in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            continue
        candidates.append((_plausibility(text), enc, text))
    if candidates:
        score, enc, text = max(candidates)
        if score >= 0.35:
            return text, enc
    nuls = data.count(b"\x00")
    if nuls <= MAX_NUL_SHARE * len(data):
        text, enc = _decode(data.replace(b"\x00", b""), path)
        return text, enc
    raise ShenchaError("E106", path, f"{nuls:,} NUL bytes in {len(data):,} and no byte-order mark; "
                                     "not readable as UTF-8, UTF-16, UTF-32, GB18030 or Big5")


def _decode_mixed(data: bytes) -> str | None:
    lines = data.split(b"\n")
    out, good = [], 0
    for raw in lines:
        best: tuple[float, str] | None = None
        for enc in ("utf-8", "cp950", "gb18030"):
            try:
                t = raw.decode(enc)
            except UnicodeDecodeError:
                continue
            s = _plausibility(t) if t.strip() else 1.0
            if best is None or s > best[0]:
                best = (s, t)
        if best is None or best[0] < 0.35:
            out.append(raw.decode("utf-8", "replace"))
        else:
            good += 1
            out.append(best[1])
    if lines and good / len(lines) >= 0.9:
        return "\n".join(out)
    return None


def _read_txt(doc: Document, data: bytes) -> None:
    text, enc = decode_text(data, doc.path)
    doc.encoding = enc
    if "\x00" in text or (b"\x00" in data and not enc.startswith(("utf-16", "utf-32"))):
        doc.warnings.append(f"{max(text.count(chr(0)), data.count(bytes(1)))} NUL character(s) dropped")
        text = text.replace("\x00", "")
    if enc == "mixed":
        doc.warnings.append("lines in more than one encoding; each line decoded on its own")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    lines = [ln.rstrip() for ln in text.split("\n")]
    paras = _rejoin(lines) if _looks_hard_wrapped(lines) else [ln for ln in lines if ln.strip()]
    doc.blocks = [Block(t, "paragraph", {"paragraph": i + 1}) for i, t in enumerate(paras)]


def _looks_hard_wrapped(lines: list[str]) -> bool:
    body = [ln.strip() for ln in lines if len(ln.strip()) >= 20]
    if len(body) < 4:
        return False
    open_ended = sum(1 for ln in body if ln[-1] not in _END_PUNCT + "”」")
    return open_ended / len(body) > 0.4


def _rejoin(lines: list[str], width: int | None = None) -> list[str]:
    """Rejoin hard-wrapped lines into paragraphs (see ``_rejoin_indexed``)."""
    return [text for _, text in _rejoin_indexed(lines, width)]


def _rejoin_indexed(lines: list[str], width: int | None = None) -> list[tuple[int, str]]:
    """Rejoin hard-wrapped lines into paragraphs, each with the index of its first line.

    A line ends its paragraph when it ends a sentence or a colon, or when it is clearly shorter
    than a full line; the next line starts a new paragraph when it opens with an outline or
    item marker. A line that opens with closing punctuation always continues the previous one.
    """
    lines = [ln.strip() for ln in lines]
    lengths = [len(ln) for ln in lines if len(ln) >= 10]
    if width is None:
        width = max(lengths) if lengths else 0
    paras: list[tuple[int, str]] = []
    cur, first, last_len = "", 0, 0
    for i, ln in enumerate(lines):
        if not ln:
            if cur:
                paras.append((first, cur))
                cur = ""
            continue
        ends = cur and (cur[-1] in "。！？!?" or cur.endswith(("：", ":")) or (width and last_len < 0.8 * width))
        if cur and ln[0] in _CLOSE_PUNCT:
            cur += ln
        elif cur and not ends and not _OPEN_MARK.match(ln):
            cur += _joiner(cur, ln) + ln
        else:
            if cur:
                paras.append((first, cur))
            cur, first = ln, i
        last_len = len(ln)
    if cur:
        paras.append((first, cur))
    return paras


def _joiner(a: str, b: str) -> str:
    """Join wrapped lines without a space, except between two Latin words."""
    return " " if a[-1:].isascii() and a[-1:].isalpha() and b[:1].isascii() and b[:1].isalpha() else ""


# --------------------------------------------------------------------------- doc, wps, rtf (LibreOffice)

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_LO_PROFILE: list[str] = []  # one LibreOffice user profile per process: concurrent workers never share one


def soffice_path() -> str | None:
    """The LibreOffice executable (``$SHENCHA_SOFFICE``, else ``soffice``/``libreoffice`` on PATH), or None."""
    import os
    import shutil

    env = os.environ.get("SHENCHA_SOFFICE")
    if env is not None:
        return env or None  # set but empty: conversion switched off
    return shutil.which("soffice") or shutil.which("libreoffice")


def _kill_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """The converter dies with the worker that started it (a worker killed for its time limit leaves none behind)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def convert_to_docx(data: bytes, suffix: str, path: str | Path, *, timeout: float | None = None) -> bytes:
    """``data`` (a .doc, .wps or .rtf file) converted to .docx by LibreOffice in headless mode.

    Raises:
        ShenchaError: E112 without LibreOffice, E109 past ``timeout`` (default ``CONVERT_TIMEOUT``),
            E104 when LibreOffice cannot convert the file.
    """
    import atexit
    import os
    import shutil
    import subprocess
    import tempfile

    exe = soffice_path()
    if exe is None:
        raise ShenchaError("E112", path, "LibreOffice (soffice) is not installed; set SHENCHA_SOFFICE to its path")
    if not _LO_PROFILE:
        _LO_PROFILE.append(tempfile.mkdtemp(prefix="shencha-lo-profile-"))
        atexit.register(shutil.rmtree, _LO_PROFILE[0], True)
    limit = CONVERT_TIMEOUT if timeout is None else timeout
    with tempfile.TemporaryDirectory(prefix="shencha-convert-") as tmp:
        src = Path(tmp) / f"in{suffix}"
        src.write_bytes(data)
        cmd = [exe, f"-env:UserInstallation=file://{_LO_PROFILE[0]}", "--headless", "--norestore", "--nologo",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(Path(tmp) / "out"), str(src)]
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=limit,
                                  preexec_fn=_kill_with_parent if os.name == "posix" else None)  # noqa: PLW1509
        except subprocess.TimeoutExpired as exc:
            raise ShenchaError("E109", path, f"LibreOffice took more than {limit:g} s to convert it") from exc
        except OSError as exc:
            raise ShenchaError("E112", path, f"LibreOffice ({exe}) could not be started: {exc.strerror or exc}") from exc
        out = Path(tmp) / "out" / "in.docx"
        if not out.is_file() or out.stat().st_size == 0:
            lines = (proc.stderr or proc.stdout or b"").decode("utf-8", "replace").splitlines()
            said = " ".join(" ".join(ln for ln in lines if not ln.startswith("Warning:")).split())[:200]
            raise ShenchaError("E104", path, "LibreOffice could not convert it" + (f": {said}" if said else ""))
        return out.read_bytes()


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


# --------------------------------------------------------------------------- docx

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


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


def _read_docx(doc: Document, data: bytes, *, converted: bool = False) -> None:
    if data[:8] == _OLE and not converted and b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d" not in data:
        _read_legacy(doc, data)  # an old binary .doc named .docx: converted like any .doc
        return
    _check_zip(doc, data)
    import docx  # python-docx

    try:
        d = docx.Document(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds on broken parts
        raise ShenchaError("E104", doc.path, f"python-docx could not open it: {type(exc).__name__}: {_one_line(exc)}") from exc
    _check_parsed_parts(doc, d)
    root = d.element
    if root.tag != f"{_W}document":
        raise ShenchaError("E104", doc.path, f"word/document.xml has root element {_local(root.tag)}, not w:document")
    body = root.find(f"{_W}body")
    if body is None:
        raise ShenchaError("E104", doc.path, "word/document.xml has no w:body")
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


def _rows_to_blocks(rows: list[list[str]], n_tab: int, page: int | None = None,
                    header: list[str] | None = None) -> list[Block]:
    blocks = []
    for i, cells in enumerate(rows):
        if not any(c.strip() for c in cells):
            continue
        loc = {"table": n_tab, "row": i + 1}
        if page is not None:
            loc["page"] = page
        is_header = header is None and i == 0 and _is_header_row(cells)
        blocks.append(Block("｜".join(cells), "table_row", loc, cells=cells, header=None if is_header else header))
        if is_header:
            header = cells
    return blocks


_HEADER_WORDS = ("序号", "序號", "项目", "項目", "目标", "目標", "措施", "时限", "時限", "责任", "責任", "时间", "時間",
                 "问题", "問題", "内容", "內容", "单位", "單位", "部门", "部門", "备注", "備註", "完成")


def _is_header_row(cells: list[str]) -> bool:
    filled = [c for c in cells if c.strip()]
    if len(filled) < 2:
        return False
    hits = sum(1 for c in filled if len(c) <= 8 and any(w in c for w in _HEADER_WORDS))
    return hits >= max(2, len(filled) // 2)


# --------------------------------------------------------------------------- pdf

# Characters that PDF producers often draw apart from the text around them (another font, a
# separate run): where pypdfium2's character order can go backwards along a line.
_MOVABLE = set("“”‘’「」『』《》〈〉（）()【】〔〕\"'")
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
    # raw calls: the object wrappers of ``page.get_objects`` cost more than the page's text (LibreOffice
    # exports hold hundreds of text objects per page)
    for k in range(pdfium_c.FPDFPage_CountObjects(raw)):
        obj = pdfium_c.FPDFPage_GetObject(raw, k)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        seen += 1
        if seen > MAX_PATHS_CHECKED:
            return True
        if not pdfium_c.FPDFPageObj_GetBounds(obj, *refs):
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
    raw = tp.raw

    def origin(i: int) -> tuple[float, float]:
        pdfium_c.FPDFText_GetCharOrigin(raw, i, ctypes.byref(x), ctypes.byref(y))
        return x.value, y.value

    # lines as pdfium breaks them (generated CR LF)
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\n|\r", text)]
    ends = [m.start() for m in re.finditer(r"\r\n|\n|\r", text)] + [len(text)]
    lines = [(a, b) for a, b in zip(starts, ends, strict=True) if b > a]
    # 1. lines that go back up the page (not a new column to the right)
    prev: tuple[float, float] | None = None
    for a, b in lines:
        first = next((i for i in range(a, b) if not text[i].isspace()), None)
        if first is None:
            continue
        fx, fy = origin(first)
        if prev is not None and fy > prev[1] + 2 and fx <= prev[0] + 50:
            return text, "plumber"
        prev = (fx, fy)
    # 2. characters out of place along a line: the real characters next to quotes, brackets and spaces,
    # taken in text order, must not go back to the left where they are neighbours in the text
    bad: list[tuple[int, int]] = []
    for a, b in lines:
        near = sorted({j for i in range(a, b) if text[i] in _MOVABLE or text[i] == " "
                       for j in (i - 1, i, i + 1) if a <= j < b and not text[j].isspace()})
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


def _read_pdf(doc: Document, data: bytes) -> None:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise ShenchaError("E104", doc.path, "no %PDF header")
    _check_pdf_streams(doc, data)
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
            else:
                text, how = _page_text(tp, text)
                reordered += how == "reordered"
                pages.append((text, how == "plumber" or _has_ruled_table(page)))
            tp.close()
            page.close()
    finally:
        pdf.close()
    all_text = "".join(t for t, _ in pages)
    if not all_text.strip():
        raise ShenchaError("E102", doc.path, f"{n} page(s), {images} image(s), no text" if images else f"{n} page(s), no text")
    _check_glyphs(doc, all_text)
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


# Characters a Chinese text layer plausibly holds: Latin, general punctuation, enclosed numbers, CJK
# punctuation and ideographs, full-width forms, radicals, letterlike symbols, arrows, shapes.
_PLAUSIBLE = ("\u0020-\u007e\u00a0-\u024f\u2000-\u206f\u2460-\u24ff\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
              "\u2e80-\u2fdf\u3200-\u33ff\u2100-\u23ff\u25a0-\u27bf\uf900-\ufaff\U00020000-\U0002ffff")
_IMPLAUSIBLE = re.compile(f"[^\\s{_PLAUSIBLE}]")
_VISIBLE = re.compile(r"\S")


def _check_glyphs(doc: Document, text: str) -> None:
    """Refuse text made of unmapped glyphs: U+FFFD, (cid:NN), or glyph ids read as code points
    (control characters, private-use and other implausible characters)."""
    sample = text[:50000]
    visible = len(_VISIBLE.findall(sample))
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


def _cell(c: str | None) -> str:
    if not c:
        return ""
    parts = [p.strip() for p in c.split("\n")]
    out = ""
    for p in parts:
        out += (_joiner(out, p) if out else "") + p
    return out


def _pdf_blocks(page_items: list[list[tuple[str, object]]]) -> list[Block]:
    """Drop page numbers and running headers/footers, rejoin lines, merge table rows split by a page break."""
    n_pages = len(page_items)
    edge: Counter[str] = Counter()
    if n_pages >= 3:
        for items in page_items:
            lines = [str(v).strip() for k, v in items if k == "line" and str(v).strip()]
            for ln in set(lines[:2] + lines[-2:]):
                edge[re.sub(r"\d+", "#", ln)] += 1
    repeated = {k for k, c in edge.items() if c >= max(3, n_pages // 2 + 1) and len(k) < 60}
    blocks: list[Block] = []
    n_tab = 0
    last_table: tuple[int, list[str]] | None = None  # (block index of last row, header)
    buf: list[tuple[int, str]] = []  # (page, line); paragraphs run on across page breaks

    def flush() -> None:
        for idx, para in _rejoin_indexed([ln for _, ln in buf], width):
            blocks.append(Block(para, "line", {"page": buf[idx][0]}))
        buf.clear()

    lens = [len(str(v).strip()) for items in page_items for k, v in items if k == "line" and len(str(v).strip()) >= 10]
    width = max(lens) if lens else 0
    for pno, items in enumerate(page_items, 1):
        for kind, val in items:
            if kind == "line":
                ln = str(val).strip()
                if not ln or _PAGE_NO.match(ln) or re.sub(r"\d+", "#", ln) in repeated:
                    continue
                buf.append((pno, ln))
                last_table = None
            else:
                rows = list(val)  # type: ignore[arg-type]
                if not buf and last_table is not None and rows and _is_continuation(rows[0], blocks[last_table[0]]):
                    _merge_row(blocks[last_table[0]], rows.pop(0))
                    new = _rows_to_blocks(rows, n_tab, pno, header=last_table[1])
                else:
                    flush()
                    n_tab += 1
                    new = _rows_to_blocks(rows, n_tab, pno)
                blocks.extend(new)
                if blocks and blocks[-1].kind == "table_row":
                    hdr = blocks[-1].header or blocks[-1].cells or []
                    last_table = (len(blocks) - 1, hdr)
    flush()
    return blocks


def _is_continuation(row: list[str], prev: Block) -> bool:
    return bool(prev.cells) and len(row) == len(prev.cells or []) and not row[0].strip() and any(c.strip() for c in row)


def _merge_row(block: Block, row: list[str]) -> None:
    cells = [a + _joiner(a, b) + b if b else a for a, b in zip(block.cells or [], row, strict=False)]
    block.cells = cells
    block.text = "｜".join(cells)
