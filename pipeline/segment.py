"""Segment: sentences and 一是/二是 clauses, headings, and a spaCy ``Doc`` tokenised by jieba.

Sentence boundaries fit these documents rather than spaCy's default sentencizer (which
splits on "1." and ignores "；"): a sentence ends at 。！？, and also at ；or ：when the next
clause opens an item (一是, 二要, （二）, 2.). Outline numbers stay outside the sentence span;
一是/二是 stay inside. Headings and item titles (「（一）經濟發展方面」, 「1.發展村級經濟。」)
become heading sentences.

The tokenizer is jieba's algorithm and dictionary in Rust (jieba-rs) with the profile's user
dictionary, or a private ``jieba.Tokenizer`` (the global jieba module is never touched).
"""

from __future__ import annotations

import bisect
import importlib.machinery
import importlib.util
import logging
import os
import re
import sys
from functools import lru_cache
from itertools import accumulate

from . import lang_zh as zh
from .document import Document, Sentence
from .normalise import to_simplified
from .paths import cache_dir
from .profile import Profile
from .sections import area_of_heading, infer_section_roles, intro_role, role_of
from .spacy_doc import LazySpacyDoc, blank_nlp  # noqa: F401 - blank_nlp: where callers have found it

_TITLE_MAX = 40


@lru_cache(maxsize=1)
def _rjieba_class() -> type:
    """rjieba's ``Jieba`` class. Its extension module is loaded without running the package's
    ``__init__``, which builds a module-level default tokenizer — the whole dictionary, as long to
    build as the one Shencha makes (about a tenth of a second) — that Shencha never uses. When the
    extension cannot be found so, ``import rjieba`` (ImportError when it is not installed)."""
    name = "rjieba.rjieba"
    if name not in sys.modules:
        spec = importlib.util.find_spec("rjieba")
        for folder in (spec.submodule_search_locations or []) if spec else []:
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                path = os.path.join(folder, "rjieba" + suffix)
                if os.path.isfile(path):
                    ext = importlib.util.spec_from_file_location(name, path)
                    if ext is None or ext.loader is None:
                        continue
                    module = importlib.util.module_from_spec(ext)
                    ext.loader.exec_module(module)
                    sys.modules[name] = module  # a later ``import rjieba`` reuses it
                    return module.Jieba
        import rjieba

        return rjieba.Jieba
    return sys.modules[name].Jieba


class RustTokenizer:
    """jieba's algorithm and dictionary in Rust (jieba-rs, through ``rjieba``): the same words as
    ``jieba.Tokenizer`` with the same user dictionary (bench/bench_segment.py checks them), about
    16 times faster. The interface is the part of ``jieba.Tokenizer`` Shencha uses."""

    def __init__(self, userdict: str) -> None:
        self._jieba = _rjieba_class()()
        with open(userdict, encoding="utf-8") as fh:
            for line in fh:
                parts = line.split()
                if not parts:
                    continue
                freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                tag = parts[2] if len(parts) > 2 else None
                self._jieba.add_word(parts[0], freq, tag)

    def lcut(self, text: str, HMM: bool = True) -> list[str]:  # noqa: N803 - jieba's keyword
        return self._jieba.cut(text, HMM)

    def cut(self, text: str, HMM: bool = True) -> list[str]:  # noqa: N803
        return self._jieba.cut(text, HMM)

    def cut_for_search(self, text: str, HMM: bool = True) -> list[str]:  # noqa: N803
        return self._jieba.cut_for_search(text, HMM)

    def tokenize(self, text: str, mode: str = "default", HMM: bool = True) -> list[tuple[str, int, int]]:  # noqa: N803
        """(word, start, end) in characters, as ``jieba.Tokenizer.tokenize``."""
        return list(self._jieba.tokenize(text, mode, HMM))


def python_tokenizer(userdict: str):  # noqa: ANN201 - jieba.Tokenizer
    """A private pure-Python jieba tokenizer with the user dictionary loaded (the global jieba is never touched)."""
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.tmp_dir = str(cache_dir())
    tok.cache_file = "jieba.shencha.cache"
    tok.initialize()
    tok.load_userdict(userdict)
    return tok


@lru_cache(maxsize=4)
def dictionary_tokenizer(userdict: str):  # noqa: ANN201 - jieba.Tokenizer
    """Python jieba with the user dictionary, for what needs the dictionary's word frequencies
    (``FREQ``, ``total``: the archive's search-mode tokens and its idf), cached per process."""
    return python_tokenizer(userdict)


@lru_cache(maxsize=4)
def get_tokenizer(userdict: str):  # noqa: ANN201 - RustTokenizer or jieba.Tokenizer
    """The profile's tokenizer (cached per process): jieba-rs when installed, else Python jieba
    (``SHENCHA_SEGMENTER=python`` asks for the latter)."""
    if os.environ.get("SHENCHA_SEGMENTER", "rust") != "python":
        try:
            return RustTokenizer(userdict)
        except ImportError:
            pass
    return python_tokenizer(userdict)


def cut(text: str, profile: Profile) -> list[str]:
    """Segment one string with the profile's jieba tokenizer."""
    return get_tokenizer(str(profile.userdict)).lcut(text, HMM=True)




def segment(doc: Document, profile: Profile) -> Document:
    """Stage: split blocks into sentences, mark headings and section roles, build the spaCy Doc."""
    outline = profile.pattern("outline_number")
    item_re = re.compile(r"^\s*" + profile.pattern("item_marker").pattern)
    split_re = re.compile(r"(?<=[；;：:])(?=\s*(?:" + profile.pattern("item_marker").pattern
                          + "|" + zh.INLINE_NUMBER + "))")
    intro_re = profile.pattern("intro")
    sents: list[Sentence] = []
    role: str | None = None
    area_hint: str | None = None
    section_hint: str | None = None  # the area the current top-level heading names
    soft_role: str | None = None
    intro_block = -1
    body_started = False
    for bi, block in enumerate(doc.blocks):
        bs, be = doc.block_spans[bi]
        a = doc.analysis[bs:be]
        if block.chrome:
            continue
        if block.kind == "table_row":
            sents.append(Sentence(bs, be, bi, role=role, heading=block.header is None, area_hint=area_hint))
            continue
        m = outline.match(a)
        off = m.end() if m else 0
        body = a[off:]
        top_level = bool(m) and zh.TOP_OUTLINE.match(a) is not None
        is_heading = (len(body) <= 30 and not zh.PHRASE_PUNCT.search(body.rstrip("。：:")) and not zh.COLON.search(body.rstrip("。：:"))
                      and (bool(m) or role_of(body, profile) is not None) and body_started) or (
            bool(m) and len(body) <= 40 and not zh.SENTENCE_PUNCT.search(body) and top_level)
        if is_heading:
            body_started = body_started or top_level
            r = role_of(body, profile)
            if top_level or r is not None and not m:
                role, area_hint = r, None
                if r is None:
                    area_hint = area_of_heading(body, profile)
                section_hint = area_hint
            else:  # a sub-heading: keeps the section's role unless it names another one
                keeps = (role == "measures" and r in ("problems", "causes")) or (
                    role in ("problems", "causes") and r in ("problems", "causes", "achievements"))
                if r is not None and not keeps:
                    role = r
                # a sibling sub-heading that names no area ends the area of the one before it
                area_hint = area_of_heading(body, profile) or section_hint
            soft_role = None
            sents.append(Sentence(bs + off, be, bi, role=role, heading=True, area_hint=area_hint))
            continue
        if not body_started and (len(a) > _TITLE_MAX or zh.PHRASE_PUNCT.search(a)):
            body_started = True
        # an inline sub-heading or item title: 「（一）醫療服務方面。門診流程…」「1.發展村級經濟。由…」
        local_hint = area_hint
        first = zh.SENTENCE_END.search(body)
        if (first and first.end() < len(body) and first.end() <= 18 and not zh.CLAUSE_PUNCT.search(body[: first.end()])
                and m is not None):
            title = body[: first.end()]
            sents.append(Sentence(bs + off, bs + off + first.end(), bi, role=role, heading=True, area_hint=area_hint))
            local_hint = area_of_heading(title, profile) or area_hint
            off += first.end()
        elif m is None and not item_re.match(body) and soft_role and not block.text.startswith(tuple(zh.NUMERALS[:2])):
            soft_role = None
        # split into sentences and item clauses
        pieces: list[tuple[int, int]] = []
        start = off
        for sm in zh.SENTENCE_END.finditer(a, off):
            pieces.append((start, sm.end()))
            start = sm.end()
        if start < len(a):
            pieces.append((start, len(a)))
        final: list[tuple[int, int]] = []
        for ps, pe in pieces:
            cuts = {ps + x.start() for x in split_re.finditer(a[ps:pe])}
            colon = zh.COLON.search(a[ps:pe])
            if colon and not cuts and pe - (ps + colon.end()) > 10:
                head = a[ps : ps + colon.end()]
                if (profile.pattern("list_intro").search(head) and intro_role(head, profile)
                        and not profile.pattern("direction").search(head)):
                    # 「…抓好以下工作：牢固樹立…；推行…；推動…。」 the intro, then one clause per item
                    cuts.add(ps + colon.end())
                    cuts.update(ps + x.end() for x in zh.SEMICOLON.finditer(a[ps:pe]) if ps + x.end() < pe
                                and x.start() > colon.end())
            cut_at = [ps, *sorted(cuts), pe]
            final.extend((cut_at[i], cut_at[i + 1]) for i in range(len(cut_at) - 1) if cut_at[i] < cut_at[i + 1])
        for ps, pe in final:
            seg = a[ps:pe]
            lead = len(seg) - len(seg.lstrip())
            om = outline.match(seg[lead:])
            if om:
                lead += om.end()
            s0, s1 = bs + ps + lead, bs + pe
            while s1 > s0 and doc.analysis[s1 - 1].isspace():
                s1 -= 1
            if s1 - s0 < 2:
                continue
            stext = doc.analysis[s0:s1]
            is_item = bool(item_re.match(stext)) or bool(om)
            after_intro = intro_block == bi and soft_role is not None
            sent = Sentence(s0, s1, bi, role=soft_role if (soft_role and (is_item or after_intro)) else role,
                            area_hint=local_hint, item=is_item)
            if intro_re.search(stext) and (stext.rstrip().endswith(("：", ":")) or len(stext) < 60):
                sent.intro = True
                if stext.rstrip().endswith(("：", ":")):
                    soft_role = intro_role(stext, profile) or soft_role
                    intro_block = bi
            sents.append(sent)
    doc.sentences = sents
    infer_section_roles(doc, profile)
    _set_title(doc, profile)
    doc.spacy_doc = build_spacy_doc(doc, profile)
    return doc


def _simple_or_same(text: str) -> str:
    simple = to_simplified(text)
    return simple if len(simple) == len(text) else text


def _without_noise(title: str, profile: Profile) -> str:
    """``title`` without the decorations the profile's ``title_noise`` finds in its simplified form."""
    simple = _simple_or_same(title)
    for _ in range(3):  # romanisation first (「報(bào)告」), then what it hid (「時間：…」)
        keep, at = [], 0
        for m in profile.pattern("title_noise").finditer(simple):
            keep.append(title[at : m.start()])
            at = m.end()
        keep.append(title[at:])
        cleaned = "".join(keep)
        if cleaned == title:
            break
        title, simple = cleaned, _simple_or_same(cleaned)
    return title


@lru_cache(maxsize=8)
def _genre_endings(profile: Profile) -> tuple[str, ...]:
    """Every genre noun a title may end with (profile ``declared_genre``): a title ending so is complete."""
    spec = profile.data.get("declared_genre") or {}
    names = [e for ends in (spec.get("endings") or {}).values() for e in ends]
    names += profile.by_writer.get("endings", [])
    return tuple(sorted(set(names), key=len, reverse=True))


def _set_title(doc: Document, profile: Profile) -> None:
    """The title: leading short lines with no sentence punctuation, rejoined when broken (not past a line that
    ends in a genre noun, page furniture or a repeat of the title), with a content site's decorations
    (profile ``title_noise``: 【精選5篇】, 范文, - 格式:doc) removed; its sentences become headings."""
    parts = []
    body = [i for i, b in enumerate(doc.blocks) if not b.chrome]
    first = body[0] if body else 0
    n_blocks = first
    endings = _genre_endings(profile)
    for b in doc.blocks[first : first + 4]:
        t = b.text.strip()
        if b.chrome or b.kind == "table_row" or zh.PHRASE_PUNCT.search(t) or len(t) > _TITLE_MAX:
            break
        if zh.LINE_STARTS_WITH_YEAR.match(t) or "　" in t or t.endswith(("：", ":", "！", "!")):
            break
        if zh.OUTLINE_START.match(t) or re.match(r"^\s*\d+[、.．]", t):
            break
        if parts and (t in parts[0] or parts[0] in t):  # the title repeated on the next line
            break
        parts.append(t)
        n_blocks += 1
        joined = _without_noise("".join(parts), profile)
        if len(joined) >= 12 and (not zh.ENDS_HAN.search(t[-1:] or "") or to_simplified(joined).endswith(endings)):
            break
    doc.title = _without_noise("".join(parts), profile).strip()[:80] or _run_in_title(doc, first, endings)
    for s in doc.sentences:
        if s.block < n_blocks:
            s.heading = True


def _run_in_title(doc: Document, first: int, endings: tuple[str, ...]) -> str:
    """A title run into the text on the first line (「中共某鎮委關於…的分析檢查報告根據全市…」): the text
    up to a genre noun that a body opener follows, with no punctuation before it; else ``""``."""
    if first >= len(doc.blocks) or doc.blocks[first].kind == "table_row":
        return ""
    a, b = doc.block_spans[first]
    head = doc.analysis[a : min(b, a + _TITLE_MAX + 8)]
    stop = zh.PHRASE_PUNCT.search(head)
    head = head[: stop.start()] if stop else head
    for e in endings:
        at = head.find(e)
        while at >= 0:
            end = at + len(e)
            if end >= 8 and zh.BODY_OPENER.match(head, end):
                return doc.text[a : a + end].strip()
            at = head.find(e, at + 1)
    return ""


def build_spacy_doc(doc: Document, profile: Profile) -> LazySpacyDoc:
    """A spaCy ``Doc`` over the analysis text, tokenised by jieba, one sentence per ``Sentence``
    (built on first use: ``LazySpacyDoc``).

    The whole text is segmented once; tokens are then cut at sentence boundaries (jieba never
    joins across punctuation, so this rarely splits a word), so every sentence is a span and
    each ``Sentence.words`` holds its own tokens.
    """
    tok = get_tokenizer(str(profile.userdict))
    text = doc.analysis
    words = tok.lcut(text, HMM=True)
    starts_at = list(accumulate((len(w) for w in words[:-1]), initial=0))
    # Split the (rare) tokens that straddle a sentence boundary.
    for c in sorted({s.start for s in doc.sentences} | {s.end for s in doc.sentences}):
        i = bisect.bisect_right(starts_at, c) - 1
        if 0 <= i < len(words) and starts_at[i] < c < starts_at[i] + len(words[i]):
            w, a0 = words[i], starts_at[i]
            words[i : i + 1] = [w[: c - a0], w[c - a0 :]]
            starts_at[i : i + 1] = [a0, c]
    sent_starts = {s.start for s in doc.sentences}
    flags = [True] + [a in sent_starts for a in starts_at[1:]]
    for s in doc.sentences:
        i = bisect.bisect_left(starts_at, s.start)
        j = bisect.bisect_left(starts_at, s.end)
        s.words = words[i:j]
    return LazySpacyDoc(words, flags)
