"""The numbered findings a report shows (problems ``P1…``, commitments ``C1…``, gaps ``G1…``) and
the flat pieces of text they cover, so that overlapping highlights never make crossing markup."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from pipeline.record import CommitmentRecord, GapRecord, ProblemRecord

#: What an entry shows: a problem, a commitment or a gap of the record.
EntryData = ProblemRecord | CommitmentRecord | GapRecord
KIND_ORDER = {"gap": 0, "problem": 1, "commitment": 2}


@dataclass
class Entry:
    """One numbered finding: a problem, a commitment or a gap, and where it sits in the text.

    Attributes:
        id: ``P1``, ``C2``, ``G3`` …
        kind: ``problem``, ``commitment`` or ``gap``.
        data: The finding or gap dict from the record.
        spans: ``(start, end)`` ranges of the record text (empty for a gap whose evidence is a note).
        area: Priority area of a problem or commitment (a gap takes the area of the finding it covers).
    """

    id: str
    kind: str
    data: EntryData
    spans: list[tuple[int, int]] = field(default_factory=list)
    area: str | None = None

    @property
    def located(self) -> bool:
        """True when the entry can be highlighted in the text."""
        return bool(self.spans)


@dataclass
class Segment:
    """A stretch of text covered by the same set of entries (the unit a highlight is drawn on)."""

    start: int
    end: int
    refs: list[Entry]

    @property
    def primary(self) -> Entry | None:
        """The entry a click on this stretch opens: a gap first, then the innermost finding."""
        return self.refs[0] if self.refs else None

    @property
    def area(self) -> str | None:
        """The area colour: the innermost problem or commitment covering this stretch."""
        for e in self.refs:
            if e.kind != "gap" and e.area:
                return e.area
        for e in self.refs:
            if e.area:
                return e.area
        return None


def segments(length: int, entries: list[Entry]) -> list[Segment]:
    """Cut ``[0, length)`` at every span boundary; each piece lists the entries covering it.

    Overlapping and nested spans thus never produce crossing markup: every piece is drawn as
    one flat highlight that knows all the entries it belongs to.
    """
    cuts = {0, length}
    spans = []
    for e in entries:
        for a, b in e.spans:
            a, b = max(0, a), min(length, b)
            if a < b:
                cuts.update((a, b))
                spans.append((a, b, e))
    points = sorted(cuts)
    covering: list[list[Entry]] = [[] for _ in points]
    for a, b, e in spans:
        i = bisect.bisect_left(points, a)
        j = bisect.bisect_left(points, b)
        for k in range(i, j):
            covering[k].append(e)
    out = []
    for k in range(len(points) - 1):
        refs = covering[k]
        # gaps first, then the shortest (innermost) finding
        refs.sort(key=lambda e: (e.kind != "gap", min(b - a for a, b in e.spans), KIND_ORDER[e.kind], e.id))
        seen: set[str] = set()
        uniq = [e for e in refs if not (e.id in seen or seen.add(e.id))]
        out.append(Segment(points[k], points[k + 1], uniq))
    return out
