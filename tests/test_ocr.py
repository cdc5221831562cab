"""Scanned PDFs: pages without a text layer are read by Tesseract (chi_sim, chi_tra) and marked as OCR'd;
without Tesseract or its Chinese data they stay E102 with what to install; a failing Tesseract is E113.

The scans are made here: Chinese text drawn by Pillow in a Noto CJK font (fonts-noto-cjk, found with
fc-list) into a 300 dpi image, saved by Pillow as a PDF that holds the image and no text layer. Tests
that need Tesseract or the font skip without them, and fail instead under SHENCHA_REQUIRE_SERVICES=1
(.ci/steps/40-ocr.sh installs Tesseract, .ci/steps/30-browser-office.sh the fonts).
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from pipeline.errors import ShenchaError
from pipeline.ingest import ingest
from pipeline.ingest.ocr import INSTALL_HINT, find_engine, tidy
from tests.conftest import build_pdf

SIMPLIFIED = ["关于开展学习实践科学发展观活动的整改落实方案",
              "一是加强组织领导，落实工作责任，领导班子成员要带头整改。",
              "二是深入调查研究，广泛征求群众意见建议，确保整改措施落到实处。",
              "三是建立长效机制，完善各项规章制度，在九月底前完成。"]
TRADITIONAL = ["中共龍潭村支部委員會整改落實方案", "一是解決村民飲水困難，年底前建成供水站。",
               "二是加強幹部隊伍建設，轉變工作作風。"]
INSTALL = "apt-get install tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-chi-tra"


def need(what: str) -> None:
    """Skip without ``what``; fail instead when CI requires the services (SHENCHA_REQUIRE_SERVICES)."""
    if os.environ.get("SHENCHA_REQUIRE_SERVICES"):
        pytest.fail(f"{what} is required (SHENCHA_REQUIRE_SERVICES is set) but not installed")
    pytest.skip(f"{what} is not installed")


def cjk_font(region: str = "SC") -> tuple[str, int] | None:
    """The Noto Sans CJK font for ``region`` (SC simplified, TC traditional): its file and index in the collection."""
    if not shutil.which("fc-list"):
        return None
    out = subprocess.run(["fc-list", ":lang=zh", "family", "file", "index"], capture_output=True, text=True).stdout
    for line in sorted(out.splitlines()):
        m = re.match(r"(.+?): (.+?):index=(\d+)", line)
        if m and f"Noto Sans CJK {region}" in m.group(2).split(",") and "Bold" not in m.group(1):
            return m.group(1), int(m.group(3))
    return None


A4_INCHES = (8.27, 11.69)


def layout(lines: Sequence[str], size_pt: float, dpi: int = 300) -> list[tuple[int, int, str]] | None:
    """Where ``lines`` go on an A4 page with one-inch margins, wrapped to its width: ``(x, y, text)`` in
    pixels at ``dpi``, or None when they do not fit on the page."""
    px = round(size_pt * dpi / 72)
    width, height = round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)
    margin = dpi
    per_line = (width - 2 * margin) // px
    out, y = [], margin
    for line in lines:
        for k in range(0, len(line), per_line):
            if y + px > height - margin // 2:
                return None
            out.append((margin, y, line[k : k + per_line]))
            y += round(px * 1.8)
        y += px
    return out


def build_scanned_pdf(path: Path, pages: Sequence[Sequence[str]], *, region: str = "SC", dpi: int = 300,
                      size_pt: float = 14) -> Path:
    """A PDF of A4 page images (no text layer) showing ``pages``' lines (see ``layout``; ValueError when
    a page's lines do not fit on it)."""
    from PIL import Image, ImageDraw, ImageFont

    found = cjk_font(region)
    if found is None:
        need(f"a Noto Sans CJK {region} font (fonts-noto-cjk)")
    assert found is not None
    font = ImageFont.truetype(found[0], round(size_pt * dpi / 72), index=found[1])
    images = []
    for lines in pages:
        placed = layout(lines, size_pt, dpi)
        if placed is None:
            raise ValueError(f"the text does not fit on one page at {size_pt:g} pt")
        img = Image.new("L", (round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)), 255)
        draw = ImageDraw.Draw(img)
        for x, y, text in placed:
            draw.text((x, y), text, font=font, fill=0)
        images.append(img)
    images[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return path


def recovered(expected: str, got: str) -> float:
    """Share of ``expected``'s characters found, in order, in ``got`` (OCR is fuzzy)."""
    strip = re.compile(r"\s")
    a, b = strip.sub("", expected), strip.sub("", got)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(m.size for m in matcher.get_matching_blocks()) / len(a)


@pytest.fixture
def engine():  # noqa: ANN201
    found, why = find_engine()
    if found is None:
        need(f"Tesseract with its Chinese language data ({INSTALL}; here: {why})")
    return found


def _error(path: Path) -> ShenchaError:
    with pytest.raises(ShenchaError) as info:
        ingest(path)
    return info.value


# ------------------------------------------------------------------ with Tesseract

def test_a_scanned_pdf_is_read_by_ocr_and_marked(tmp_path: Path, engine) -> None:  # noqa: ANN001
    doc = ingest(build_scanned_pdf(tmp_path / "scan.pdf", [SIMPLIFIED]))
    assert recovered("".join(SIMPLIFIED), doc.text) >= 0.8, doc.text
    assert "整改" in doc.text and "落实" in doc.text
    ocr = doc.stats["ocr"]
    assert ocr["pages"] == [1] and ocr["engine"].startswith("tesseract") and ocr["languages"] == ["chi_sim"]
    assert 50 < ocr["confidence"] <= 100
    assert any("OCR" in w for w in doc.warnings)
    assert not re.search(r"[\u4e00-\u9fff，。、；：] | [\u4e00-\u9fff，。、；：]", doc.text), doc.text  # no spaces
    assert {b.locator.get("page") for b in doc.blocks} == {1}


def test_traditional_chinese_is_read_too(tmp_path: Path, engine) -> None:  # noqa: ANN001
    if "chi_tra" not in engine.languages:
        need("Tesseract's traditional Chinese data (tesseract-ocr-chi-tra)")
    doc = ingest(build_scanned_pdf(tmp_path / "scan-tc.pdf", [TRADITIONAL], region="TC"))
    assert recovered("".join(TRADITIONAL), doc.text) >= 0.8, doc.text
    assert doc.stats["ocr"]["languages"] == ["chi_tra"]  # the model that reads it best, not both mixed


def test_only_the_pages_without_a_text_layer_are_ocred(tmp_path: Path, engine) -> None:  # noqa: ANN001
    """A born-digital page followed by a scanned one: the first keeps its text layer, the second is OCR'd."""
    import pypdfium2 as pdfium

    digital = build_pdf(tmp_path / "digital.pdf", [[TRADITIONAL[1] * 2]], page_numbers=False)
    scan = build_scanned_pdf(tmp_path / "part.pdf", [SIMPLIFIED[1:]])
    merged = pdfium.PdfDocument(str(digital))
    merged.import_pages(pdfium.PdfDocument(str(scan)))
    merged.save(str(tmp_path / "mixed.pdf"))
    merged.close()
    doc = ingest(tmp_path / "mixed.pdf")
    assert doc.stats["ocr"]["pages"] == [2]
    assert TRADITIONAL[1] in doc.text  # the text layer, exactly
    assert recovered("".join(SIMPLIFIED[1:]), doc.text) >= 0.8
    assert {b.locator.get("page") for b in doc.blocks} == {1, 2}


def test_a_blank_scan_stays_e102_saying_ocr_found_nothing(tmp_path: Path, engine) -> None:  # noqa: ANN001
    from PIL import Image

    p = tmp_path / "blank.pdf"
    Image.new("L", (2480, 3508), 235).save(p, "PDF", resolution=300)
    err = _error(p)
    assert err.code == "E102" and "found no text" in err.message


def test_tesseract_without_chinese_data_keeps_e102_with_what_to_install(tmp_path: Path, engine,  # noqa: ANN001
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The real Tesseract, pointed at a language-data folder that holds no Chinese model."""
    (tmp_path / "tessdata").mkdir()
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path / "tessdata"))
    err = _error(build_scanned_pdf(tmp_path / "scan.pdf", [SIMPLIFIED[:1]]))
    assert err.code == "E102"
    assert "no Chinese language data" in err.message and INSTALL in err.message


def test_a_failing_tesseract_is_e113_and_the_batch_goes_on(tmp_path: Path, engine,  # noqa: ANN001
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Tesseract that cannot load its Chinese model (a damaged chi_sim.traineddata): the scan gets E113,
    the other files of the batch are screened."""
    from shencha.batch import screen_paths
    from tests import bulk_helpers as H

    data = tmp_path / "tessdata"
    data.mkdir()
    (data / "chi_sim.traineddata").write_bytes(b"not a model" * 100)
    monkeypatch.setenv("TESSDATA_PREFIX", str(data))
    inputs = tmp_path / "in"
    inputs.mkdir()
    build_scanned_pdf(inputs / "a-scan.pdf", [SIMPLIFIED[:1]])
    H.good_docs(inputs, 1)
    recs = {Path(r["path"]).name: r for r in screen_paths([inputs], workers=1)}
    scan = recs.pop("a-scan.pdf")
    assert [e["code"] for e in scan["errors"]] == ["E113"], scan["errors"]
    assert "page 1" in scan["errors"][0]["message"]
    assert recs and all(r["errors"] == [] for r in recs.values())


def test_a_page_past_the_ocr_time_limit_is_e109(tmp_path: Path, engine,  # noqa: ANN001
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The limit is set on the package, as a caller would; Tesseract is stopped, the file gets E109."""
    import pipeline.ingest as ingest_pkg

    monkeypatch.setattr(ingest_pkg, "OCR_PAGE_TIMEOUT", 0.01)
    err = _error(build_scanned_pdf(tmp_path / "scan.pdf", [SIMPLIFIED]))
    assert err.code == "E109" and "Tesseract took more than 0.01 s to read page 1" in err.message


# ------------------------------------------------------------------ without Tesseract

@pytest.mark.parametrize("setting", ["", "missing"])
def test_without_tesseract_a_scan_stays_e102_with_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  setting: str) -> None:
    """SHENCHA_TESSERACT empty (OCR off) or naming a program that does not exist."""
    monkeypatch.setenv("SHENCHA_TESSERACT", str(tmp_path / "no-such-tesseract") if setting else "")
    err = _error(build_scanned_pdf(tmp_path / "scan.pdf", [SIMPLIFIED]))
    assert err.code == "E102"
    assert INSTALL in err.message and INSTALL in INSTALL_HINT
    assert ("could not be started" if setting else "not installed") in err.message


def test_without_tesseract_a_mixed_pdf_is_read_with_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pypdfium2 as pdfium

    monkeypatch.setenv("SHENCHA_TESSERACT", "")
    digital = build_pdf(tmp_path / "digital.pdf", [[SIMPLIFIED[1] * 2]], page_numbers=False)
    merged = pdfium.PdfDocument(str(digital))
    merged.import_pages(pdfium.PdfDocument(str(build_scanned_pdf(tmp_path / "part.pdf", [SIMPLIFIED[2:]]))))
    merged.save(str(tmp_path / "mixed.pdf"))
    merged.close()
    doc = ingest(tmp_path / "mixed.pdf")
    assert SIMPLIFIED[1] in doc.text and "ocr" not in doc.stats
    assert any("1 page(s) without a text layer not read" in w and INSTALL in w for w in doc.warnings)


def test_large_text_is_rendered_smaller_for_tesseract(tmp_path: Path) -> None:
    """16 pt official-document text is drawn 67 px high at 300 dpi, where Tesseract misreads more: it is
    rendered at a lower resolution; body text at 10.5 pt stays at 300 dpi."""
    import pypdfium2 as pdfium

    from pipeline.ingest.ocr import MIN_OCR_DPI, OCR_DPI, render_page

    for size, low in ((16, True), (10.5, False)):
        pdf = pdfium.PdfDocument(str(build_scanned_pdf(tmp_path / f"{size}.pdf", [SIMPLIFIED], size_pt=size)))
        image, dpi = render_page(pdf[0])
        assert (MIN_OCR_DPI <= dpi < OCR_DPI) if low else dpi == OCR_DPI, (size, dpi)
        w, h = (int(v) for v in image.split(b"\n", 1)[0].split()[1:3])
        assert image.startswith(b"P5 ") and abs(w - A4_INCHES[0] * dpi) < 2 and abs(h - A4_INCHES[1] * dpi) < 2
        pdf.close()


def test_ocr_output_loses_the_spaces_between_chinese_characters() -> None:
    """Chinese is set without spaces, also next to digits, Latin letters and quotes; Latin words keep theirs."""
    assert tidy("落 实 整 改 。 Tesseract 5 版\f") == "落实整改。Tesseract 5版"
    assert tidy("紧扣 “ 保增长 ” 的 载体 ， 走访 134 人次") == "紧扣“保增长”的载体，走访134人次"
    assert tidy("一 是 ， 二 是 ；  word  spacing\n\n三 是  ") == "一是，二是；word  spacing\n\n三是"
