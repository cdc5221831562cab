"""Commitments: the future actions the author undertakes, with the 四明確一承諾 fields.

A commitment is a sentence or 一是 clause under a measures section (整改措施, 努力方向,
下步打算…, or an intro such as 「今後，我將在以下幾個方面繼續努力：」), or a row of a
rectification table. Direction statements (「總體思路是…」), pledges, requirements placed on
other units (「各責任單位要…」) and intros are not commitments.

Fields: item (項目), target (目標), deadline (ISO) with its precision and words, owner
(責任), measures (措施), and whether the document makes a public pledge (承諾).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from pipeline import lang_zh as zh
from pipeline.document import Document, Sentence
from pipeline.normalise import to_simplified
from pipeline.profile import Profile

from .deadlines import Deadline, parse_deadline
from .owners import find_owner
from .problems import item_extent


@dataclass
class CommitmentSpan:
    """A commitment's offsets and fields (offsets index ``Document.text``)."""

    start: int
    end: int
    fields: dict[str, Any] = field(default_factory=dict)
    item_from: tuple[int, int] | None = None


def is_commitment(doc: Document, s: Sentence, profile: Profile) -> bool:
    """Whether sentence ``s`` is a commitment the author makes (in the writer's own voice)."""
    if s.heading or s.intro or s.voice in ("reported", "chrome", "directive"):
        return False
    text = doc.sent_analysis(s)
    if len(text) < 6:
        return False
    if profile.pattern("direction").search(text) or profile.pattern("pledge").search(text):
        return False
    m = _label_re(profile).match(text)
    if m and _field_of(m.group("label"), profile) in ("owner", "deadline", "item"):
        return False  # a labelled field line (「牽頭領導：總經理。」) belongs to the commitment before it
    if m and _field_of(m.group("label"), profile) == "measures" and len(text) - m.end() >= 8 and not s.heading:
        return True  # a labelled measures line (「整改措施：組織進機關…」) states what the writer will do
    if profile.pattern("requirement").match(text) or profile.pattern("past_account").search(text) or profile.pattern("note").search(text):
        return False
    if zh.PERFECTIVE.search(text) and not (profile.pattern("future_action").search(text)
                                           or profile.pattern("own_future").search(text)):
        return False  # an account of what was done (「成立了…領導小組」), not an undertaking
    if s.role == "measures":
        if s.kind in ("achievement", "requirement", "pledge", "direction", "other", "consultation") and s.kind_score > 0.7:
            return bool(s.item and profile.pattern("commitment_cue").search(text))
        return bool(profile.pattern("commitment_cue").search(text) or profile.pattern("action_verb").search(text) or s.kind == "commitment")
    if s.role is None and s.kind == "commitment" and s.kind_score > 0.6 and profile.pattern("own_future").search(text):
        return True  # 「今後我將…」, 「我區將…」 with no measures heading
    if s.role is None and s.item and s.kind == "commitment" and s.kind_score > 0.75:
        return bool(profile.pattern("own_future").search(doc.analysis[max(0, s.start - 60) : s.start]))
    return False


def _titles_a_commitment(doc: Document, i: int, profile: Profile) -> bool:
    """An item's short title in a measures section (「二是健全群眾訴求辦理機制。」) whose next sentence,
    in the same paragraph, is a commitment: title and elaboration are one commitment."""
    sents = doc.sentences
    s = sents[i]
    if not s.item or s.heading or s.role != "measures" or s.voice != "own" or i + 1 >= len(sents):
        return False
    nxt = sents[i + 1]
    return (nxt.block == s.block and not nxt.item and len(doc.sent_analysis(s)) <= 20
            and is_commitment(doc, nxt, profile))


def _column(header: list[str], profile: Profile, field_name: str) -> int | None:
    names = profile.data["table_columns"][field_name]
    for i, h in enumerate(header):
        hs = to_simplified(h.strip())
        if any(n == hs or n in hs for n in names):
            return i
    return None


def _table_commitment(doc: Document, s: Sentence, profile: Profile) -> CommitmentSpan | None:
    block = doc.blocks[s.block]
    if not block.header or not block.cells:
        return None
    cols = {f: _column(block.header, profile, f) for f in ("item", "target", "measures", "deadline", "owner", "problem", "number")}
    if cols["measures"] is None and cols["deadline"] is None and cols["owner"] is None and cols["target"] is None:
        return None
    cells = block.cells
    fields: dict[str, Any] = {}
    for f in ("item", "target", "measures"):
        i = cols[f]
        fields[f] = cells[i].strip() if i is not None and i < len(cells) and cells[i].strip() else None
    i = cols["owner"]
    fields["owner"] = cells[i].strip() if i is not None and i < len(cells) and cells[i].strip() else None
    i = cols["deadline"]
    dtext = to_simplified(cells[i]) if i is not None and i < len(cells) else ""
    fields["_deadline_source"] = dtext
    return CommitmentSpan(s.start, s.end, fields)


@lru_cache(maxsize=8)
def _label_re(profile: Profile) -> re.Pattern[str]:
    """Labels of the fields of a commitment written as labelled lines (the profile's table columns)."""
    cols = profile.data["table_columns"]
    alts = sorted({w for f in ("item", "target", "measures", "deadline", "owner") for w in cols[f]}, key=len, reverse=True)
    return re.compile(r"(?P<label>" + "|".join(map(re.escape, alts)) + r")" + zh.LABEL_NUMBER)


def _field_of(label: str, profile: Profile) -> str:
    cols = profile.data["table_columns"]
    for f in ("owner", "deadline", "measures", "target", "item"):
        if label in cols[f]:
            return f
    return "item"


def labelled_groups(doc: Document, profile: Profile) -> tuple[list[CommitmentSpan], set[int]]:
    """Commitments written as labelled fields, one field per line:

        整改項目一：…。
        整改措施：…。
        責任領導：…　責任股室：…　完成時限：2009年8月底前。

    Each group with measures is one commitment (its span is the measures text) with its fields
    taken from the sibling lines. Returns the commitments and the blocks they consumed.
    """
    rx = _label_re(profile)
    groups: list[dict[str, tuple[int, int]]] = []
    used: set[int] = set()
    current: dict[str, tuple[int, int]] | None = None
    blocks_of_current: list[int] = []
    for bi, block in enumerate(doc.blocks):
        a, b = doc.block_spans[bi]
        text = doc.analysis[a:b]
        m = rx.match(zh.OUTLINE_PREFIX.sub("", text)) if block.kind != "table_row" else None
        lead = len(text) - len(zh.OUTLINE_PREFIX.sub("", text))
        if not m:
            if current is not None:
                groups.append(current)
                used.update(blocks_of_current)
            current, blocks_of_current = None, []
            continue
        fields: dict[str, tuple[int, int]] = {}
        hits = list(rx.finditer(text, lead))
        hits = [h for h in hits if h.start() == lead or text[h.start() - 1] in " \u3000。；;，,"]
        for k, h in enumerate(hits):
            end = hits[k + 1].start() if k + 1 < len(hits) else len(text)
            value = (a + h.end(), a + len(text[:end].rstrip(" \u3000。；;，,")))
            fields.setdefault(_field_of(h.group("label"), profile), value)
        starts_new = current is not None and (("item" in fields and "item" in current)
                                              or ("measures" in fields and "measures" in current))
        if current is None or starts_new:
            if current is not None:
                groups.append(current)
                used.update(blocks_of_current)
            current, blocks_of_current = {}, []
        for f, v in fields.items():
            current.setdefault(f, v)
        blocks_of_current.append(bi)
    if current is not None:
        groups.append(current)
        used.update(blocks_of_current)
    out = []
    for g in groups:
        if "measures" not in g or not ({"owner", "deadline", "item", "target"} & set(g)):
            continue
        ms, me = g["measures"]
        c = CommitmentSpan(ms, me, {})
        for f in ("item", "target", "owner"):
            c.fields[f] = doc.text[g[f][0] : g[f][1]].strip() if f in g else None
        c.fields["_deadline_source"] = doc.analysis[g["deadline"][0] : g["deadline"][1]] if "deadline" in g else ""
        out.append(c)
    return out, (used if out else set())


_OUTLINED = zh.OUTLINE_START


def _enumerated_block(doc: Document, i: int, profile: Profile) -> tuple[int, int, dict[str, Any]]:
    """For the first sentence of an enumerated paragraph (「1.延長柑橘產業鏈條。引進…。責任領導：鎮長。完成時限：…」):
    the index of its last sentence before any labelled fields, the index of the paragraph's last
    sentence, and the labelled fields (owner, deadline source, target)."""
    sents = doc.sentences
    s = sents[i]
    rx = _label_re(profile)
    a, _ = doc.block_spans[s.block]
    if not _OUTLINED.match(doc.analysis[a:]) or any(x.block == s.block and not x.heading for x in sents[max(0, i - 3) : i]):
        return i, i, {}
    j = i
    fields: dict[str, Any] = {}
    k = i + 1
    while k < len(sents) and sents[k].block == s.block:
        text = doc.sent_analysis(sents[k])
        m = rx.match(text)
        if m:
            label = m.group("label")
            value = doc.text[sents[k].start + m.end() : sents[k].end].rstrip("。.；;")
            kind = _field_of(label, profile)
            if kind == "owner":
                fields.setdefault("owner", value)
            elif kind == "deadline":
                fields.setdefault("_deadline_source", doc.sent_analysis(sents[k])[m.end() :])
            elif kind == "target":
                fields.setdefault("target", value)
        elif not fields:
            j = k
        k += 1
    return j, k - 1, fields


def commitments(doc: Document, *, profile: Profile, first_person: bool = False,
                doc_date: date | None = None) -> list[CommitmentSpan]:
    """Every commitment in ``doc`` with its fields.

    Args:
        doc: A segmented document (sentence kinds set when available).
        profile: The campaign profile.
        first_person: The document speaks as 我 (a speech): owners are then left empty.
        doc_date: The document's date, for relative deadlines.
    """
    out: list[CommitmentSpan] = []
    pledge = any(profile.pattern("pledge").search(doc.sent_analysis(s)) for s in doc.sentences)
    grouped, consumed = labelled_groups(doc, profile)
    by_start = {s.start: s for s in doc.sentences}
    for c in grouped:
        s = by_start.get(c.start) or next((x for x in doc.sentences if x.start <= c.start < x.end), doc.sentences[0])
        _fill_fields(doc, s, c, profile, first_person=first_person, doc_date=doc_date, span=(c.start, c.end))
        c.fields["pledge"] = pledge
        out.append(c)
    prev_title: Sentence | None = None
    sents = doc.sentences
    i = 0
    while i < len(sents):
        s = sents[i]
        block = doc.blocks[s.block]
        j = i
        if s.block in consumed:
            c = None
        elif s.heading:
            prev_title = s if block.kind != "table_row" else None
            i += 1
            continue
        elif block.kind == "table_row":
            c = _table_commitment(doc, s, profile)
        elif is_commitment(doc, s, profile) or _titles_a_commitment(doc, i, profile):
            j = item_extent(doc, i)
            last, block_end, label_fields = _enumerated_block(doc, i, profile)
            c = CommitmentSpan(s.start, sents[max(j, last)].end, dict(label_fields))
            j = max(j, block_end)
            text = doc.sent_analysis(s)
            m = zh.ITEM_LABEL.match(text)
            if m:
                c.fields["item"] = doc.text[s.start : s.start + m.end(1)]
            elif prev_title is not None and prev_title.block == s.block:
                c.fields["item"] = doc.text[prev_title.start : prev_title.end].rstrip("。.")
        else:
            c = None
        if block.kind != "table_row":
            prev_title = prev_title if (prev_title and prev_title.block == s.block) else None
        i = j + 1
        if c is None:
            continue
        _fill_fields(doc, s, c, profile, first_person=first_person, doc_date=doc_date, span=(c.start, c.end))
        c.fields["pledge"] = pledge
        out.append(c)
    out.sort(key=lambda c: c.start)
    return out


def _fill_fields(doc: Document, s: Sentence, c: CommitmentSpan, profile: Profile, *, first_person: bool,
                 doc_date: date | None, span: tuple[int, int]) -> None:
    text = doc.analysis[span[0] : span[1]]
    s = Sentence(span[0], span[1], s.block)
    source = c.fields.pop("_deadline_source", None)
    dl: Deadline | None = None
    if source:
        dl = parse_deadline(source, year=doc.year, doc_date=doc_date)
    if dl is None:
        dl = parse_deadline(text, year=doc.year, doc_date=doc_date)
    c.fields["deadline"] = dl.iso if dl else None
    c.fields["deadline_precision"] = dl.precision if dl else None
    c.fields["deadline_text"] = dl.text if dl else None
    if "owner" not in c.fields:
        span = None if first_person else find_owner(text, profile)
        c.fields["owner"] = doc.text[s.start + span[0] : s.start + span[1]] if span else None
    if not c.fields.get("target"):
        m = profile.pattern("commitment_target").search(text)
        c.fields["target"] = doc.text[s.start + m.start() : s.start + m.end()] if m else None
    if not c.fields.get("measures"):
        clauses = [cl for cl in zh.CLAUSE_SPLIT.split(text) if profile.pattern("action_verb").search(cl)]
        c.fields["measures"] = clauses and "，".join(
            doc.text[s.start + text.index(cl) : s.start + text.index(cl) + len(cl)] for cl in clauses[:4]) or None
    c.fields.setdefault("item", None)
    concrete = bool(c.fields["deadline"] or c.fields["owner"] or zh.COUNTED.search(text))
    c.fields["concrete"] = concrete
    c.fields["slogan"] = bool(profile.pattern("slogan_open").match(text)) and not concrete
    body = zh.ORDINAL_ITEM.sub("", text)
    c.fields["has_measure"] = concrete or (not profile.pattern("slogan_open").match(text) and (bool(profile.pattern("action_verb").search(text)) or len(body) >= 20))
