"""Document type, decided from the whole document.

Features describe who writes (领导班子 or 我/本人), which sections it has, what its sentences
do (report achievements, state problems, commit, direct others), its tables, and how its title
ends — a title is one feature among many, because real titles break across lines, name
another document (「關於…分析檢查報告的評議情況」 is news) or are missing.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline import lang_zh as zh
from pipeline.document import Document
from pipeline.normalise import to_simplified
from pipeline.profile import Profile

from .voice import opens_as_news

if TYPE_CHECKING:  # the annotation only: screening never imports scikit-learn
    from sklearn.pipeline import Pipeline

KINDS = ("achievement", "problem", "cause", "commitment", "requirement", "pledge", "consultation", "direction", "other")
ROLES = ("problems", "causes", "measures", "achievements", "requirements", "pledge", "consultation", "direction")


def first_person_share(doc: Document, profile: Profile) -> float:
    """Share of body sentences that speak as 我/本人 (singular)."""
    fp = profile.pattern("first_person")
    body = [s for s in doc.sentences if not s.heading]
    if not body:
        return 0.0
    return sum(1 for s in body if fp.search(doc.sent_analysis(s))) / len(body)


def doc_features(doc: Document, profile: Profile, n_commitments: int = 0, n_owned: int = 0) -> dict[str, float]:
    """The feature dict of one segmented document (sentence kinds already set)."""
    f: dict[str, float] = {}
    title = to_simplified(doc.title or "")
    head = doc.analysis[:300]
    text_s = doc.analysis
    for dtype, cues in profile.data.get("doc_type_cues", {}).items():
        if any(c in title for c in cues):
            f[f"title_has:{dtype}"] = 1.0
        if any(title.endswith(c) or title.endswith(c + zh.DRAFT) for c in cues):
            f[f"title_end:{dtype}"] = 1.0
        if not title and any(c in head for c in cues):
            f[f"head_has:{dtype}"] = 1.0
    per_k = 1000 / max(500, len(text_s))  # cue densities per 1,000 characters: long documents are not cue-richer
    for dtype, cues in profile.data.get("doc_type_body_cues", {}).items():
        hits = sum(text_s.count(c) for c in cues)
        if hits:
            f[f"body:{dtype}"] = min(1.0, hits * per_k / 4)
    if not title:
        f["no_title"] = 1.0
    body = [s for s in doc.sentences if not s.heading]
    n = max(1, len(body))
    kinds = Counter(s.kind for s in body)
    for k in KINDS:
        f[f"kind:{k}"] = kinds.get(k, 0) / n
    roles = Counter(s.role for s in body)
    for r in ROLES:
        f[f"role:{r}"] = roles.get(r, 0) / n
        if roles.get(r):
            f[f"has_role:{r}"] = 1.0
    texts = [doc.sent_analysis(s) for s in body]
    f["first_person"] = first_person_share(doc, profile)
    plural = profile.pattern("plural_author")
    f["we"] = sum(1 for t in texts if plural.search(t)) / n
    text = doc.analysis
    for name in ("speech", "news", "notice", "pledge", "consultation", "direction"):
        hits = len(profile.pattern(name).findall(text))
        if hits:
            f[f"cue:{name}"] = min(1.0, hits * per_k / 2)
    requirement, directive_verb = profile.pattern("requirement"), profile.pattern("directive_verb")
    f["directive"] = sum(1 for t in texts if requirement.match(t) or directive_verb.search(t)) / n
    # tense: what was done (perfective 了, 已…) against what is to be done (将, 要, 力争, by a date)
    future = profile.pattern("future_action")
    f["tense:past"] = sum(1 for t in texts if zh.PERFECTIVE.search(t)) / n
    f["tense:future"] = sum(1 for t in texts if future.search(t)) / n
    if opens_as_news(doc, profile):
        f["news_lead"] = 1.0
    f["tables"] = 1.0 if any(b.kind == "table_row" for b in doc.blocks) else 0.0
    # whose words the body is (rules, not the sentence classifier): the writer's own, reported, directive
    voices = Counter(s.voice for s in body)
    for v in ("own", "reported", "directive"):
        f[f"voice:{v}"] = voices.get(v, 0) / n
    own_starts = {s.start for s in body if s.voice == "own"}
    own_problems = sum(1 for c in doc.problem_candidates if c.start in own_starts)
    f["own_problems"] = min(1.0, own_problems / 6)
    f["commitments"] = min(1.0, n_commitments / 6)
    f["owned"] = n_owned / max(1, n_commitments) if n_commitments else 0.0
    f["length"] = min(1.0, math.log10(max(10, len(text))) / 5)
    f.update(_bag_of_words(doc))
    f.update(_char_bigrams(doc))
    return f


TEXT_WEIGHT = 1.0
_CJK_WORD = zh.HAN_WORD


def _bag_of_words(doc: Document) -> dict[str, float]:
    """The document's vocabulary (jieba words of two or more characters), sublinear counts, L2-normalised.

    It carries the genre's wording (各位代表, 过去一年, 郑重承诺, 本网讯…) that the structural
    features miss; its total weight is ``TEXT_WEIGHT`` so it cannot drown them.
    """
    counts = Counter(filter(_CJK_WORD.match, itertools.chain.from_iterable(s.words for s in doc.sentences)))
    return _sublinear_l2(counts, "w:", TEXT_WEIGHT)


_LOG_TABLE = [0.0] + [1.0 + math.log(c) for c in range(1, 4096)]


def _sublinear_l2(counts: Counter[str], prefix: str, weight: float) -> dict[str, float]:
    """``{prefix + key: weight × (1 + log count) / L2 norm}``, the norm summed in the keys' order."""
    if not counts:
        return {}
    table = _LOG_TABLE
    vals = [table[c] if c < 4096 else 1.0 + math.log(c) for c in counts.values()]
    norm = math.sqrt(sum(map(operator.mul, vals, vals)))
    return {k: weight * v / norm for k, v in zip(map(prefix.__add__, counts), vals, strict=True)}


# The character bigrams of the Chinese text, with more weight than the words: they carry the genre's
# wording across segmentation and script differences (measured on the held-out documents, bench/).
CHAR_WEIGHT = 4.0


def _char_bigrams(doc: Document) -> dict[str, float]:
    """Character bigrams of the body's Chinese characters, sublinear counts, L2-normalised × ``CHAR_WEIGHT``."""
    han = zh.NOT_HAN.sub("", "".join(doc.sent_analysis(s) for s in doc.sentences if s.voice != "chrome"))
    return _sublinear_l2(Counter(map(operator.add, han, han[1:])), "c:", CHAR_WEIGHT)


_TITLE_TAIL = zh.TITLE_TAIL


def declared_type(doc: Document, profile: Profile, probs: dict[str, float] | None = None) -> str | None:
    """The genre the title declares (profile ``declared_genre``), or None: no title, no genre noun
    at its end, or a title that names another document (「關於…分析檢查報告的評議情況」).

    A name both a team and a person use (对照检查材料, 自查报告) goes by the writer; when the text does
    not tell who writes, by the more probable of the two genres in ``probs`` (the classifier's), else
    the team's."""
    spec = profile.data.get("declared_genre")
    if not spec:
        return None
    title = to_simplified(doc.title or "").strip()
    if not title:
        return _declared_by_transmittal(doc, profile, spec, probs) or _declared_by_opening(doc, profile, spec)
    if profile.pattern("declared_names_another").search(title):
        return _declared_by_transmittal(doc, profile, spec, probs)
    return (_declared_by_name(title, doc, profile, spec, probs) or _declared_by_transmittal(doc, profile, spec, probs)
            or _declared_by_opening(doc, profile, spec))


def _declared_by_name(name: str, doc: Document, profile: Profile, spec: dict[str, Any],
                      probs: dict[str, float] | None = None) -> str | None:
    """The genre a document's name declares by its last words (or a title pattern), or None."""
    name = _TITLE_TAIL.sub("", name)
    writer = profile.by_writer
    if any(name.endswith(e) for e in writer.get("endings", [])):
        who = writer_of(doc, profile)
        if who is None and probs:
            return max((writer["team"], writer["person"]), key=lambda t: probs.get(t, 0.0))
        return writer[who or "team"]
    best: tuple[int, str] | None = None
    for dtype, endings in spec.get("endings", {}).items():
        for e in endings:
            if name.endswith(e) and (best is None or len(e) > best[0]):
                best = (len(e), dtype)
    if best:
        return best[1]
    for dtype in spec.get("title_patterns") or {}:
        if profile.pattern(f"declared_title:{dtype}").search(name):
            return dtype
    return None


def _declared_by_transmittal(doc: Document, profile: Profile, spec: dict[str, Any],
                             probs: dict[str, float] | None = None) -> str | None:
    """A page that opens with the cover note of an official transmittal (「現將《××分析檢查報告》印發給你們」)
    is the document it transmits: the genre that document's name declares."""
    if "transmittal" not in profile.patterns:
        return None
    opening = doc.analysis[: int(spec.get("opening_chars", 300))]
    m = profile.pattern("transmittal").search(opening)
    return _declared_by_name(m.group("name"), doc, profile, spec, probs) if m else None


def _declared_by_opening(doc: Document, profile: Profile, spec: dict[str, Any]) -> str | None:
    """The genre the opening announces (「現將…報告如下」), in the writer's voice, or None."""
    body = [s for s in doc.sentences if not s.heading and s.voice == "own"]
    limit = int(spec.get("opening_chars", 300))
    opening = ""
    for s in body:
        if len(opening) >= limit:
            break
        opening += doc.sent_analysis(s)
    for dtype in spec.get("openings", {}):
        if profile.pattern(f"declared_opening:{dtype}").search(opening):
            by_writer = profile.by_writer
            if dtype == by_writer.get("team") and by_writer.get("person") and writer_of(doc, profile) == "person":
                return by_writer["person"]  # one person's examination is the person's genre (a speech)
            return dtype
    return None


def writer_of(doc: Document, profile: Profile) -> str | None:
    """Who writes: ``person`` (one person's material: 个人…, 我/本人), ``team`` (a leadership team or a
    unit: 领导班子…, 我们/我局/本单位), or None when neither is clear.

    The title decides when it names the writer (profile ``declared_genre.writer``); else the body's
    sentences in the first person singular against those in the plural, at least ``min_sentences``.
    """
    spec = (profile.data.get("declared_genre") or {}).get("writer") or {}
    title = to_simplified(doc.title or "")
    if title and profile.pattern("writer_person_title").search(title):
        return "person"
    if title and profile.pattern("writer_team_title").search(title):
        return "team"
    body = [doc.sent_analysis(s) for s in doc.sentences if not s.heading and s.voice == "own"]
    fp, plural = profile.pattern("first_person"), profile.pattern("plural_author")
    one = sum(1 for t in body if fp.search(t))
    many = sum(1 for t in body if plural.search(t))
    least = int(spec.get("min_sentences", 2))
    if one >= least and one > many * float(spec.get("person_over_team", 1.0)):
        return "person"
    if many >= least and many > one:
        return "team"
    return None


def classify_doc_type(features: dict[str, float], model: Pipeline) -> tuple[str, float, dict[str, float]]:
    """The most likely type, its probability, and every type's probability.

    Computed from the fitted vocabulary and coefficients directly (the same arithmetic as
    ``model.predict_proba``, which a test checks), skipping per-call validation.
    """
    vocab = model.named_steps["dict"].vocabulary_
    lr = model.named_steps["lr"]
    n = len(features)
    cols = np.fromiter(map(vocab.get, features, itertools.repeat(-1)), dtype=np.int64, count=n)
    known = cols >= 0
    scores = lr.intercept_.copy()
    if known.any():
        vals = np.fromiter(features.values(), dtype=np.float64, count=n)
        scores += lr.coef_[:, cols[known]] @ vals[known]
    scores -= scores.max()
    proba = np.exp(scores) / np.exp(scores).sum()
    classes = list(model.classes_)
    best = int(proba.argmax())
    return str(classes[best]), float(proba[best]), {str(c): round(float(p), 3) for c, p in zip(classes, proba, strict=True)}
