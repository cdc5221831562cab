"""Problems: the shortcomings a document finds in its author (突出問題) and their subjective causes.

One span per sentence or per 一是/二是 clause, under a problems or causes section (a heading,
or an intro such as 「我自身也還存在一些不足：」), or a 存在問題 column of a table. Intro
and transition sentences (「集中表現在四個方面。」, 「有…客觀因素，但根本的還是主觀原因。」)
and achievements are left out.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline import lang_zh as zh
from pipeline.document import Document, Sentence
from pipeline.normalise import to_simplified
from pipeline.profile import Profile

SHORTCOMING_MIN = 0.45
_AGAINST = ("achievement", "commitment", "requirement", "other", "reported", "chrome", "pledge", "direction")


def shortcoming_share(s: Sentence) -> float:
    """How much the sentence classifier reads ``s`` as a shortcoming (problem or cause) against what else it could be."""
    p = s.kind_probs
    if not p:
        return 1.0 if s.kind in ("problem", "cause") else 0.0
    short = p.get("problem", 0.0) + p.get("cause", 0.0)
    rival = max((p.get(k, 0.0) for k in _AGAINST), default=0.0)
    return short / (short + rival) if short + rival else 0.0


def is_problem(doc: Document, s: Sentence, profile: Profile) -> bool:
    """Whether sentence ``s`` states a shortcoming of the writer (its section, cues, voice and classified kind)."""
    if s.heading or s.intro or s.voice != "own":
        return False
    text = doc.sent_analysis(s)
    if len(text) < 6 or profile.pattern("directive_open").match(text) or (
            profile.pattern("procedural_open").match(text) and not s.item):
        return False
    strong = profile.pattern("problem_strong").search(text) is not None
    cue = strong or profile.pattern("problem").search(text) is not None
    achieved = profile.pattern("achieved").search(text) is not None
    if s.role in ("problems", "causes"):
        if not s.item and (profile.pattern("transition").search(text) or profile.pattern("summary_open").match(text)) and len(text) < 80 and not (
                profile.pattern("root_cause").search(text) and strong):
            return False
        if profile.pattern("objective_cause").search(text) and not s.item:
            return False
        if achieved and not strong:
            return False
        if s.kind == "achievement" and s.kind_score > 0.5 and not cue:
            return False
        if s.kind in ("commitment", "other", "requirement", "consultation", "pledge") and s.kind_score > 0.8 and not cue:
            return False
        if profile.pattern("achievement").search(text) and not strong and not s.item:
            return False
        return cue or s.item or s.kind in ("problem", "cause")
    if s.role is None and strong and not achieved:
        # outside any section: the sentence itself must read as a shortcoming, more than as anything else
        return shortcoming_share(s) >= SHORTCOMING_MIN and not profile.pattern("summary_open").match(text)
    if s.role == "achievements" and strong and not achieved and s.kind == "problem" and s.kind_score > 0.7:
        return True  # 「…但還存在不少差距」 inside an account of achievements
    return False


def table_problem_cells(doc: Document, s: Sentence, profile: Profile) -> list[tuple[int, int]]:
    """Offsets of the 存在問題 cells of a table row."""
    block = doc.blocks[s.block]
    if block.kind != "table_row" or not block.header or not block.cells:
        return []
    names = profile.data["table_columns"]["problem"]
    out = []
    pos = s.start
    for head, cell in zip(block.header, block.cells, strict=False):
        if any(n in _simp(head) for n in names) and cell.strip():
            out.append((pos, pos + len(cell)))
        pos += len(cell) + 1
    return out


def _simp(text: str) -> str:
    return to_simplified(text)


def item_extent(doc: Document, i: int, *, title_max: int = 20) -> int:
    """Index of the last sentence of the item opened by sentence ``i``.

    A short item title (「一是理財觀念不夠科學。」) and the sentences that elaborate it in the
    same paragraph, up to the next item, are one item: one span.
    """
    s = doc.sentences[i]
    if not s.item or s.heading or len(doc.sent_analysis(s)) > title_max:
        return i
    j = i
    while (j + 1 < len(doc.sentences) and doc.sentences[j + 1].block == s.block and not doc.sentences[j + 1].item
           and not doc.sentences[j + 1].heading and not doc.sentences[j + 1].intro):
        j += 1
    return j


TITLE_LINE_MAX = 30


def _first_of_block(doc: Document, i: int) -> bool:
    return i == 0 or doc.sentences[i - 1].block != doc.sentences[i].block


def _opens_item(doc: Document, i: int, profile: Profile) -> bool:
    """An item opener: 「一是…」, or the first sentence of a numbered paragraph (「3.對教研工作不熱心…」)."""
    s = doc.sentences[i]
    if s.item:
        return True
    if not _first_of_block(doc, i):
        return False
    a, _ = doc.block_spans[s.block]
    return bool(profile.pattern("outline_number").match(doc.analysis[a : s.start + 1]))


def problem_extent(doc: Document, i: int, profile: Profile) -> int:
    """Index of the last sentence of the problem item opened by sentence ``i``.

    An item is its title with the sentences that elaborate it, up to the next item: in the same
    paragraph (「一是理財觀念不夠科學。…」, 「3.對教研工作不熱心，態度消極。潛意識裡…」), or in the
    paragraph after a title that stands on its own line (「一是考慮眼前工作多，考慮長遠工作少。⏎主要表現在…」).
    """
    sents = doc.sentences
    s = sents[i]
    if not _opens_item(doc, i, profile) or s.heading or len(doc.sent_analysis(s)) > TITLE_LINE_MAX:
        return item_extent(doc, i)

    def stops(k: int) -> bool:
        t = sents[k]
        return t.item or t.heading or t.intro or t.voice != "own" or _opens_item(doc, k, profile) and _first_of_block(doc, k)

    j = i
    while j + 1 < len(sents) and sents[j + 1].block == s.block and not stops(j + 1):
        j += 1
    if j == i and j + 1 < len(sents) and sents[j + 1].block == s.block + 1 and not stops(j + 1):
        nxt = s.block + 1  # a title line: its elaboration is the next paragraph
        j += 1
        while j + 1 < len(sents) and sents[j + 1].block == nxt and not stops(j + 1):
            j += 1
    return j


@lru_cache(maxsize=8)
def _problem_label(profile: Profile) -> re.Pattern[str]:
    """A labelled problem line of a plan (「存在問題：…」, 「問題：…」): the profile's problem columns as labels."""
    names = sorted({*profile.data["table_columns"]["problem"], *profile.data["problem_labels"]}, key=len, reverse=True)
    return re.compile(r"^(?:" + "|".join(map(re.escape, names)) + r")" + zh.LABEL_NUMBER)


def labelled_problem(doc: Document, s: Sentence, profile: Profile) -> tuple[int, int] | None:
    """The value of a labelled problem line (its text after the label), or None."""
    if s.voice != "own":
        return None
    m = _problem_label(profile).match(doc.sent_analysis(s))
    if not m or s.end - (s.start + m.end()) < 4:
        return None
    return s.start + m.end(), s.end


INLINE_CLAUSE_MIN = 6


def inline_problem_list(doc: Document, s: Sentence, profile: Profile) -> list[tuple[int, int]]:
    """The items of a list of shortcomings written inside one sentence after an announcing colon
    (「…也要正視存在的問題：如A還需進一步落實；B尚需加強；C有待提高。」): one span per clause."""
    if s.heading or s.voice != "own":
        return []
    text = doc.sent_analysis(s)
    colon = zh.COLON.search(text)
    if not colon or not profile.pattern("announce_problems").search(text[: colon.start()]):
        return []
    rest = text[colon.end() :]
    pieces, pos = [], colon.end()
    for part in zh.SEMICOLON.split(rest):
        lead = zh.EXAMPLE_LEAD.match(part)
        a = pos + (lead.end() if lead else 0)
        body = text[a : pos + len(part)]
        stripped = body.strip().rstrip("。.")
        if len(stripped) >= INLINE_CLAUSE_MIN:
            a += len(body) - len(body.lstrip())
            pieces.append((s.start + a, s.start + a + len(stripped)))
        pos += len(part) + 1
    strong = profile.pattern("problem_strong")
    if len(pieces) < 2 or sum(1 for a, b in pieces if strong.search(doc.analysis[a:b])) < len(pieces) / 2:
        return []
    return pieces


def problems(doc: Document, *, profile: Profile) -> list[tuple[int, int]]:
    """Offsets of every problem statement in ``doc`` (sentences, items, labelled lines and table cells), in order."""
    spans: list[tuple[int, int]] = []
    sents = doc.sentences
    i = 0
    while i < len(sents):
        s = sents[i]
        labelled = labelled_problem(doc, s, profile) if doc.blocks[s.block].kind != "table_row" else None
        if labelled:
            spans.append(labelled)
        elif doc.blocks[s.block].kind == "table_row":
            spans.extend(table_problem_cells(doc, s, profile))
        elif inline := inline_problem_list(doc, s, profile):
            spans.extend(inline)
        elif is_problem(doc, s, profile) or _is_root_cause(doc, s, profile):
            j = problem_extent(doc, i, profile)
            spans.append((s.start, sents[j].end))
            i = j
        i += 1
    return spans




def _is_root_cause(doc: Document, s: Sentence, profile: Profile) -> bool:
    """A sentence that names the subjective root of the problems (「產生這些問題，根子在於自己理論學習不夠深入…」)."""
    if s.heading or s.intro or s.voice != "own" or s.role not in (None, "problems", "causes"):
        return False
    text = doc.sent_analysis(s)
    return bool(profile.pattern("root_cause").search(text)) and not profile.pattern("objective_cause").search(text) and len(profile.pattern("problem_strong").findall(text)) >= 1
