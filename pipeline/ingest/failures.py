"""Whose fault an exception is: one raised inside a parsing library while it reads a file means the file is
malformed (E104 with the reason); one raised in Shencha's own code is a bug (E199, by the orchestrator)."""

from __future__ import annotations

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
