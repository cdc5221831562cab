"""Document metadata: its date (and so its year) and the issuing unit, as the document states them."""

from __future__ import annotations

from collections import Counter
from datetime import date

from pipeline import lang_zh as zh
from pipeline.document import Document
from pipeline.profile import Profile

from .deadlines import cn_number

_DATE_LINE = zh.DATE_LINE
_PUBLISHED = zh.NUMERIC_DATE


def find_date(doc: Document) -> date | None:
    """The document's date: a date line near the top (under the title) or at the end (after the signature)."""
    n = len(doc.blocks)
    body = [i for i, b in enumerate(doc.blocks) if not b.chrome]
    order = body[:4] + body[::-1][:4]
    for i in order:
        a, b = doc.block_spans[i]
        m = _DATE_LINE.match(doc.analysis[a:b].strip())
        if m:
            try:
                return date(cn_number(m["y"]), cn_number(m["m"]), cn_number(m["d"]) if m["d"] else 1)
            except ValueError:
                continue
    for i in range(n):  # else the date the page was published (its byline, 「發布時間：2009-06-12」)
        if doc.blocks[i].chrome:
            a, b = doc.block_spans[i]
            m = _PUBLISHED.search(doc.analysis[a:b])
            if m:
                try:
                    return date(int(m["y"]), int(m["m"]), int(m["d"]))
                except ValueError:
                    continue
    return None


def find_year(doc: Document, when: date | None) -> int | None:
    """The year deadlines are read against: the document's date, else its most frequent plausible year."""
    if when:
        return when.year
    years = [int(y) for y in zh.YEAR_MENTION.findall(doc.analysis)]
    return Counter(years).most_common(1)[0][0] if years else None


def find_unit(doc: Document, profile: Profile) -> str | None:
    """The issuing unit: the signature line before the closing date, else the speaker's line, else the title's head."""
    n = len(doc.blocks)
    assert profile.owner_re is not None
    for i in range(n - 1, max(0, n - 4), -1):
        a, b = doc.block_spans[i]
        t = doc.analysis[a:b].strip()
        if _DATE_LINE.match(t) and i > 0:
            pa, pb = doc.block_spans[i - 1]
            prev = doc.analysis[pa:pb].strip()
            if 3 <= len(prev) <= 30 and not zh.PHRASE_PUNCT.search(prev) and not zh.COLON.search(prev) and profile.owner_re.search(prev[-4:]):
                return doc.text[pa:pb].strip()
    for i in range(min(4, n)):
        a, b = doc.block_spans[i]
        t = doc.text[a:b].strip()
        if "\u3000" in t and len(t) <= 40 and not zh.PHRASE_PUNCT.search(t):
            return t.split("\u3000")[0].strip() or None
    title = doc.title
    if title:
        ta = doc.analysis[: len(title)] if doc.text.startswith(title) else title
        m = profile.pattern("unit_cut").search(ta)
        if m and m.start() >= 3:
            return title[: m.start()]
    return None
