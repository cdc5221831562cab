"""OCR for the pages of a PDF that have no text layer (scans), with Tesseract and its Chinese language data.

A page is rendered by pypdfium2 at ``OCR_DPI`` (less when its text is large, see ``render_page``) to
a grayscale image, which is piped to the ``tesseract`` program (no Python wrapper, nothing downloaded at run time). Tesseract is found as
``$SHENCHA_TESSERACT`` (set but empty: OCR switched off), else ``tesseract`` on PATH, and is used
when it has ``chi_sim`` or ``chi_tra`` data; with both, the first pages tell which of the two models
reads the document (see ``read_pages``). Tesseract writes Chinese with spaces between characters:
they are taken out (``tidy``). Changes when the OCR engine, or the way it is run, does.

Without Tesseract or its Chinese data a scan stays E102, with ``INSTALL_HINT`` in its message;
Tesseract failing on a page is E113, and taking longer than ``OCR_PAGE_TIMEOUT`` on it E109.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ShenchaError
from .limits import OCR_PAGE_TIMEOUT
from .subproc import _kill_with_parent

if TYPE_CHECKING:
    import numpy as np

LANGUAGES = ("chi_sim", "chi_tra")  # Tesseract's simplified and traditional Chinese models, in this order
OCR_DPI = 300
DECIDE_CHARS = 20  # characters a page must yield to decide between the simplified and the traditional model
MAX_OCR_PIXELS = 40_000_000  # a page larger than this at OCR_DPI is rendered smaller (A4 at 300 dpi: 8.7 M)
MAX_LINE_PX = 50  # text lines taller than this (in pixels) are rendered smaller, to LINE_PX
LINE_PX = 40
MIN_OCR_DPI = 150
INSTALL_HINT = ("to read scanned pages, install Tesseract OCR with its Chinese language data: "
                "apt-get install tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-chi-tra")

# Characters Chinese text sets with no space before or after them: ideographs, CJK and full-width
# punctuation, curly quotes, dashes and ellipses. Tesseract puts spaces between them and next to digits
# and Latin letters ("2009 年 6 月", "“ 保增长 ”"); only the spaces between Latin words and digits stay.
_CJK_CLASS = r"\u2014\u2018-\u201f\u2026\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_GAP = re.compile(f"(?<=[{_CJK_CLASS}])[ \t\u00a0]+|[ \t\u00a0]+(?=[{_CJK_CLASS}])")


@dataclass(frozen=True)
class OcrEngine:
    """A Tesseract that can read Chinese: its executable, its version line and its Chinese models."""

    exe: str
    version: str
    languages: tuple[str, ...]


def tesseract_path() -> str | None:
    """The Tesseract executable (``$SHENCHA_TESSERACT``, else ``tesseract`` on PATH), or None."""
    import os
    import shutil

    env = os.environ.get("SHENCHA_TESSERACT")
    if env is not None:
        return env or None  # set but empty: OCR switched off
    return shutil.which("tesseract")


def find_engine() -> tuple[OcrEngine | None, str]:
    """The Tesseract to OCR with and ``""``, or None and why there is none (for E102's message)."""
    import os

    exe = tesseract_path()
    if exe is None:
        return None, "Tesseract is not installed"
    return _probe(exe, os.environ.get("TESSDATA_PREFIX", ""))


@functools.lru_cache(maxsize=8)
def _probe(exe: str, tessdata: str) -> tuple[OcrEngine | None, str]:
    """Ask ``exe`` for its version and languages, once per process (per executable and tessdata folder)."""
    import subprocess

    del tessdata  # part of the cache key only: Tesseract reads TESSDATA_PREFIX from the environment
    try:
        version = subprocess.run([exe, "--version"], stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        langs = subprocess.run([exe, "--list-langs"], stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"Tesseract ({exe}) could not be started: {getattr(exc, 'strerror', None) or exc}"
    said = (version.stdout or version.stderr).decode("utf-8", "replace").splitlines()
    installed = {ln.strip() for ln in (langs.stdout + langs.stderr).decode("utf-8", "replace").splitlines()}
    usable = tuple(lang for lang in LANGUAGES if lang in installed)
    if not usable:
        return None, f"Tesseract ({exe}) has no Chinese language data ({' or '.join(LANGUAGES)})"
    return OcrEngine(exe, said[0].strip() if said else "tesseract", usable), ""


def render_page(page, dpi: int = OCR_DPI) -> tuple[bytes, int]:  # noqa: ANN001 - a pypdfium2 page
    """The page as a grayscale PGM image, and the resolution it was rendered at.

    Rendered at ``dpi`` (smaller when it would exceed ``MAX_OCR_PIXELS``); when its text lines are
    taller than ``MAX_LINE_PX`` there (16 pt official-document text is 67 px at 300 dpi), rendered
    again so that they are ``LINE_PX`` high, but not below ``MIN_OCR_DPI``: Tesseract misreads
    more characters drawn that large.
    """
    width, height = page.get_size()
    pixels = width * height * (dpi / 72) ** 2
    if pixels > MAX_OCR_PIXELS:
        dpi = max(1, int(dpi * math.sqrt(MAX_OCR_PIXELS / pixels)))
    gray = _render(page, dpi)
    line = _line_height(gray)
    if line > MAX_LINE_PX:
        smaller = max(MIN_OCR_DPI, round(dpi * LINE_PX / line))
        if smaller < dpi:
            dpi, gray = smaller, _render(page, smaller)
    h, w = gray.shape
    return f"P5 {w} {h} 255\n".encode("ascii") + gray.tobytes(), dpi


def _render(page, dpi: int) -> np.ndarray:  # noqa: ANN001 - a pypdfium2 page
    """The page at ``dpi`` as a 2-D uint8 array (0 black, 255 white)."""
    import numpy as np

    bitmap = page.render(scale=dpi / 72, grayscale=True)
    try:
        buf = np.frombuffer(bitmap.buffer, dtype=np.uint8).reshape(bitmap.height, bitmap.stride)
        return buf[:, : bitmap.width].copy()
    finally:
        bitmap.close()


def _line_height(gray: np.ndarray) -> float:
    """The median height in pixels of the page's text lines (runs of rows with ink), 0 when unclear."""
    import numpy as np

    if gray.size == 0:
        return 0.0
    inked = (gray < 128).mean(axis=1) > 0.002
    edges = np.flatnonzero(np.diff(np.concatenate(([0], inked.astype(np.int8), [0]))))
    runs = edges[1::2] - edges[::2]
    runs = runs[(runs >= 8) & (runs <= 400)]  # specks and page borders are not lines
    return float(np.median(runs)) if len(runs) >= 3 else 0.0


@dataclass(frozen=True)
class OcrPage:
    """What Tesseract read on one page: the text, the model it used, and how sure it was.

    ``confidence`` is Tesseract's mean word confidence (0-100), weighted by the words' characters.
    """

    text: str
    language: str
    confidence: float
    chars: int


def run_tesseract(engine: OcrEngine, image: bytes, path: str | Path, page_no: int, language: str, *,
                  dpi: int = OCR_DPI, timeout: float | None = None) -> OcrPage:
    """What Tesseract reads in ``image`` (page ``page_no`` of ``path``) with the model ``language``.

    Tesseract writes its words as TSV (one row per word, with its block, paragraph, line and
    confidence): a line's words are joined with spaces, then the spaces between CJK characters go;
    a new paragraph or block starts after a blank line.

    Raises:
        ShenchaError: E109 past ``timeout`` (default ``OCR_PAGE_TIMEOUT``), E113 when Tesseract fails.
    """
    import os
    import subprocess

    limit = OCR_PAGE_TIMEOUT if timeout is None else timeout
    cmd = [engine.exe, "stdin", "stdout", "-l", language, "--dpi", str(dpi), "-c", "preserve_interword_spaces=1", "tsv"]
    # one thread per page: workers already run in parallel, and Tesseract's threads cost more than they give
    env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
    try:
        proc = subprocess.run(cmd, input=image, capture_output=True, timeout=limit, env=env,
                              preexec_fn=_kill_with_parent if os.name == "posix" else None)  # noqa: PLW1509
    except subprocess.TimeoutExpired as exc:
        raise ShenchaError("E109", path, f"Tesseract took more than {limit:g} s to read page {page_no}") from exc
    except OSError as exc:
        raise ShenchaError("E113", path, f"Tesseract ({engine.exe}) could not be started: {exc.strerror or exc}") from exc
    if proc.returncode != 0:
        lines = (proc.stderr or b"").decode("utf-8", "replace").splitlines()
        said = " ".join(" ".join(ln for ln in lines if not ln.startswith(("Warning", "Estimating"))).split())[:200]
        raise ShenchaError("E113", path, f"Tesseract ({language}) failed on page {page_no} (exit {proc.returncode})"
                                         + (f": {said}" if said else ""))
    return _from_tsv(proc.stdout.decode("utf-8", "replace"), language)


def _from_tsv(tsv: str, language: str) -> OcrPage:
    """An ``OcrPage`` from Tesseract's TSV: level, page, block, paragraph, line, word, box (4), confidence, text."""
    lines: list[str] = []
    words: list[str] = []
    where: tuple[str, str, str] | None = None
    weighted = 0.0
    chars = 0
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) != 12 or cols[0] != "5" or not cols[11].strip():
            continue
        here = (cols[2], cols[3], cols[4])
        if here != where:
            if words:
                lines.append(" ".join(words))
            if where is not None and here[:2] != where[:2]:
                lines.append("")  # a new paragraph
            words, where = [], here
        words.append(cols[11].strip())
        try:
            confidence = max(0.0, float(cols[10]))
        except ValueError:
            confidence = 0.0
        weighted += confidence * len(cols[11].strip())
        chars += len(cols[11].strip())
    if words:
        lines.append(" ".join(words))
    return OcrPage(tidy("\n".join(lines)), language, weighted / chars if chars else 0.0, chars)


def tidy(text: str) -> str:
    """OCR output as text: no spaces next to CJK characters, no form feeds, no trailing blanks."""
    lines = [_CJK_GAP.sub("", ln).rstrip() for ln in text.replace("\f", "\n").splitlines()]
    return "\n".join(lines).strip("\n")


def read_pages(pdf, wanted: list[int], path: str | Path) -> tuple[dict[int, OcrPage], OcrEngine | None, str]:  # noqa: ANN001
    """OCR the pages ``wanted`` (0-based) of the open pypdfium2 document ``pdf``.

    With both Chinese models installed, a page is read with each until one of them reads at least
    ``DECIDE_CHARS`` characters on a page with the higher confidence: the rest of the document is
    read with that one alone (reading with both at once, chi_sim+chi_tra, is slower and mixes the
    scripts: simplified text comes back partly in traditional characters).

    Returns:
        ``({page index: OcrPage}, engine, "")``, or ``({}, None, why)`` when there is no engine to OCR with.

    Raises:
        ShenchaError: E109 or E113 for a page Tesseract cannot read (see ``run_tesseract``).
    """
    engine, why = find_engine()
    if engine is None:
        return {}, None, why
    chosen = engine.languages[0] if len(engine.languages) == 1 else None
    out: dict[int, OcrPage] = {}
    for i in wanted:
        page = pdf[i]
        try:
            image, dpi = render_page(page)
        finally:
            page.close()
        if chosen is not None:
            out[i] = run_tesseract(engine, image, path, i + 1, chosen, dpi=dpi)
            continue
        tries = [run_tesseract(engine, image, path, i + 1, engine.languages[0], dpi=dpi)]
        if tries[0].chars:  # a page on which the first model finds no text at all is blank for the others too
            tries += [run_tesseract(engine, image, path, i + 1, lang, dpi=dpi) for lang in engine.languages[1:]]
        best = max(tries, key=lambda r: r.confidence)  # max keeps the first of equals: chi_sim
        out[i] = best
        if best.chars >= DECIDE_CHARS:
            chosen = best.language
    return out, engine, ""
