"""The coded error catalogue.

Every error a document can raise has a code, a message that names the file and says what
to do, and a short reason for one-line summaries. ``ShenchaError`` carries them; the
orchestrator turns it into ``{"code", "message"}`` in the record's ``errors`` list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .paths import cache_dir

# code -> (short reason, message template with {name} and optional {detail}, what to do)
CATALOGUE: dict[str, tuple[str, str]] = {
    "E100": ("not found", "'{name}' does not exist or cannot be read{detail}. Check the path and its permissions."),
    "E101": ("unsupported type", "'{name}' is not a .txt, .docx or .pdf file (nor a .doc, .wps or .rtf one){detail}. Convert it to one of these."),
    "E102": ("scanned PDF, no text layer", "'{name}' has no text layer (scanned?){detail}. Run OCR first or supply a .docx."),
    "E103": ("encrypted", "'{name}' is encrypted or password-protected{detail}. Ask the sender for an unprotected copy."),
    "E104": ("corrupt", "'{name}' is corrupt or not what its extension says{detail}. Ask the sender to export it again."),
    "E105": ("empty", "'{name}' is empty or holds no text{detail}. Check that the right file was sent."),
    "E106": ("unknown encoding", "'{name}' is not UTF-8, GB18030/GBK or Big5 text{detail}. Save it as UTF-8 and resend."),
    "E107": ("garbled glyphs", "'{name}' extracts as unmapped glyphs ((cid:NN) or U+FFFD){detail}. Export the PDF again with embedded Unicode fonts, or supply a .docx."),
    "E108": ("too large", "'{name}' is larger than the limit{detail}. Split it, or raise --max-bytes."),
    "E109": ("timed out", "'{name}' took longer than the time limit{detail}. Check the file; raise --timeout if it is genuine."),
    "E110": ("unsafe archive", "'{name}' looks like a decompression bomb or holds unsafe XML{detail}. It was not opened."),
    "E111": ("out of memory", "'{name}' needed more memory than a worker may use, or crashed its worker{detail}. Check the file; raise --max-memory if it is genuine."),
    "E112": ("needs a converter", "'{name}' is a legacy Word, WPS or RTF file, which is read through LibreOffice{detail}. Install LibreOffice (soffice), or save the file as .docx and resend."),
    "E113": ("OCR failed", "'{name}' has no text layer and OCR could not read it{detail}. Check that Tesseract runs (tesseract --version), or supply a .docx or a PDF with a text layer."),
    "E199": ("internal error", "'{name}' could not be screened because of an internal error{detail}. Please report it with the file and the error log (errors.log in the cache folder)."),
}


@dataclass
class ShenchaError(Exception):
    """An error about one input file, with a catalogue code.

    Args:
        code: A key of ``CATALOGUE``.
        path: The file the error is about.
        detail: Extra detail appended to the message (starts with ': ' when given).
    """

    code: str
    path: str | Path
    detail: str = ""

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def reason(self) -> str:
        """The short reason, for one-line summaries."""
        return CATALOGUE[self.code][0]

    @property
    def message(self) -> str:
        """The full message: names the file, says what happened and what to do."""
        detail = f" ({self.detail})" if self.detail else ""
        text = CATALOGUE[self.code][1].format(name=Path(str(self.path)).name, detail=detail)
        return f"[{self.code}] {text}"

    def to_dict(self) -> dict[str, str]:
        """The record form: ``{"code", "reason", "message"}``."""
        return {"code": self.code, "reason": self.reason, "message": self.message}


def error_log_path() -> Path:
    """Where internal errors are logged with their tracebacks (``$SHENCHA_LOG``, else ``errors.log`` in the cache folder)."""
    import os

    env = os.environ.get("SHENCHA_LOG")
    if env:
        return Path(env)
    return cache_dir() / "errors.log"


def log_internal_error(path: str | Path, exc: BaseException) -> None:
    """Append an internal error (E199) with its traceback to the error log; never raises."""
    import datetime
    import os
    import traceback

    try:
        log = error_log_path()
        log.parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now().isoformat(timespec="seconds")
        with log.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {stamp} pid {os.getpid()} E199 {path}\n")
            fh.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    except OSError:
        pass
