"""Keyword in context: where the query terms occur in a text, and the highlighted snippet."""

from __future__ import annotations

import re

from .query import Term
from .textindex import exact_fold, squeeze

HL_OPEN, HL_CLOSE = "«", "»"


def _needle_rx(needle: str) -> re.Pattern[str]:
    return re.compile(r"\s*".join(map(re.escape, needle)))


def term_spans(text: str, terms: list[Term], *, folded: str | None = None) -> list[tuple[int, int, int]]:
    """``(start, end, term index)`` of every occurrence of each term in ``text`` (whitespace inside allowed).

    A term not found as a whole (a document matched through a different fold) falls back to its words.
    """
    a = folded if folded is not None else exact_fold(text)
    out: list[tuple[int, int, int]] = []
    for k, t in enumerate(terms):
        needles = [t.needle] if t.needle else []
        found = False
        for n in needles + [squeeze(exact_fold(w)) for w in t.tokens]:
            if not n:
                continue
            for m in _needle_rx(n).finditer(a):
                if m.end() > m.start():
                    out.append((m.start(), m.end(), k))
                    found = True
            if found:
                break
    out.sort()
    return out


def match_spans(text: str, terms: list[Term], *, folded: str | None = None) -> list[tuple[int, int]]:
    """Where the query terms occur in ``text`` (offsets valid in the original script), merged and sorted."""
    merged: list[tuple[int, int]] = []
    for s, e, _k in term_spans(text, terms, folded=folded):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _best_window(spans: list[tuple[int, int, int]], width: int) -> tuple[int, set[int]]:
    """Start offset of the ``width`` window holding the most distinct terms, then the most matches."""
    best, best_key, j = spans[0][0], (-1, -1), 0
    for i, (s, _e, _k) in enumerate(spans):
        j = max(j, i)
        while j + 1 < len(spans) and spans[j + 1][1] <= s + width:
            j += 1
        inside = spans[i : j + 1]
        key = (len({k for _, _, k in inside}), len(inside))
        if key > best_key:
            best, best_key = s, key
    covered = {k for s, e, k in spans if s >= best and e <= best + width}
    return best, covered


def _fragment(text: str, spans: list[tuple[int, int]], start: int, end: int, open_: str, close: str) -> str:
    out: list[str] = []
    pos = start
    for s, e in spans:
        out.append(text[pos:s])
        out.append(open_ + text[s:e] + close)
        pos = e
    out.append(text[pos:end])
    body = re.sub(r"\s+", " ", "".join(out)).strip()
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


def snippet(text: str, terms: list[Term], *, width: int = 80, open_: str = HL_OPEN,
            close: str = HL_CLOSE) -> tuple[str, list[tuple[int, int]]]:
    """Keyword in context, in the document's own script, with the matched terms highlighted.

    The window of ``width`` characters holding the most distinct terms (then the most matches) is
    cut from the original text; a term that the window misses (AND queries whose terms lie apart)
    gets a short fragment of its own after it, so that every term found is shown.

    Returns:
        The snippet string with markers, and the spans (offsets in the document) it highlights.
    """
    if not text:
        return "", []
    spans = term_spans(text, terms)
    if not spans:
        end = min(len(text), width)
        return _fragment(text, [], 0, end, open_, close), []
    s0, covered = _best_window(spans, width)
    windows = [(max(0, min(s0 - width // 4, len(text) - width)), width)]
    missing = sorted({k for _, _, k in spans} - covered)
    side = max(24, width // 3)
    for k in missing:
        s, e, _ = next(sp for sp in spans if sp[2] == k)
        windows.append((max(0, s - side // 3), max(side, e - s + side // 3)))
    pieces: list[str] = []
    shown_all: list[tuple[int, int]] = []
    for start, w in windows:
        start = max(0, start)
        end = min(len(text), start + w)
        shown = _merge([(max(s, start), min(e, end)) for s, e, _ in spans if e > start and s < end])
        shown_all.extend(shown)
        pieces.append(_fragment(text, shown, start, end, open_, close))
    return " ".join(pieces).replace("… …", "…"), _merge(shown_all)
