#!/usr/bin/env python3
"""Check labels in bench/real-more/*.jsonl against a scratch folder of page excerpts.

usage: python bench/real-more/check.py LABELS.jsonl [SCRATCH]

SCRATCH (default ~/.cache/shencha-real/more) holds NNN.txt, the excerpt of page n as the
search tool returned it (UTF-8, written with newline=""). For every label line this checks
the fields (exactly those of ../shared/real/dev.jsonl), the doc_type and area values, that
spans lie inside the text, do not overlap, have no whitespace at their ends, and that the
SHA-1 of text[start:end] matches. It never prints page text: problems are reported by page
number and span index. Exit status 1 when anything is wrong.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

FIELDS = ["n", "url", "query", "rank", "doc_type", "reads_like_work_report", "has_problems",
          "has_commitments", "has_deadlines", "problems", "commitments", "note"]
DOC_TYPES = {"analysis_report", "rectification_plan", "meeting_speech", "work_report",
             "implementation_plan", "other"}
AREAS = {"economy", "work_style", "livelihood", "stability", "other"}


def check(labels: Path, scratch: Path) -> int:
    errs, seen, pages = [], set(), 0
    for ln, line in enumerate(labels.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        d = json.loads(line)
        n = d.get("n")
        where = f"line {ln} (n={n})"
        if list(d) != FIELDS:
            errs.append(f"{where}: fields {list(d)}")
        if n in seen:
            errs.append(f"{where}: duplicate n")
        seen.add(n)
        if d["doc_type"] not in DOC_TYPES:
            errs.append(f"{where}: doc_type {d['doc_type']!r}")
        rl = d["reads_like_work_report"]
        if d["doc_type"] in ("analysis_report", "meeting_speech"):
            if not isinstance(rl, bool):
                errs.append(f"{where}: reads_like_work_report must be true/false")
        elif rl is not None:
            errs.append(f"{where}: reads_like_work_report must be null")
        if d["has_problems"] != bool(d["problems"]) or d["has_commitments"] != bool(d["commitments"]):
            errs.append(f"{where}: has_problems/has_commitments disagree with the spans")
        if d["has_deadlines"] != any(c.get("deadline") for c in d["commitments"]):
            errs.append(f"{where}: has_deadlines disagrees with the commitments")
        f = scratch / f"{int(n):03d}.txt"
        if not f.exists():
            errs.append(f"{where}: {f.name} missing from {scratch}")
            continue
        pages += 1
        with open(f, encoding="utf-8", newline="") as fh:
            text = fh.read()
        spans = []
        for kind in ("problems", "commitments"):
            for i, s in enumerate(d[kind]):
                a, b = s["start"], s["end"]
                tag = f"{where} {kind}[{i}]"
                if s.get("area") not in AREAS:
                    errs.append(f"{tag}: area {s.get('area')!r}")
                if not (0 <= a < b <= len(text)):
                    errs.append(f"{tag}: offsets outside the text")
                    continue
                seg = text[a:b]
                if seg != seg.strip():
                    errs.append(f"{tag}: whitespace at an end")
                if hashlib.sha1(seg.encode("utf-8")).hexdigest() != s["sha1"]:
                    errs.append(f"{tag}: sha1 mismatch (excerpt differs)")
                if kind == "commitments":
                    dl = s.get("deadline")
                    if dl is not None and not (len(dl) == 10 and dl[4] == "-" and dl[7] == "-"):
                        errs.append(f"{tag}: deadline {dl!r} is not an ISO date")
                spans.append((a, b, tag))
        spans.sort()
        for (_a1, b1, t1), (a2, _b2, t2) in zip(spans, spans[1:], strict=False):
            if a2 < b1:
                errs.append(f"{t2}: overlaps {t1}")
    for e in errs:
        print(e)
    print(f"{labels.name}: {len(seen)} labels, {pages} pages found, {len(errs)} problems")
    return 1 if errs else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    scratch = Path(sys.argv[2]) if len(sys.argv) > 2 else Path.home() / ".cache" / "shencha-real" / "more"
    sys.exit(check(Path(sys.argv[1]), scratch))
