"""The work-report detector: does an analysis read like a work report (避免寫成工作報告)?

The score is the share of the document's substance (achievements + problems + causes +
commitments, in characters) that reports achievements. The reason is given in numbers, with
the achievement sentences that weigh most.
"""

from __future__ import annotations

from typing import Any

from pipeline import lang_zh as zh
from pipeline.document import Document, Sentence
from pipeline.profile import Profile


def is_achievement(doc: Document, s: Sentence, profile: Profile | None = None) -> bool:
    """An achievement sentence: classified so, standing under an achievements heading and not a finding,
    or, in the writer's own voice, an account of what was done (「成立了…」) or a claim of compliance
    (「嚴格執行…規定」, profile ``compliance``) that states no shortcoming."""
    if s.heading or doc.blocks[s.block].kind == "table_row":
        return False
    if profile is not None and s.voice == "own" and s.role not in ("problems", "causes") and s.kind != "problem":
        text = doc.sent_analysis(s)
        done = zh.PERFECTIVE.search(text) or profile.pattern("compliance").search(text)
        if done and not profile.pattern("problem_strong").search(text) and not profile.pattern("future_action").search(text):
            return True
    if s.kind == "achievement" and s.kind_score >= 0.4:
        return True
    if s.role == "achievements" and s.kind not in ("problem", "cause", "commitment"):
        return True
    # read as an account of what was done more than as anything else (the classifier spreads its
    # probability over many kinds on long real sentences, so the share counts, not the top score)
    p = s.kind_probs
    ach = p.get("achievement", 0.0)
    rival = max((v for k, v in p.items() if k not in ("achievement", "other", "chrome")), default=0.0)
    return s.voice == "own" and s.role not in ("problems", "causes", "measures") and ach > 0.2 and ach >= 1.5 * rival


def work_report_score(doc: Document, *, threshold: float, applies: bool,
                      profile: Profile | None = None) -> dict[str, Any]:
    """Score, flag, reason and evidence for ``doc`` (problems, commitments and sentence kinds set).

    Args:
        doc: The document.
        threshold: Flag at or above this score.
        applies: Whether the document presents itself as an analysis (analysis report, speech);
            the score is computed for every document, the flag only where it applies.
    """
    finding_spans = {(f.start, f.end) for f in doc.problems + doc.commitments}
    body = [s for s in doc.sentences if not s.heading and doc.blocks[s.block].kind != "table_row"]
    ach = [s for s in body if is_achievement(doc, s, profile) and (s.start, s.end) not in finding_spans]
    ach_chars = sum(s.end - s.start for s in ach)
    prob_chars = sum(len(f.text) for f in doc.problems)
    com_chars = sum(len(f.text) for f in doc.commitments)
    total = ach_chars + prob_chars + com_chars
    score = ach_chars / total if total else 0.0
    n_body = max(1, len(body))
    causes = sum(1 for f in doc.problems if f.fields.get("cause"))
    concrete = sum(1 for f in doc.problems if f.fields.get("concrete"))
    pct = round(100 * len(ach) / n_body)
    reason = (f"{pct}%的句子在讲成绩（{len(ach)}/{n_body}句，占实质内容的{round(100 * score)}%）；"
              f"查找问题{len(doc.problems)}条，其中具体的{concrete}条，"
              + (f"原因分析{causes}条" if causes else "没有原因分析"))
    reason_en = (f"{pct}% of sentences report achievements ({round(100 * score)}% of the substance); "
                 f"{len(doc.problems)} problem sentences, {concrete} concrete, "
                 + (f"{causes} on causes" if causes else "none with a cause"))
    top = sorted(ach, key=lambda s: (s.end - s.start) * (s.kind_score or 0.5), reverse=True)[:3]
    return {
        "flag": bool(applies and score >= threshold and total > 0),
        "score": round(score, 3),
        "applies": applies,
        "reason": reason,
        "reason_en": reason_en,
        "achievement_sentences": len(ach),
        "sentences": n_body,
        "evidence": [doc.sent_text(s) for s in top],
    }
