"""Finding a gap's evidence in the record text: exactly, ignoring whitespace and table separators,
or as the ``；``-joined sentences it is often made of, nearest a hint position."""

from __future__ import annotations

import re

SEP = "｜"  # table cells in record text
_WS = re.compile(r"[\s\u3000｜]+")


def squash(s: str) -> tuple[str, list[int]]:
    """``s`` without whitespace and table separators, and the index in ``s`` of each kept character."""
    kept, where = [], []
    for i, ch in enumerate(s):
        if not (ch.isspace() or ch == SEP):
            kept.append(ch)
            where.append(i)
    return "".join(kept), where


class TextIndex:
    """Find evidence strings in a text, exactly or ignoring whitespace, nearest a hint position."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._squashed: tuple[str, list[int]] | None = None

    def _all(self, hay: str, needle: str) -> list[int]:
        out, i = [], hay.find(needle)
        while i >= 0 and len(out) < 50:
            out.append(i)
            i = hay.find(needle, i + 1)
        return out

    def find(self, needle: str, hint: int | None = None) -> tuple[int, int] | None:
        """The span of ``needle`` in the text (the occurrence nearest ``hint``), or None."""
        needle = needle.strip()
        if not needle:
            return None
        hits = self._all(self.text, needle)
        if hits:
            i = min(hits, key=lambda h: abs(h - hint)) if hint is not None else hits[0]
            return i, i + len(needle)
        if self._squashed is None:
            self._squashed = squash(self.text)
        hay, where = self._squashed
        sq = _WS.sub("", needle)
        if len(sq) < 2:
            return None
        hits = self._all(hay, sq)
        if not hits:
            return None
        if hint is not None:
            i = min(hits, key=lambda h: abs(where[h] - hint))
        else:
            i = hits[0]
        return where[i], where[i + len(sq) - 1] + 1


def is_note(evidence: str) -> bool:
    """True for evidence that describes something missing, e.g. ``（缺少原因分析）``."""
    e = evidence.strip()
    return e.startswith(("（", "(")) and e.endswith(("）", ")"))


def locate_evidence(index: TextIndex, evidence: str, hint: int | None = None) -> list[tuple[int, int]]:
    """Spans of the text that a gap's evidence quotes.

    The evidence is searched whole (a trailing ``…`` removed); failing that, as the ``；``-joined
    sentences it is often made of, each piece shortened with ``…``. A note of something missing
    (in brackets, not found in the text) gives no span.

    Args:
        index: The record text's index.
        evidence: The gap's evidence string.
        hint: A text position the evidence is expected near (the first occurrence otherwise).

    Returns:
        Sorted, non-overlapping spans (empty when nothing was found).
    """
    ev = (evidence or "").strip()
    if not ev:
        return []
    whole = index.find(ev.rstrip("…").strip(), hint)
    if whole:
        return [whole]
    if is_note(ev):
        return []
    spans: list[tuple[int, int]] = []
    pos = hint
    for piece in re.split(r"[；;]", ev):
        piece = piece.strip().rstrip("…").strip()
        if len(piece) < 4:
            continue
        hit = index.find(piece, pos)
        if hit:
            spans.append(hit)
            pos = hit[1]
    return merge_spans(spans, index.text)


def merge_spans(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Sort spans and merge those that overlap or are separated only by punctuation or spaces."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + 1 and not text[out[-1][1]:a].strip("；;，, 　\n"):
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
