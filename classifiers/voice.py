"""Voice: whose words a sentence is — the writer's own, a directive to others, or reported speech.

A finding is the writer's own problem or commitment. News of a meeting (「會議指出，該局還存在…」),
a leader quoted (「他強調，要…」) and site furniture state problems and plans too, but they are
not the writer's: the voice of each sentence decides, where it stands, so that a doubtful
document type never has to.

Voices: ``own``, ``directive`` (a requirement placed on others), ``reported`` (news voice,
quotation) and ``chrome`` (page furniture). The cues are the profile's ``voice_reported``,
``voice_chrome`` and ``requirement`` patterns, with the sentence classifier's ``reported`` and
``chrome`` kinds; a paragraph that opens in news voice keeps it.
"""

from __future__ import annotations

from pipeline import lang_zh as zh
from pipeline.document import Document, Sentence
from pipeline.profile import Profile

VOICES = ("own", "directive", "reported", "chrome")
_OWN_SECTIONS = ("problems", "causes", "measures")


def classify_voice(doc: Document, profile: Profile) -> None:
    """Set ``Sentence.voice`` on every sentence of ``doc`` (kinds already set)."""
    reported, chrome = profile.pattern("voice_reported"), profile.pattern("voice_chrome")
    requirement, first_person = profile.pattern("requirement"), profile.pattern("first_person")
    plural = profile.pattern("plural_author")
    last_block, carried = -1, None
    for s in doc.sentences:
        text = doc.sent_analysis(s)
        opening = s.block != last_block
        if opening:
            last_block, carried = s.block, None
        own_marked = bool(first_person.search(text) or plural.search(text))
        if chrome.search(text) or (s.kind == "chrome" and s.kind_score > 0.6):
            s.voice = "chrome"
            continue
        if reported.search(text) or (s.kind == "reported" and s.kind_score > 0.55 and not own_marked):
            s.voice = "reported"
            if opening:  # a paragraph that opens in news voice keeps it
                carried = "reported"
            continue
        if carried == "reported" and not own_marked:
            s.voice = "reported"
            continue
        if not own_marked and (requirement.match(text) or (
                s.kind == "requirement" and s.kind_score > 0.7 and not s.item and s.role != "measures")):
            s.voice = "directive"
            continue
        s.voice = "own"
    _news_voice(doc, profile)


def opens_as_news(doc: Document, profile: Profile) -> bool:
    """Whether the page opens with a news lead (profile ``news_lead``: 「7月7日下午，…召开…」) in one
    of its first two body sentences, not spoken as 我/我们 (never, for a profile without the pattern)."""
    if "news_lead" not in profile.patterns:
        return False
    lead, first_person, plural = profile.pattern("news_lead"), profile.pattern("first_person"), profile.pattern("plural_author")
    body = [s for s in doc.sentences if not s.heading and s.voice != "chrome"][:2]
    return any(lead.search(t) and not (first_person.search(t) or plural.search(t))
               for t in (doc.sent_analysis(s).strip() for s in body))


def writer_sentences(doc: Document, profile: Profile, sentences: list[Sentence] | None = None) -> int:
    """How many of ``sentences`` (default: the body's, not headings or furniture) speak as the writer
    (我, 我们, 本人, 我局…: the profile's ``first_person`` and ``plural_author``)."""
    first_person, plural = profile.pattern("first_person"), profile.pattern("plural_author")
    if sentences is None:
        sentences = [s for s in doc.sentences if not s.heading and s.voice != "chrome"]
    return sum(1 for t in map(doc.sent_analysis, sentences) if first_person.search(t) or plural.search(t))


def _news_voice(doc: Document, profile: Profile) -> None:
    """A page in the news voice throughout: where reported sentences are a good share of the body
    (profile ``voice.news_share``) or the page opens with a news lead, and the writer never speaks as
    我/我们, its unmarked sentences are reported too (「該局…」, 「各地…」 report others' problems, not the writer's)."""
    spec = profile.data.get("voice") or {}
    body = [s for s in doc.sentences if not s.heading and s.voice != "chrome"]
    if not body:
        return
    marked = writer_sentences(doc, profile, body)
    reported = sum(1 for s in body if s.voice == "reported")
    if marked > int(spec.get("news_max_own", 1)):
        return
    if reported / len(body) < float(spec.get("news_share", 0.3)) and not opens_as_news(doc, profile):
        return
    numbered = False  # the section the sentence stands in has an outline-numbered heading
    for s in doc.sentences:
        if s.heading:
            a = doc.block_spans[s.block][0]
            numbered = bool(zh.OUTLINE_START.match(doc.analysis[a : s.end]))
            continue
        # a sentence under the page's own numbered problems or measures heading (「三、下一步工作措施」)
        # is the page's own: news has subheads, not an outline of sections
        if s.voice == "own" and not (numbered and s.role in _OWN_SECTIONS):
            s.voice = "reported"
