"""Plain text: the encoding detected from the bytes, never from the extension.

A byte-order mark is authoritative; UTF-16/32 without one; strict UTF-8, then strict Big5 and
GB18030 ranked by how plausible the decoded Chinese is; a file mixing encodings line by line is
decoded line by line; NUL-laden text is refused. Changes when the encodings met in the field do.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from ..document import Block, Document
from ..errors import ShenchaError
from .blocks import _looks_hard_wrapped, _rejoin

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
    from ..normalise import (
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
