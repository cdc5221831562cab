"""Malformed containers (E104, never E199), unsafe XML in any docx part (E110), BOMs and NULs in text (E106)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from pipeline.errors import ShenchaError
from pipeline.ingest import decode_text, ingest, parser_that_raised
from tests import bulk_helpers as H
from tests.conftest import build_docx

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def _rewrite_docx(path: Path, replace: dict[str, bytes], rename: dict[str, str] | None = None) -> Path:
    """A python-docx document with some parts replaced (and some renamed, the relationships following)."""
    src = build_docx(path.with_suffix(".src.docx"), H.REPORT.split("\n"))
    with zipfile.ZipFile(src) as zin:
        parts = {n: zin.read(n) for n in zin.namelist()}
    src.unlink()
    parts.update(replace)
    for old, new in (rename or {}).items():
        parts[new] = parts.pop(old)
        short_old, short_new = old.split("/", 1)[1], new.split("/", 1)[1]
        for rels in [n for n in parts if n.endswith(".rels")]:
            parts[rels] = parts[rels].replace(short_old.encode(), short_new.encode())
        ct = "[Content_Types].xml"
        parts[ct] = parts[ct].replace(f'PartName="/{old}"'.encode(), f'PartName="/{new}"'.encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)
    return path


def _code(path: Path) -> tuple[str, str]:
    with pytest.raises(ShenchaError) as info:
        ingest(path)
    return info.value.code, info.value.detail


# ------------------------------------------------------------------ class 1: malformed containers are E104


@pytest.mark.parametrize(("xml", "reason"), [
    (f"{DECL}<w:document {W}></w:document>", "no w:body"),
    (f"{DECL}<w:body {W}><w:p><w:r><w:t>{H.PARA}</w:t></w:r></w:p></w:body>", "root element body"),
    (f"{DECL}<foo><w:body {W}><w:p><w:r><w:t>{H.PARA}</w:t></w:r></w:p></w:body></foo>", "root element foo"),
    (f"{DECL}<w:document {W}><w:body><w:p><w:r><w:t>{H.PARA}</w:t></w:r></w:p>", "not well-formed XML"),  # cut short
])
def test_docx_with_a_broken_main_part_is_corrupt(tmp_path: Path, xml: str, reason: str) -> None:
    code, detail = _code(_rewrite_docx(tmp_path / "broken.docx", {"word/document.xml": xml.encode()}))
    assert code == "E104" and reason in detail


def test_docx_member_compressed_with_an_unknown_method_is_corrupt(tmp_path: Path) -> None:
    p = _rewrite_docx(tmp_path / "method.docx", {})
    data = bytearray(p.read_bytes())
    for sig, off in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # compression method 99 (AES) everywhere
        start = 0
        while (i := data.find(sig, start)) >= 0:
            data[i + off : i + off + 2] = (99).to_bytes(2, "little")
            start = i + 4
    p.write_bytes(bytes(data))
    assert _code(p)[0] == "E104"


_PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>"


@pytest.mark.parametrize("objects", [
    # a page tree whose Kids contain the tree itself: pdfium counts pages it cannot load
    [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>", _PAGE,
     H._stream(b"BT ET")],
    # a Count that lies, and a Kid that does not exist
    [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 5 >>", _PAGE, H._stream(b"BT ET")],
    [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [9 0 R] /Count 1 >>"],
], ids=["kids-loop", "count-lies", "missing-kid"])
def test_pdf_whose_pages_cannot_load_is_corrupt(tmp_path: Path, objects: list[bytes]) -> None:
    code, detail = _code(H.write_raw_pdf(tmp_path / "loop.pdf", objects))
    assert code == "E104" and "pdfium" in detail


def test_pdf_object_streams_in_a_loop_are_corrupt_or_empty(tmp_path: Path) -> None:
    """Two object streams that extend each other, holding the page tree: never an internal error."""
    import zlib

    def objstm(num: int, body: bytes, extends: int) -> bytes:
        head = f"{num} 0 ".encode()
        data = zlib.compress(head + body)
        return (f"<< /Type /ObjStm /N 1 /First {len(head)} /Extends {extends} 0 R /Filter /FlateDecode "
                f"/Length {len(data)} >>\nstream\n").encode() + data + b"\nendstream"

    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"null", objstm(2, b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>", 4),
            objstm(6, b"<< /Length 5 >>", 3), _PAGE.replace(b"4 0 R", b"6 0 R")]
    code, _ = _code(H.write_raw_pdf(tmp_path / "objstm.pdf", objs))
    assert code in ("E104", "E102")


def test_parser_errors_are_told_from_shenchas_own() -> None:
    import zipfile as zf_mod

    try:
        zf_mod.ZipFile(__import__("io").BytesIO(b"not a zip"))
    except zf_mod.BadZipFile as exc:
        assert parser_that_raised(exc) == "zipfile"
    try:
        {}["missing"]
    except KeyError as exc:
        assert parser_that_raised(exc) is None  # raised here: a bug, E199


def test_a_bug_in_shencha_stays_an_internal_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, screener) -> None:
    """E104 is only for the parsers' exceptions: a failure in Shencha's own reading code is E199."""
    from pipeline import ingest as ingest_mod

    def broken(rows, n_tab, page=None, header=None):  # noqa: ANN001, ANN202
        raise KeyError("a bug")

    monkeypatch.setattr(ingest_mod, "_rows_to_blocks", broken)
    p = build_docx(tmp_path / "table.docx", [H.PARA, [["序号", "措施"], ["1", "建成服务中心"]]])
    rec = screener.screen(p)
    assert rec["errors"][0]["code"] == "E199"


# ------------------------------------------------------------------ class 2: every XML part is checked


DTD = '<!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("part", ["word/styles.xml", "word/numbering.xml", "word/settings.xml", "docProps/core.xml",
                                  "[Content_Types].xml", "word/_rels/document.xml.rels", "customXml/item1.xml"])
def test_a_dtd_in_any_docx_part_is_refused(tmp_path: Path, part: str) -> None:
    src = build_docx(tmp_path / "src.docx", [H.PARA])
    with zipfile.ZipFile(src) as z:
        xml = z.read(part)
    head, rest = xml.split(b"?>", 1) if xml.startswith(b"<?xml") else (b"", xml)
    poisoned = (head + b"?>" if head else b"") + DTD.encode() + rest
    code, detail = _code(_rewrite_docx(tmp_path / "p.docx", {part: poisoned}))
    assert code == "E110" and part in detail


def test_a_dtd_in_a_part_not_named_xml_is_refused(tmp_path: Path) -> None:
    """python-docx opens parts by content type, so a styles part stored as word/s.bin is XML too."""
    src = build_docx(tmp_path / "src.docx", [H.PARA])
    with zipfile.ZipFile(src) as z:
        styles = z.read("word/styles.xml")
    head, rest = styles.split(b"?>", 1)
    p = _rewrite_docx(tmp_path / "renamed.docx", {"word/styles.xml": head + b"?>" + DTD.encode() + rest},
                      rename={"word/styles.xml": "word/s.bin"})
    code, detail = _code(p)
    assert code == "E110" and "word/s.bin" in detail


def test_a_header_with_a_dtd_is_refused(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "中共石门镇委员会"
    d.add_paragraph(H.PARA)
    src = tmp_path / "h.docx"
    d.save(str(src))
    with zipfile.ZipFile(src) as z:
        name = next(n for n in z.namelist() if n.startswith("word/header"))
        xml = z.read(name)
    head, rest = xml.split(b"?>", 1)
    code, detail = _code(_rewrite_docx(tmp_path / "p.docx", {name: head + b"?>" + DTD.encode() + rest}))
    assert code == "E110" and name in detail


def test_parsed_parts_are_checked_after_parsing_too(tmp_path: Path) -> None:
    """The second line: a DTD that python-docx parsed is refused whatever the bytes looked like."""
    import docx

    from pipeline.document import Document
    from pipeline.ingest import _check_parsed_parts

    src = build_docx(tmp_path / "src.docx", [H.PARA])
    with zipfile.ZipFile(src) as z:
        styles = z.read("word/styles.xml")
    head, rest = styles.split(b"?>", 1)
    p = _rewrite_docx(tmp_path / "p.docx", {"word/styles.xml": head + b"?><!DOCTYPE w:styles>" + rest})
    with pytest.raises(ShenchaError) as info:
        _check_parsed_parts(Document(path=str(p)), docx.Document(str(p)))
    assert info.value.code == "E110" and "styles" in info.value.detail


def test_a_dtd_after_a_long_prolog_is_refused(tmp_path: Path) -> None:
    """A prolog longer than the first bytes looked at is read on, up to the limit."""
    src = build_docx(tmp_path / "src.docx", [H.PARA])
    with zipfile.ZipFile(src) as z:
        styles = z.read("word/styles.xml")
    head, rest = styles.split(b"?>", 1)
    padded = head + b"?><!--" + b"x" * 40000 + b"--><?pi " + b"y" * 9000 + b"?><!DOCTYPE w:styles>" + rest
    code, detail = _code(_rewrite_docx(tmp_path / "p.docx", {"word/styles.xml": padded}))
    assert code == "E110" and "word/styles.xml declares a DTD" in detail


def test_a_dtd_in_a_utf16_part_is_refused(tmp_path: Path) -> None:
    src = build_docx(tmp_path / "src.docx", [H.PARA])
    with zipfile.ZipFile(src) as z:
        settings = z.read("word/settings.xml").decode("utf-8")
    head, rest = settings.split("?>", 1)
    poisoned = (head.replace('encoding="UTF-8"', 'encoding="UTF-16"') + "?>" + DTD + rest).encode("utf-16")
    code, detail = _code(_rewrite_docx(tmp_path / "p.docx", {"word/settings.xml": poisoned}))
    assert code == "E110" and "word/settings.xml" in detail


def test_the_parsed_main_part_is_checked_for_a_dtd(tmp_path: Path) -> None:
    """The second line: the tree the main part parsed into is refused when it has a DTD."""
    from pipeline.document import Document
    from pipeline.ingest.ooxml import parse_part

    p = _rewrite_docx(tmp_path / "p.docx", {"word/document.xml": (
        f"{DECL}<!DOCTYPE w:document><w:document {W}><w:body><w:p><w:r><w:t>{H.PARA}</w:t></w:r></w:p>"
        "</w:body></w:document>").encode()})
    with zipfile.ZipFile(p) as z, pytest.raises(ShenchaError) as info:
        parse_part(Document(path=str(p)), z, "word/document.xml")
    assert info.value.code == "E110" and "word/document.xml declares a DTD" in info.value.detail


def test_a_macro_enabled_document_is_not_a_docx(tmp_path: Path) -> None:
    """As python-docx does, the main part must have the WordprocessingML document content type."""
    src = build_docx(tmp_path / "src.docx", [H.PARA])
    with zipfile.ZipFile(src) as z:
        types = z.read("[Content_Types].xml")
    main = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    docm = types.replace(main, b"application/vnd.ms-word.document.macroEnabled.main+xml")
    code, detail = _code(_rewrite_docx(tmp_path / "m.docx", {"[Content_Types].xml": docm}))
    assert code == "E104" and "macroEnabled" in detail


def test_a_docx_without_its_package_relationships_is_corrupt(tmp_path: Path) -> None:
    src = _rewrite_docx(tmp_path / "src.docx", {})
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp_path / "norels.docx", "w") as zout:
        for name in zin.namelist():
            if name != "_rels/.rels":
                zout.writestr(name, zin.read(name))
    code, detail = _code(tmp_path / "norels.docx")
    assert code == "E104" and "_rels/.rels" in detail


# ------------------------------------------------------------------ class 3: BOMs and NULs


@pytest.mark.parametrize("enc", ["utf-32", "utf-32-be-bom", "utf-16", "utf-16-be-bom", "utf-8-sig"])
def test_a_byte_order_mark_decides_the_encoding(tmp_path: Path, enc: str) -> None:
    if enc.endswith("-be-bom"):
        base = enc.removesuffix("-bom")
        data = "\ufeff".encode(base) + H.REPORT.encode(base)
    else:
        data = H.REPORT.encode(enc)
    p = tmp_path / "r.txt"
    p.write_bytes(data)
    doc = ingest(p)
    assert "\x00" not in doc.text and doc.text.startswith("中共石门镇委员会领导班子分析检查报告")
    assert doc.encoding.split("-")[:2] == enc.split("-")[:2]


def test_a_byte_order_mark_that_lies_is_an_error_not_a_guess() -> None:
    data = b"\xff\xfe\x00\x00" + H.REPORT.encode("utf-32-le")[:-2]  # a UTF-32 mark, a torn last character
    with pytest.raises(ShenchaError) as info:
        decode_text(data + b"\x00\x00\x00", "torn.txt")
    assert info.value.code == "E106"
    with pytest.raises(ShenchaError) as info:
        decode_text(b"\xef\xbb\xbf" + H.REPORT.encode("gb18030"), "gbk-with-bom.txt")
    assert info.value.code == "E106" and "UTF-8 byte-order mark" in info.value.detail


@pytest.mark.parametrize("enc", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_without_a_mark_are_recognised(enc: str) -> None:
    text, got = decode_text(H.REPORT.encode(enc))
    assert got == enc and text == H.REPORT


def test_nul_laden_text_is_an_error_never_a_silent_record(tmp_path: Path, screener) -> None:
    p = tmp_path / "nuls.txt"
    p.write_bytes("".join(ch + "\x00\x00" for ch in H.REPORT).encode("utf-8"))  # not UTF-16/32: NULs interleaved
    rec = screener.screen(p)
    assert [e["code"] for e in rec["errors"]] == ["E106"] and "NUL" in rec["errors"][0]["message"]
    q = tmp_path / "few.txt"
    q.write_bytes(H.REPORT.encode("utf-8") + b"\x00" + H.REPORT.encode("utf-8"))  # one stray NUL is dropped
    doc = ingest(q)
    assert "\x00" not in doc.text and doc.text.count("石门镇") == 2
    assert doc.warnings == ["1 NUL character(s) dropped"]
