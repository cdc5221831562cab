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

from pipeline.document import Document
from pipeline.profile import Profile

VOICES = ("own", "directive", "reported", "chrome")


def classify_voice(doc: Document, profile: Profile) -> None:
    """Set ``Sentence.voice`` on every sentence of ``doc`` (kinds already set)."""
    reported, chrome = profile.pattern("voice_reported"), profile.pattern("voice_chrome")
    requirement, first_person = profile.pattern("requirement"), profile.pattern("first_person")
    plural = profile.pattern("plural_author")
    last_block, carried = -1, None
    for s in doc.sentences:
        text = doc.sent_analysis(s)
        if s.block != last_block:
            last_block, carried = s.block, None
        own_marked = bool(first_person.search(text) or plural.search(text))
        if chrome.search(text) or (s.kind == "chrome" and s.kind_score > 0.6):
            s.voice = "chrome"
            continue
        if reported.search(text) or (s.kind == "reported" and s.kind_score > 0.55 and not own_marked):
            s.voice = carried = "reported"
            continue
        if carried == "reported" and not own_marked:
            s.voice = "reported"
            continue
        if not own_marked and (requirement.match(text) or (
                s.kind == "requirement" and s.kind_score > 0.7 and not s.item and s.role != "measures")):
            s.voice = "directive"
            continue
        s.voice = "own"
