"""Check the held-out labels against their documents.

    .venv/bin/python bench/heldout/check_labels.py

Every problem/commitment text and every owner must occur verbatim in its document (txt decoded as
UTF-8, else GB18030; docx read as paragraphs plus table rows with cells joined by "｜", as Shencha
reads them); gap codes must be ones that apply to the document type; reads_like_work_report must be
true/false exactly for analysis_report and meeting_speech; deadlines must be ISO dates.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TYPES = {"analysis_report", "work_report", "rectification_plan", "meeting_speech", "implementation_plan", "other"}
AREAS = {"economy", "work_style", "livelihood", "stability", "other"}
GAPS = {
    "analysis_report": {"work_report_style", "no_problems", "no_cause_analysis", "narrow_consultation",
                        "unclear_direction", "vague_measures"},
    "meeting_speech": {"work_report_style", "no_problems", "no_cause_analysis"},
    "rectification_plan": {"vague_measures", "commitment_missing_deadline", "commitment_missing_owner",
                           "no_public_pledge"},
}


def read(path: Path) -> str:
    if path.suffix == ".docx":
        import docx

        d = docx.Document(str(path))
        parts = [p.text for p in d.paragraphs]
        for t in d.tables:
            for r in t.rows:
                parts.append("｜".join(c.text for c in r.cells))
        return "\n".join(parts)
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def main() -> int:
    errors, n = [], 0
    for lp in sorted(HERE.glob("*.json")):
        n += 1
        g = json.loads(lp.read_text(encoding="utf-8"))
        doc = HERE / g["file"]
        if not doc.exists():
            errors.append(f"{lp.name}: missing {g['file']}")
            continue
        text = read(doc)
        t = g["doc_type"]
        if t not in TYPES:
            errors.append(f"{lp.name}: doc_type {t}")
        want_wr = t in ("analysis_report", "meeting_speech")
        if want_wr != isinstance(g["reads_like_work_report"], bool):
            errors.append(f"{lp.name}: reads_like_work_report {g['reads_like_work_report']} for {t}")
        bad = set(g["gaps"]) - GAPS.get(t, set())
        if bad:
            errors.append(f"{lp.name}: gaps {sorted(bad)} do not apply to {t}")
        if t in ("implementation_plan", "other") and (g["problems"] or g["commitments"]):
            errors.append(f"{lp.name}: {t} carries spans")
        for kind in ("problems", "commitments"):
            for s in g[kind]:
                if s["area"] not in AREAS:
                    errors.append(f"{lp.name}: area {s['area']}")
                if s["text"] not in text:
                    errors.append(f"{lp.name}: {kind[:-1]} not verbatim: {s['text'][:30]}")
        for c in g["commitments"]:
            if c["deadline"] is not None:
                try:
                    dt.date.fromisoformat(c["deadline"])
                except ValueError:
                    errors.append(f"{lp.name}: deadline {c['deadline']}")
            if c["owner"] is not None and c["owner"] not in text:
                errors.append(f"{lp.name}: owner not in document: {c['owner']}")
            if t == "meeting_speech" and c["owner"] is not None:
                errors.append(f"{lp.name}: owner in a first-person speech")
    for e in errors:
        print(e)
    print(f"{n} label files, {len(errors)} problems found")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
