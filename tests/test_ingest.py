"""Ingest: encodings detected from bytes, docx order, pdf rejoining and tables, coded errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from pipeline.errors import ShenchaError
from pipeline.ingest import decode_text, ingest

TRAD = "一、存在的突出問題\n一是產業層次偏低，全鎮326家工業企業中，勞動密集型企業佔81%，高新技術企業只有2家；二是鎮級財政過度依賴土地出讓收入。\n"
SIMP = "一、存在的突出问题\n一是产业层次偏低，全镇326家工业企业中，劳动密集型企业占81%，高新技术企业只有2家；二是镇级财政过度依赖土地出让收入。\n"


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        (SIMP, "utf-8", "utf-8"),
        (SIMP, "utf-8-sig", "utf-8-sig"),
        (SIMP, "gb18030", "gb18030"),
        (SIMP, "gbk", "gb18030"),
        (TRAD, "big5", "big5"),
        (TRAD, "utf-8", "utf-8"),
    ],
)
def test_ingest_txt_detects_encoding(make_txt, text: str, encoding: str, expected: str) -> None:
    doc = ingest(make_txt(text, encoding=encoding))
    assert doc.encoding == expected
    assert doc.text.splitlines()[0] == text.splitlines()[0]
    assert doc.blocks[1].locator == {"paragraph": 2}


def test_ingest_txt_detection_ignores_extension(make_txt) -> None:
    doc = ingest(make_txt(TRAD, name="report.text", encoding="big5"))
    assert "產業層次偏低" in doc.text


def test_decode_big5_not_garbled_as_gb18030() -> None:
    # GB18030 decodes these Big5 bytes without error; the decoder must still pick Big5.
    data = TRAD.encode("big5")
    data.decode("gb18030")
    text, enc = decode_text(data)
    assert enc == "big5" and text == TRAD


def test_decode_mixed_encodings_line_by_line() -> None:
    data = SIMP.splitlines()[0].encode("gb18030") + b"\n" + TRAD.splitlines()[1].encode("big5") + b"\n"
    data += "三是抓落实不够有力，跟踪督办不到位。\n".encode()
    text, enc = decode_text(data)
    assert enc == "mixed"
    assert "產業層次偏低" in text and "存在的突出问题" in text and "跟踪督办" in text


def test_ingest_txt_rejoins_hard_wrapped_lines(make_txt) -> None:
    para = "近年来全镇经济社会保持了较快发展，" * 6 + "但对照科学发展观的要求还存在不少问题。"
    wrapped = "\n".join(para[i : i + 30] for i in range(0, len(para), 30))
    doc = ingest(make_txt("二、存在的问题\n" + wrapped + "\n一是产业层次偏低。\n"))
    assert [b.text for b in doc.blocks] == ["二、存在的问题", para, "一是产业层次偏低。"]


def test_ingest_docx_keeps_paragraphs_and_table_rows_in_order(make_docx) -> None:
    table = [["序號", "整改項目", "完成時限", "責任單位"], ["1", "緩解融資難", "2009年9月底前", "鎮經濟發展辦"]]
    doc = ingest(make_docx(["二、整改落實項目", table, "三、公開承諾"]))
    kinds = [(b.kind, b.text) for b in doc.blocks]
    assert kinds == [
        ("paragraph", "二、整改落實項目"),
        ("table_row", "序號｜整改項目｜完成時限｜責任單位"),
        ("table_row", "1｜緩解融資難｜2009年9月底前｜鎮經濟發展辦"),
        ("paragraph", "三、公開承諾"),
    ]
    assert doc.blocks[2].header == table[0] and doc.blocks[2].cells == table[1]
    assert doc.blocks[2].locator == {"table": 1, "row": 2}


def test_ingest_pdf_rejoins_lines_and_drops_page_numbers_and_headers(make_pdf) -> None:
    para = "一是文山會海問題仍然突出，去年鎮委、鎮政府共發文186份，召開各類會議240多次，班子成員下村入企調研的時間偏少。"
    pages = [["二、存在的突出問題", para], ["三、原因分析", "一是思想解放不夠，存在“小富即安”的思想。"],
             ["四、整改措施", "一是由鎮黨政辦負責，7月底前出臺會議和文件管理辦法。"]]
    doc = ingest(make_pdf(pages, header="橫嶺鎮學習實踐活動材料"))
    texts = [b.text for b in doc.blocks]
    assert para in texts
    assert "一是思想解放不夠，存在“小富即安”的思想。" in texts
    assert not any("- 1 -" in t or "學習實踐活動材料" == t for t in texts)
    assert doc.blocks[texts.index(para)].locator == {"page": 1}


def test_ingest_pdf_table_rows_come_back_as_rows(make_pdf) -> None:
    rows = [["序号", "整改项目", "整改措施", "完成时限", "责任单位"],
            ["1", "缓解中小企业融资难", "联合镇内3家银行设立2000万元融资担保资金", "2009年9月底前", "镇经济发展办"],
            ["2", "精简会议和文件", "出台镇机关会议和文件管理办法", "2009年12月底前", "镇党政办"]]
    doc = ingest(make_pdf([["二、整改项目", rows, "三、公开承诺"]]))
    table = [b for b in doc.blocks if b.kind == "table_row"]
    assert [b.cells for b in table] == rows
    assert table[1].header == rows[0]
    assert doc.stats["pdf_pages_pdfplumber"] == 1


# ------------------------------------------------------------------ bad input: coded errors


def _code(path: Path) -> str:
    with pytest.raises(ShenchaError) as err:
        ingest(path)
    assert path.name in err.value.message
    return err.value.code


def test_error_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    assert _code(p) == "E105"


def test_error_whitespace_only(tmp_path: Path) -> None:
    p = tmp_path / "blank.docx"
    from tests.conftest import build_docx

    build_docx(p, ["", "   "])
    assert _code(p) == "E105"


def test_error_unknown_encoding_random_bytes(tmp_path: Path) -> None:
    import random

    rnd = random.Random(7)
    p = tmp_path / "noise.txt"
    p.write_bytes(bytes(rnd.randrange(256) for _ in range(4000)))
    assert _code(p) == "E106"


def test_error_unsupported_type(tmp_path: Path) -> None:
    p = tmp_path / "sheet.xlsx"
    p.write_bytes(b"PK\x03\x04whatever")
    assert _code(p) == "E101"


def test_error_corrupt_docx(tmp_path: Path) -> None:
    p = tmp_path / "broken.docx"
    p.write_bytes(b"this is not a zip file at all")
    assert _code(p) == "E104"


def test_error_docx_without_document_part(tmp_path: Path) -> None:
    p = tmp_path / "hollow.docx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hello.txt", "hi")
    assert _code(p) == "E104"


def test_error_corrupt_pdf(tmp_path: Path) -> None:
    p = tmp_path / "broken.pdf"
    p.write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 50)
    assert _code(p) == "E104"


def test_error_encrypted_pdf(tmp_path: Path) -> None:
    import pypdfium2  # noqa: F401 - ensure the reader is present
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    p = tmp_path / "locked.pdf"
    c = canvas.Canvas(str(p), encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    c.drawString(72, 720, "confidential")
    c.save()
    assert _code(p) == "E103"


def test_error_scanned_pdf_without_text_layer(tmp_path: Path) -> None:
    import io
    import struct
    import zlib

    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    def png(w: int, h: int) -> bytes:
        raw = b"".join(b"\x00" + bytes([200, 200, 200]) * w for _ in range(h))
        def chunk(t: bytes, d: bytes) -> bytes:
            return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

    p = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(p))
    c.drawImage(ImageReader(io.BytesIO(png(40, 40))), 72, 500, 300, 300)
    c.save()
    assert _code(p) == "E102"


def test_error_encrypted_docx(tmp_path: Path) -> None:
    p = tmp_path / "locked.docx"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64)
    assert _code(p) == "E103"


def _cid_pdf(path: Path, n: int = 60) -> Path:
    """A PDF whose CID font has no ToUnicode map: its text extracts as (cid:NN) or stray code points."""
    content = b"BT /F1 12 Tf 72 720 Td <" + b"".join(b"%04X" % (0x1000 + i * 7) for i in range(n)) + b"> Tj ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /MySong /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /MySong /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity)"
        b" /Supplement 0 >> /FontDescriptor 7 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /MySong /Flags 4 /FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 880"
        b" /Descent -120 /CapHeight 700 /StemV 80 >>",
    ]
    out = b"%PDF-1.4\n"
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offs)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(out)
    return path


def test_error_garbled_pdf_glyphs(tmp_path: Path) -> None:
    assert _code(_cid_pdf(tmp_path / "cid.pdf")) == "E107"


def test_error_missing_file(tmp_path: Path) -> None:
    assert _code(tmp_path / "nope.txt") == "E100"


def test_error_too_large(make_txt) -> None:
    p = make_txt("存在的问题。" * 100)
    with pytest.raises(ShenchaError) as err:
        ingest(p, max_bytes=100)
    assert err.value.code == "E108"
