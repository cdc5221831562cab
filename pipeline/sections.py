"""Sections: the role of each heading and section (problems, causes, measures, …), from the profile's cues.

A heading names its role (「存在的突出問題」, 「整改措施」); a section whose heading names none
(「一、推動科學發展方面」) gets one from its content; a paragraph opening that announces what
follows (「…還存在不少差距。」) and a run of 一是/二是 items stating shortcomings give the same
role outside any headed section. Every cue is a profile pattern.
"""

from __future__ import annotations

import re

from . import lang_zh as zh
from .document import Document, Sentence
from .profile import Profile

_FORWARD = ("measures", "direction")  # roles of what is to be done about the problems


def role_of(text: str, profile: Profile) -> str | None:
    """The role a heading gives the sentences under it: the first in the profile's order whose cue it
    names; None when it names both the problems and what is to be done about them (「存在的問題及今後
    工作目標」, 「問題及整改措施」 with no sub-headings): each sentence then goes by what it says."""
    named = [role for role, cues in profile.sections.items() if any(c in text for c in cues)]
    if "problems" in named and any(r in named for r in _FORWARD):
        return None
    return named[0] if named else None


def intro_role(text: str, profile: Profile) -> str | None:
    """The role an intro sentence (「…存在一些不足：」, 「今後我將…努力：」) gives the items after it."""
    for role in ("measures", "causes", "problems", "achievements"):
        if profile.pattern(f"intro_{role}").search(text):
            return role
    return None


def area_of_heading(text: str, profile: Profile) -> str | None:
    for area, spec in profile.areas.items():
        if any(c in text for c in spec.get("heading_cues", [])):
            return area
    return None


def infer_section_roles(doc: Document, profile: Profile) -> None:
    """Give a role to headed sections whose heading names none (「一、推動科學發展方面」), from their content.

    A section where most sentences state shortcomings becomes a problems section; one where
    most sentences commit to dated or future action becomes a measures section.
    """
    strong, achieved = profile.pattern("problem_strong"), profile.pattern("achieved")
    future = profile.pattern("future_action")
    sections: list[list[Sentence]] = []
    for s in doc.sentences:
        top = s.heading and doc.blocks[s.block].kind != "table_row" and _is_top_heading(doc, s)
        if top or not sections:
            sections.append([])
        sections[-1].append(s)
    for sec in sections[1:]:
        if not sec[0].heading or any(s.role is not None for s in sec):
            continue
        body = [s for s in sec if not s.heading and not s.intro]
        if not body:
            continue
        texts = [doc.sent_analysis(s) for s in body]
        prob = sum(1 for t in texts if strong.search(t) and not achieved.search(t))
        fut = sum(1 for t in texts if future.search(t))
        role = "problems" if prob / len(body) >= 0.5 else ("measures" if fut / len(body) >= 0.5 else None)
        if role:
            for s in sec:
                s.role = role
    _infer_item_runs(doc, strong, achieved)
    _infer_paragraph_roles(doc, profile)


_ANNOUNCED_ROLES = ("causes", "problems", "measures")  # profile patterns announce_<role>
# Only measures are carried past their paragraph: a list of problems or causes announced at a
# paragraph's end is found sentence by sentence already, and carrying it took in procedure and
# chrome (measured on the real pages, bench/real_pages.py).
_CLOSING_ROLES = ("measures",)
CLOSING_MAX = 120  # characters: an announcement, not a paragraph of its own


def _infer_paragraph_roles(doc: Document, profile: Profile) -> None:
    """In a paragraph outside any section, an opening that announces problems, causes or measures
    (「…還存在不少差距。」, 「產生這些問題的原因是多方面的。」) gives the rest of the paragraph that role."""
    by_block: dict[int, list[Sentence]] = {}
    for s in doc.sentences:
        by_block.setdefault(s.block, []).append(s)
    for sents in by_block.values():
        body = [s for s in sents if not s.heading]
        if len(body) < 2 or any(s.role is not None for s in body):
            continue
        first = doc.sent_analysis(body[0])
        for role in _ANNOUNCED_ROLES:
            if profile.pattern(f"announce_{role}").search(first) and len(first) < 90:
                body[0].intro = True
                for s in body[1:]:
                    s.role = role
                break
    _carry_closing_announcements(doc, profile, by_block)


def _carry_closing_announcements(doc: Document, profile: Profile, by_block: dict[int, list[Sentence]]) -> None:
    """A paragraph that ends by announcing measures (「下步，要聚焦…」, 「今後我們將從以下方面努力。」)
    gives that role to the paragraphs after it that have none, up to the next top-level heading or
    a paragraph with a role of its own: the items a document lists under such an opening, with or
    without sub-headings, are what it announced."""
    blocks = sorted(by_block)
    role: str | None = None
    for b in blocks:
        sents = by_block[b]
        if any(s.heading and _is_top_heading(doc, s) for s in sents) or any(s.role is not None for s in sents):
            role = None
            continue
        if role is not None:
            for s in sents:
                s.role = role
        last = sents[-1]
        text = doc.sent_analysis(last)
        if last.heading or len(text) >= CLOSING_MAX:
            continue
        announced = next((r for r in _CLOSING_ROLES if profile.pattern(f"announce_{r}").search(text)), None)
        if announced and (role is None or announced != role):
            last.intro = True
            last.role = None
            role = announced


def _infer_item_runs(doc: Document, strong: re.Pattern[str], achieved: re.Pattern[str]) -> None:
    """Outside any named section, a run of item paragraphs (「第一，…」「二是…」) that mostly state
    shortcomings is a problems run (a speech without headings lists its problems this way)."""
    run: list[Sentence] = []

    def close() -> None:
        items = [s for s in run if s.item]
        if len(items) >= 2:
            texts = [doc.sent_analysis(s) for s in run]
            if sum(1 for t in texts if strong.search(t) and not achieved.search(t)) / len(texts) >= 0.5:
                for s in run:
                    s.role = "problems"
        run.clear()

    last_block = -1
    for s in doc.sentences:
        if s.role is not None or s.heading or s.intro:
            close()
            continue
        first_of_block = s.block != last_block
        last_block = s.block
        if first_of_block and not s.item:
            close()
            continue
        if first_of_block or run:
            run.append(s)
    close()


def _is_top_heading(doc: Document, s: Sentence) -> bool:
    a = doc.analysis[doc.block_spans[s.block][0] : s.end]
    return zh.TOP_OUTLINE.match(a) is not None or not zh.OPENS_BRACKET.match(a)
