"""The page shell every HTML report shares: the inlined stylesheet and one script allowed by its
hash in the Content-Security-Policy, so nothing is fetched from the network and no other script runs."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path

from reports.html_escape import css_class, esc

ASSETS = Path(__file__).parent / "assets"


@lru_cache(maxsize=8)
def asset(name: str) -> str:
    """The text of a file in ``reports/assets``."""
    return (ASSETS / name).read_text(encoding="utf-8")


def page(title: str, body: str, *, script: str, lang: str = "zh-CN", body_class: str = "") -> str:
    """A complete, self-contained HTML page with the shared stylesheet and one inline script.

    Args:
        title: The page title (escaped here).
        body: Body markup (already escaped).
        script: JavaScript source, inlined and allowed by its hash in the page's CSP.
        lang: ``zh-CN`` or ``zh-Hant``.
        body_class: Class of the ``<body>``.

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
            f"<title>{esc(title)}</title><style>{asset('report.css')}</style></head>\n"
            f'<body class="{esc(" ".join(css_class(c) for c in body_class.split()))}">\n{body}\n<script>{script}</script>\n</body></html>\n')


def lang_of(script: str | None) -> str:
    """The HTML ``lang`` of a document script."""
    return "zh-Hant" if script == "traditional" else "zh-CN"


def short(s: str, n: int) -> str:
    """``s`` cut to ``n`` characters with an ellipsis."""
    s = s or ""
    return s if len(s) <= n else s[: n - 1] + "…"
