"""The screener: one profile's models loaded once, then every file screened through the stages.

Screening takes its models as an argument of the stages (``shencha.orchestrate.analyse``); this
module is where a screening run gets them (``shencha.train.get_models``: the cache, or trained now).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.document import Document
from pipeline.errors import ShenchaError, log_internal_error
from pipeline.ingest import DEFAULT_MAX_BYTES, SUPPORTED, ingest, sha256_bytes
from pipeline.profile import DEFAULT_PROFILE, Profile, load_profile
from pipeline.record import Record
from pipeline.segment import get_tokenizer
from shencha.orchestrate import analyse
from shencha.train import get_models


@dataclass
class Screener:
    """Screens documents with one profile; models load once per process.

    Args:
        profile: Profile folder name or path.
        max_bytes: Larger files are refused (E108).
        strict: Raise errors instead of recording them.
    """

    profile_name: str = DEFAULT_PROFILE
    max_bytes: int = DEFAULT_MAX_BYTES
    strict: bool = False

    def __post_init__(self) -> None:
        self.profile = load_profile(self.profile_name)
        self.models = get_models(self.profile)

    def screen_document(self, path: str | Path) -> Document:
        """Screen one file and return its ``Document`` (errors recorded in ``doc.errors``)."""
        t0 = time.perf_counter()
        try:
            doc = ingest(path, max_bytes=self.max_bytes)
            analyse(doc, self.profile, self.models)
        except ShenchaError as exc:
            if self.strict:
                raise
            doc = Document(path=str(path), errors=[exc.to_dict()])
            _fill_identity(doc, path)
        except Exception as exc:  # noqa: BLE001 - one bad file never stops a batch
            if self.strict:
                raise
            log_internal_error(path, exc)  # the traceback goes to the log file; the record gets one line
            err = ShenchaError("E199", path, f"{type(exc).__name__}: {exc}")
            doc = Document(path=str(path), errors=[err.to_dict()])
            _fill_identity(doc, path)
        doc.profile = (self.profile.name, self.profile.version)
        doc.model_key = self.models.key
        doc.stats["seconds"] = round(time.perf_counter() - t0, 4)
        doc.stats["chars"] = len(doc.text)
        doc.stats["sentences"] = len(doc.sentences)
        return doc

    def screen(self, path: str | Path, *, include_text: bool = False, words: bool = False) -> Record:
        """Screen one file and return its JSON record (with the full text when ``include_text``).

        With ``words`` (and ``include_text``) the record also carries the screening's words
        (``screening_words``) for the archive's word index, when they fit its text.
        """
        doc = self.screen_document(path)
        rec = doc.to_record(include_text=include_text)
        if words and include_text and not rec.get("errors"):
            got = screening_words(doc, self.profile)
            if got is not None:
                rec["words"] = got
        return rec


def screening_words(doc: Document, profile: Profile) -> list[str] | None:
    """The screening's jieba words over the whole analysis text, for the word index (None when they do not fit).

    Each sentence carries its words (``Sentence.words``); what lies between sentences (outline
    numbers, page furniture, blank lines: a few characters) is segmented here. The archive then
    builds its search-mode tokens from them (``corpus.search.tokens_from_words``) instead of
    segmenting the text a second time.
    """
    a = doc.analysis
    lcut = get_tokenizer(str(profile.userdict)).lcut  # what ``pipeline.segment.cut`` calls

    def gap(text: str) -> list[str]:  # whitespace gives no index token however it is cut
        return [text] if text.isspace() else lcut(text, HMM=True)

    out: list[str] = []
    pos = 0
    for s in sorted(doc.sentences, key=lambda s: s.start):
        if s.start < pos or "".join(s.words) != a[s.start : s.end]:
            return None
        if s.start > pos:
            out.extend(gap(a[pos : s.start]))
        out.extend(s.words)
        pos = s.end
    if pos < len(a):
        out.extend(gap(a[pos:]))
    return out


def _fill_identity(doc: Document, path: str | Path) -> None:
    p = Path(path)
    doc.format = SUPPORTED.get(p.suffix.lower(), p.suffix.lower().lstrip(".") or "unknown")
    try:
        if p.is_file():
            doc.size = p.stat().st_size
            if doc.size <= DEFAULT_MAX_BYTES:
                doc.sha256 = sha256_bytes(p.read_bytes())
    except OSError:
        pass
