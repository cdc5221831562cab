"""Builders for the bulk and hostile-input tests: real bombs, entity tricks, raw PDFs, odd names."""

from __future__ import annotations

import os
import random
import zipfile
import zlib
from pathlib import Path

from tests.conftest import build_docx, build_pdf

PARA = ("一是产业层次偏低，全镇326家工业企业中，劳动密集型企业占81%，高新技术企业只有2家；"
        "二是镇级财政过度依赖土地出让收入，去年土地收入占镇可支配财力的42%。")
REPORT = "\n".join([
    "中共石门镇委员会领导班子分析检查报告",
    "一、存在的突出问题",
    PARA,
    "三是抓落实不够有力，对镇委部署的工作满足于开会布置、发文落实，跟踪督办不到位。",
    "二、产生问题的原因",
    "一是思想解放不够，存在“小富即安”的思想，对转变发展方式的紧迫性认识不足。",
    "三、整改措施",
    "由镇经济发展办牵头，9月底前建成镇中小企业服务中心，设立2000万元融资担保资金。",
])

_CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                  b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  b'<Default Extension="xml" ContentType="application/xml"/></Types>')


def zip_bomb_docx(path: Path, inflated: int = 300 * 1024 * 1024) -> Path:
    """A real zip bomb named .docx: word/document.xml inflates to ``inflated`` bytes (about 1000:1)."""
    chunk = b" " * (16 * 1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            left = inflated
            while left > 0:
                fh.write(chunk[: min(left, len(chunk))])
                left -= min(left, len(chunk))
    return path


def lying_zip_docx(path: Path, inflated: int = 64 * 1024 * 1024) -> Path:
    """A zip bomb whose headers claim 1000 bytes for a member that inflates to ``inflated``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("word/document.xml", b"<w:document>" + b" " * inflated + b"</w:document>")
    data = bytearray(path.read_bytes())
    real = (inflated + len(b"<w:document></w:document>")).to_bytes(4, "little")
    fake = (1000).to_bytes(4, "little")
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            if data[i + off : i + off + 4] == real:
                data[i + off : i + off + 4] = fake
            start = i + 4
    path.write_bytes(bytes(data))
    return path


def many_members_docx(path: Path, members: int = 6000) -> Path:
    """A .docx-named zip with thousands of tiny members."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("word/document.xml", b"<w:document/>")
        for i in range(members):
            zf.writestr(f"x/{i}.bin", b"")
    return path


def entity_docx(path: Path, kind: str) -> Path:
    """A valid .docx whose word/document.xml is rewritten with an entity trick.

    Args:
        path: Where to write it.
        kind: ``"xxe"`` (external entity), ``"laughs"`` (billion laughs), ``"padded"`` (DTD after a
            10 kB comment) or ``"utf16"`` (external entity in a UTF-16 part).
    """
    src = build_docx(path.with_suffix(".src.docx"), [PARA])
    with zipfile.ZipFile(src) as zin:
        parts = {n: zin.read(n) for n in zin.namelist()}
    src.unlink()
    xml = parts["word/document.xml"].decode("utf-8")
    decl, body = xml.split("?>", 1) if xml.startswith("<?xml") else ("", xml)
    decl = decl + "?>" if decl else '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    body = body.replace(PARA[:6], "&x;" + PARA[:6], 1)
    if kind == "laughs":
        ents = '<!ENTITY a "hahahahahahahahahahaha">' + "".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
        dtd = f"<!DOCTYPE w:document [{ents}<!ENTITY x \"&j;\">]>"
    else:
        dtd = '<!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    if kind == "padded":
        dtd = "<!--" + "x" * 10000 + "-->" + dtd.replace("<!ENTITY", "<!ELEMENT w:document ANY><!ENTITY")
        dtd = dtd.replace('<!ENTITY x SYSTEM "file:///etc/passwd">', "")
        body = body.replace("&x;", "")
    doc = decl + dtd + body
    parts["word/document.xml"] = (doc.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
                                  if kind == "utf16" else doc.encode("utf-8"))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)
    return path


def write_raw_pdf(path: Path, objects: list[bytes]) -> Path:
    """A PDF from object bodies (object 1 must be the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


def _stream(data: bytes, extra: str = "") -> bytes:
    return f"<< /Length {len(data)} {extra}>>\nstream\n".encode() + data + b"\nendstream"


def many_pages_pdf(path: Path, pages: int = 5000) -> Path:
    """A small file with thousands of pages (all sharing one content stream)."""
    kids = " ".join(f"{5 + i} 0 R" for i in range(pages))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            _stream(b"BT /F1 12 Tf 72 720 Td (Page of a very long report) Tj ET")]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 3 0 R >> >> >>"
    objs += [page] * pages
    return write_raw_pdf(path, objs)


def flate_bomb_pdf(path: Path, inflated: int = 400 * 1024 * 1024) -> Path:
    """One page whose FlateDecode content stream inflates to ``inflated`` bytes."""
    comp = zlib.compressobj(9)
    chunk = b" " * (16 * 1024 * 1024)
    data, left = [], inflated
    while left > 0:
        data.append(comp.compress(chunk[: min(left, len(chunk))]))
        left -= min(left, len(chunk))
    data.append(comp.compress(b"BT /F1 12 Tf 72 720 Td (boom) Tj ET") + comp.flush())
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            _stream(b"".join(data), "/Filter /FlateDecode "),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 3 0 R >> >> >>"]
    return write_raw_pdf(path, objs)


def scanned_pdf(path: Path) -> Path:
    """A page that holds only an image (a scan without a text layer)."""
    pixels = bytes(random.Random(1).randrange(256) for _ in range(64 * 64))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            _stream(pixels, "/Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray "
                            "/BitsPerComponent 8 "),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R "
            b"/Resources << /XObject << /Im1 3 0 R >> >> >>",
            _stream(b"q 500 0 0 700 50 50 cm /Im1 Do Q")]
    return write_raw_pdf(path, objs)


def encrypted_pdf(path: Path) -> Path:
    """A born-digital Chinese PDF that asks for a password."""
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), encrypt=StandardEncryption("secret", ownerPassword="owner", strength=128))
    c.setFont("STSong-Light", 11)
    c.drawString(60, 800, PARA[:30])
    c.showPage()
    c.save()
    return path


def random_bytes_txt(path: Path, size: int = 100_000) -> Path:
    """Random bytes named .txt (seeded)."""
    path.write_bytes(random.Random(7).randbytes(size))
    return path


def sparse_file(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no disk space (all NUL)."""
    with open(path, "wb") as fh:
        fh.truncate(size)
    return path


def mixed_encoding_txt(path: Path) -> Path:
    """Lines in GB18030, Big5 and UTF-8 in one file."""
    data = ("一、存在的突出问题\n".encode("gb18030")
            + "一是產業層次偏低，全鎮326家工業企業中，勞動密集型企業佔81%，高新技術企業只有2家。\n".encode("big5")
            + "三是抓落实不够有力，跟踪督办不到位，群众反映的问题长期得不到解决。\n".encode())
    path.write_bytes(data)
    return path


def gbk_named_txt(folder: Path, stem: str = "石门镇分析检查报告") -> bytes:
    """A report whose file name is GBK bytes (not UTF-8); returns the name as bytes."""
    name = stem.encode("gbk") + b".txt"
    with open(os.path.join(os.fsencode(folder), name), "wb") as fh:
        fh.write(REPORT.encode("utf-8"))
    return name


def good_docs(folder: Path, n: int = 3) -> list[Path]:
    """``n`` ordinary reports in txt, docx and pdf, in turn."""
    out = []
    for i in range(n):
        kind = ("txt", "docx", "pdf")[i % 3]
        p = folder / f"good-{i:02d}.{kind}"
        if kind == "txt":
            p.write_text(REPORT.replace("326", str(300 + i)), encoding="utf-8")
        elif kind == "docx":
            build_docx(p, REPORT.replace("326", str(300 + i)).split("\n"))
        else:
            build_pdf(p, [REPORT.replace("326", str(300 + i)).split("\n")])
        out.append(p)
    return out
