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
    # The archive and its queries (corpus/): {name} is the archive, a file path or a URL (its password masked).
    "E300": ("unknown document", "{name}: no such document{detail}. shencha search \"\" lists the documents with their ids."),
    "E301": ("cannot open the archive", "{name}: the archive cannot be opened{detail}. Check --db (a file path, or postgresql://…) and its permissions."),
    "E302": ("archive locked", "{name}: the archive is locked by another process{detail}. Wait until that one has finished (shencha archive add holds it while it writes), then run the command again."),
    "E303": ("archive damaged", "{name}: the archive is damaged{detail}. Restore it from a backup, or add the original files to a new archive."),
    "E304": ("schema mismatch", "{name}: the archive's schema does not fit this Shencha{detail}. A newer archive needs a newer Shencha; an older one is upgraded the first time it is opened with write access (shencha archive add)."),
    "E305": ("bad query", "{name}: the query cannot be run{detail}. Give at least one word or \"phrase\" to look for (shencha search --help)."),
    "E306": ("bad value", "{name}: a filter or field value cannot be used{detail}. Check it against shencha search --help or shencha commitments --help."),
    "E307": ("database unreachable", "{name}: the database server cannot be reached{detail}. Check that it is running and that the URL, user and password are right."),
    "E308": ("not an archive", "{name}: is not a Shencha archive{detail}; nothing was changed. Give --db an archive file, or the name of a new one."),
    "E309": ("unknown commitment", "{name}: no such commitment{detail}. shencha commitments lists the commitments with their ids (DOC-HASH)."),
    "E310": ("original not kept", "{name}: the document's original file is not kept{detail}. Add the file again (shencha archive add) to keep it."),
    "E399": ("internal archive error", "{name}: the archive command failed with an internal error{detail}. Please report it with the error log (errors.log in the cache folder)."),
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


def log_internal_error(path: str | Path, exc: BaseException, *, code: str = "E199") -> None:
    """Append an internal error (E199, or the archive's E399) with its traceback to the error log; never raises."""
    import datetime
    import os
    import traceback

    try:
        log = error_log_path()
        log.parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now().isoformat(timespec="seconds")
        with log.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {stamp} pid {os.getpid()} {code} {path}\n")
            fh.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    except OSError:
        pass
