"""Escaping for each HTML context a value can reach: element text and quoted attributes, one
class-name token, and a link target that can only point inside the report."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import quote

_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_CLASS = re.compile(r"[^A-Za-z0-9_-]+")
_SCHEME = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.\-]*:|^\s*//|^\s*\\\\")


def esc(s: Any) -> str:
    """HTML-escape any value for element text or a quoted attribute (quotes included), ``None`` as empty.

    A lone surrogate (which no page can encode) becomes U+FFFD instead of failing the page.
    """
    text = "" if s is None else str(s)
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    return html.escape(text, quote=True)


def css_class(s: Any) -> str:
    """A value made into one class-name token: letters, digits, ``_`` and ``-`` only (``na`` when empty).

    A class attribute is escaped too, but escaping alone lets a value add classes or break out of a
    ``class-`` prefix; a token from a record (an area, a code) can only be this one word.
    """
    tok = _NOT_CLASS.sub("_", "" if s is None else str(s)).strip("_")[:40]
    return tok or "na"


def url(href: Any) -> str:
    """A link target for an ``href``: only a relative path or a ``#fragment`` of the report itself.

    Anything with a scheme (``javascript:``, ``data:``, ``http:``…) or a network path (``//host``)
    becomes ``#``; the rest is percent-encoded and attribute-escaped.
    """
    h = "" if href is None else str(href)
    if not h or _SCHEME.search(h) or _SURROGATE.search(h) or any(ord(c) < 32 for c in h):
        return "#"
    return esc(quote(h, safe="/#?=&-._~"))
