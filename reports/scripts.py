"""The two Chinese scripts in reports: labels (written in simplified) shown in a traditional
document's own script, and names folded to simplified so both spellings group together."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=2)
def _converter(config: str) -> Any:
    import opencc  # loaded on first use: a report that never converts does not pay for it

    return opencc.OpenCC(config)


def in_script(s: str, script: str | None) -> str:
    """``s`` (written in simplified script) converted to traditional when ``script`` is traditional."""
    if not s or script != "traditional":
        return s
    return _converter("s2t").convert(s)


def to_simplified(s: str) -> str:
    """``s`` in simplified script (traditional characters converted)."""
    return _converter("t2s").convert(s)
