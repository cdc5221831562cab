"""Orchestrate: run the stages over each document and isolate its errors (batches: ``shencha.batch``).

ingest → normalise → segment → sentence kinds → voice → metadata → extract (candidates) →
document type → select (findings) → areas → work-report score → gaps → record. Each stage
declares what it reads and writes; no stage deletes another's output. A ``ShenchaError`` (or any unexpected exception) in one
document becomes an ``errors`` entry in its record; the batch goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from classifiers.areas import classify_areas
from classifiers.doc_type import classify_doc_type, declared_type, doc_features, first_person_share, writer_of
from classifiers.gaps import check_gaps
from classifiers.models import featurise_text
from classifiers.sentences import classify_kinds
from classifiers.voice import classify_voice, writer_sentences
from classifiers.work_report import work_report_score
from extractors.commitments import commitments
from extractors.metadata import find_date, find_unit, find_year
from extractors.problems import problems
from pipeline import lang_zh as zh
from pipeline.boilerplate import mark_boilerplate
from pipeline.document import Document, Finding
from pipeline.normalise import normalise
from pipeline.profile import Profile
from pipeline.segment import segment


@dataclass(frozen=True)
class Stage:
    """One step of the analysis: what it reads and what it writes (``Document`` attributes)."""

    name: str
    run: Callable[[Document, Profile, Any], None]
    needs: tuple[str, ...]
    writes: tuple[str, ...]


def _normalise(doc: Document, profile: Profile, models: Any) -> None:
    normalise(doc)


def _boilerplate(doc: Document, profile: Profile, models: Any) -> None:
    mark_boilerplate(doc, profile)


def _segment(doc: Document, profile: Profile, models: Any) -> None:
    segment(doc, profile)


def _kinds(doc: Document, profile: Profile, models: Any) -> None:

    classify_kinds(doc, models.kinds)


def _voice(doc: Document, profile: Profile, models: Any) -> None:

    classify_voice(doc, profile)


def _metadata(doc: Document, profile: Profile, models: Any) -> None:

    when = find_date(doc)
    doc.date = when.isoformat() if when else None
    doc.year = find_year(doc, when)
    doc.unit = find_unit(doc, profile)


def _extract(doc: Document, profile: Profile, models: Any) -> None:
    """Candidate problems and commitments, sentence by sentence, before the document type is known."""


    when = date.fromisoformat(doc.date) if doc.date else None
    by_start = {s.start: s for s in doc.sentences}
    for a, b in problems(doc, profile=profile):
        s = by_start.get(a)
        body = zh.ORDINAL_ITEM.sub("", doc.analysis[a:b])
        concrete = bool(zh.COUNTED.search(body)) or (len(body) >= 28 and bool(zh.COMMA.search(body)))
        cause = bool(s and (s.role == "causes" or (s.kind == "cause" and s.kind_score > 0.6)))
        doc.problem_candidates.append(Finding("problem", a, b, doc.text[a:b], doc.locator(a),
                                              fields={"cause": cause, "concrete": concrete}))
    for c in commitments(doc, profile=profile, doc_date=when):
        doc.commitment_candidates.append(Finding("commitment", c.start, c.end, doc.text[c.start : c.end],
                                                 doc.locator(c.start), fields=c.fields))


def _doc_type(doc: Document, profile: Profile, models: Any) -> None:
    """The type the title declares (its genre and writer), else the classifier's, from structure and content."""

    owned = sum(1 for c in doc.commitment_candidates if c.fields.get("owner"))
    feats = doc_features(doc, profile, len(doc.commitment_candidates), owned)
    doc.doc_type, doc.doc_type_score, probs = classify_doc_type(feats, models.doc_type)
    doc.stats["doc_type_probabilities"] = probs
    declared = declared_type(doc, profile, probs)
    doc.stats["doc_type_declared"] = declared
    if declared and declared != doc.doc_type:
        doc.doc_type, doc.doc_type_score = declared, max(0.5, probs.get(declared, 0.0))
    by_writer = profile.by_writer
    if not declared and doc.doc_type in (by_writer.get("team"), by_writer.get("person")):
        # the two analysis genres differ by who writes: a team's examination, one person's speech
        writer = writer_of(doc, profile)
        doc.stats["doc_type_writer"] = writer
        if writer and by_writer.get(writer) and by_writer[writer] != doc.doc_type:
            doc.doc_type = by_writer[writer]
            doc.doc_type_score = max(0.5, probs.get(doc.doc_type, 0.0))


def _select(doc: Document, profile: Profile, models: Any) -> None:
    """The findings: the candidates, unless the document surely only reports on or directs others
    (or, typed so, states a single problem in passing); in a first-person speech a commitment names no
    owner (the speaker is the owner)."""
    # a document of a type that reports on or directs others (profile genres.no_findings) loses its
    # findings only when its type is sure (thresholds.sure_type): a doubtful type never hides them
    reporting = doc.doc_type in profile.data["genres"]["no_findings"]
    if reporting and doc.doc_type_score >= profile.thresholds["sure_type"]:
        return
    doc.problems = list(doc.problem_candidates)
    # a page that reports on or directs others mentions a problem in passing (one sentence is no
    # self-examination), or, its writer never speaking as 我/我们, tells of others' shortcomings
    if reporting and doc.problems and (len(doc.problems) < profile.thresholds["own_problems_min"]
                                       or not writer_sentences(doc, profile)):
        doc.stats["problems_set_aside"] = len(doc.problems)
        doc.problems = []
    # one person's material (the by_writer person genre, or a body mostly in 我/本人): the speaker owns its commitments
    person = profile.by_writer.get("person")
    speech = doc.doc_type == person or first_person_share(doc, profile) > 0.25
    for c in doc.commitment_candidates:
        if speech and c.fields.get("owner"):
            c = replace(c, fields={**c.fields, "owner": None})
        doc.commitments.append(c)


def _spans_to_doc(doc: Document) -> None:
    """Mirror the findings as spaCy Spans: ``doc.spacy_doc.spans["problems"]`` and ``["commitments"]``
    (added when the spaCy Doc is built, on first use: screening itself never needs it)."""
    sd = doc.spacy_doc
    if sd is None:
        return
    for group, findings in (("problems", doc.problems), ("commitments", doc.commitments)):
        sd.set_char_spans(group, [(f.start, f.end, f.area) for f in findings])


def _areas(doc: Document, profile: Profile, models: Any) -> None:
    """The area of every finding: its text, its sub-heading, and for subjective causes the profile's cause area."""

    findings = doc.problems + doc.commitments
    if not findings:
        return
    by_start = {s.start: s for s in doc.sentences}
    X, hints = [], []
    for f in findings:
        s = by_start.get(f.start)
        if s is not None and doc.blocks[s.block].kind != "table_row" and s.end == f.end:
            X.append(s.features)
            hint = s.area_hint
            if f.kind == "problem" and f.fields.get("cause") and s.role == "causes":
                hint = profile.data.get("cause_area", hint)
        else:  # a table row, or a cell of one
            X.append(featurise_text(doc.analysis[f.start : f.end], profile))
            hint = s.area_hint if s is not None else None
        hints.append(hint)
    for f, (area, p) in zip(findings, classify_areas(X, hints, models.areas), strict=True):
        f.area, f.score = area, p
    _spans_to_doc(doc)


def _work_report(doc: Document, profile: Profile, models: Any) -> None:

    doc.work_report = work_report_score(doc, threshold=profile.thresholds["work_report_score"],
                                        applies=doc.doc_type in profile.data["genres"]["analyses"],
                                        profile=profile)


def _gaps(doc: Document, profile: Profile, models: Any) -> None:

    doc.gaps = check_gaps(doc, profile)


# The stages after ingest, in data-flow order; ``check_stages`` verifies that each reads only what is written before it.
STAGES: tuple[Stage, ...] = (
    Stage("normalise", _normalise, needs=("text",), writes=("analysis", "script")),
    Stage("boilerplate", _boilerplate, needs=("analysis", "blocks"), writes=("blocks.chrome",)),
    Stage("segment", _segment, needs=("analysis", "blocks", "blocks.chrome"), writes=("sentences", "title", "spacy_doc")),
    Stage("kinds", _kinds, needs=("sentences",), writes=("sentences.kind",)),
    Stage("voice", _voice, needs=("sentences.kind",), writes=("sentences.voice",)),
    Stage("metadata", _metadata, needs=("sentences", "title"), writes=("date", "year", "unit")),
    Stage("extract", _extract, needs=("sentences.kind", "sentences.voice", "year"),
          writes=("problem_candidates", "commitment_candidates")),
    Stage("doc_type", _doc_type, needs=("sentences.kind", "commitment_candidates", "title"),
          writes=("doc_type", "doc_type_score")),
    Stage("select", _select, needs=("doc_type", "problem_candidates", "commitment_candidates"),
          writes=("problems", "commitments")),
    Stage("areas", _areas, needs=("problems", "commitments"), writes=("problems.area", "commitments.area")),
    Stage("work_report", _work_report, needs=("problems", "commitments", "doc_type"), writes=("work_report",)),
    Stage("gaps", _gaps, needs=("problems", "commitments", "work_report", "doc_type"), writes=("gaps",)),
)
INGESTED = ("text", "blocks", "path", "format")


def check_stages(stages: tuple[Stage, ...] = STAGES) -> None:
    """Raise ``ValueError`` when a stage needs what no earlier stage (or ingest) writes, or two stages write one thing."""
    have = set(INGESTED)
    for st in stages:
        missing = [n for n in st.needs if n not in have]
        if missing:
            raise ValueError(f"stage {st.name!r} needs {missing}, which no earlier stage writes")
        twice = [w for w in st.writes if w in have and w not in INGESTED]
        if twice:
            raise ValueError(f"stage {st.name!r} writes {twice}, already written by an earlier stage")
        have.update(st.writes)


check_stages()


def analyse(doc: Document, profile: Profile, models: Any, *, until: str | None = None) -> Document:
    """Run the stages after ingest on ``doc`` (all, or up to and including ``until``); time each in ``stats["ms"]``."""
    doc.profile = (profile.name, profile.version)
    timings = doc.stats.setdefault("ms", {})
    for stage in STAGES:
        t0 = time.perf_counter()
        stage.run(doc, profile, models)
        timings[stage.name] = round((time.perf_counter() - t0) * 1000, 2)
        if stage.name == until:
            break
    return doc
