"""The page shell every HTML report shares: the inlined stylesheet and one script allowed by its
hash in the Content-Security-Policy, so nothing is fetched from the network and no other script runs."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from reports.html_escape import css_class, esc

ASSETS = Path(__file__).parent / "assets"
#: The colour and background of an area the profile gives none (the same as an unknown area's).
NEUTRAL = ("#57606a", "#e8eaed")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@lru_cache(maxsize=8)
def asset(name: str) -> str:
    """The text of a file in ``reports/assets``."""
    return (ASSETS / name).read_text(encoding="utf-8")


def area_colours(spec: Mapping[str, Any] | None) -> tuple[str, str]:
    """``(colour, background)`` of a profile area, ``#rrggbb`` each (neutral grey when not given)."""
    spec = spec or {}
    fg, bg = spec.get("colour"), spec.get("background")
    return (fg if isinstance(fg, str) and _COLOUR.fullmatch(fg) else NEUTRAL[0],
            bg if isinstance(bg, str) and _COLOUR.fullmatch(bg) else NEUTRAL[1])


def area_style(areas: Mapping[str, Mapping[str, Any]]) -> str:
    """The stylesheet of a profile's areas: ``--area-KEY`` and ``--area-KEY-bg`` for each, and its
    chips, highlights and commitment underlines in them (names are class tokens, values colours)."""
    root, rules = [], []
    for key, spec in areas.items():
        k = css_class(key)
        fg, bg = area_colours(spec)
        root.append(f"--area-{k}: {fg}; --area-{k}-bg: {bg};")
        rules.append(f".chip.a-{k} {{ background: var(--area-{k}-bg); color: var(--area-{k}); }}\n"
                     f"a.hl.a-{k} {{ background: var(--area-{k}-bg); }}\n"
                     f"a.hl.kc.a-{k} {{ box-shadow: inset 0 -2px 0 var(--area-{k}); }}\n")
    return (":root { " + " ".join(root) + " }\n" + "".join(rules)) if root else ""


def page(title: str, body: str, *, script: str, lang: str = "zh-CN", body_class: str = "", style: str = "") -> str:
    """A complete, self-contained HTML page with the shared stylesheet and one inline script.

    Args:
        title: The page title (escaped here).
        body: Body markup (already escaped).
        script: JavaScript source, inlined and allowed by its hash in the page's CSP.
        lang: ``zh-CN`` or ``zh-Hant``.
        body_class: Class of the ``<body>``.
        style: Page-specific CSS (the profile's areas), put before the shared stylesheet so that its
            later rules (the active highlight) still win.

    Returns:
        The HTML document.
    """
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    csp = (f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{digest}'; "
           "base-uri 'none'; form-action 'none'")
    return ("<!DOCTYPE html>\n"
            f'<html lang="{esc(lang)}"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="generator" content="Shencha">'
            f"<title>{esc(title)}</title><style>{style}{asset('report.css')}</style></head>\n"
            f'<body class="{esc(" ".join(css_class(c) for c in body_class.split()))}">\n{body}\n<script>{script}</script>\n</body></html>\n')


def lang_of(script: str | None) -> str:
    """The HTML ``lang`` of a document script."""
    return "zh-Hant" if script == "traditional" else "zh-CN"


def short(s: str, n: int) -> str:
    """``s`` cut to ``n`` characters with an ellipsis."""
    s = s or ""
    return s if len(s) <= n else s[: n - 1] + "…"
