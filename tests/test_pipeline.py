"""The whole pipeline: gold scores, output contract, classifiers' contract, real work reports, the package layout."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED

ROOT = Path(__file__).resolve().parents[1]
GOLD = SHARED / "gold" / "dev"
REPORTS = SHARED / "corpus" / "gov-work-reports" / "government_work_reports.jsonl"


def test_package_layout_resolves_into_this_project() -> None:
    import classifiers
    import corpus
    import extractors
    import pipeline
    import reports

    for mod in (pipeline, extractors, classifiers, corpus, reports):
        assert Path(mod.__file__).resolve().is_relative_to(ROOT)


@pytest.fixture(scope="module")
def gold_output(tmp_path_factory, screener) -> Path:
    if not GOLD.is_dir():
        pytest.skip("shared/gold is not present")
    out = tmp_path_factory.mktemp("gold") / "out.jsonl"
    from pipeline.batch import screen_paths

    with out.open("w", encoding="utf-8") as fh:
        for rec in screen_paths([GOLD]):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return out


def test_pipeline_gold_scores_meet_the_bar(gold_output: Path) -> None:
    spec = importlib.util.spec_from_file_location("gold_score", SHARED / "gold" / "score.py")
    assert spec and spec.loader
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    res = score.score(GOLD, gold_output)
    assert res["overall"] >= 0.85
    assert res["doc_type_accuracy"] >= 0.95
    assert res["problems"]["f1"] >= 0.80 and res["commitments"]["f1"] >= 0.80
    assert res["work_report_flag"]["f1"] >= 0.90 and res["gaps"]["f1"] >= 0.75
    assert res["commitments"]["deadline_accuracy_on_matched"] >= 0.90
    assert res["commitments"]["owner_accuracy_on_matched"] >= 0.90


def test_pipeline_output_contract(gold_output: Path) -> None:
    for line in gold_output.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        assert set(rec) >= {"path", "doc_type", "work_report", "problems", "commitments", "gaps", "errors"}
        assert isinstance(rec["work_report"]["flag"], bool) and 0 <= rec["work_report"]["score"] <= 1
        text = Path(rec["path"]).read_bytes()  # spans are the document's own characters
        for f in rec["problems"] + rec["commitments"]:
            assert f["area"] in {"economy", "work_style", "livelihood", "stability", "other"}
            assert 0 <= f["start"] < f["end"] and f["end"] - f["start"] == len(f["text"])
        for c in rec["commitments"]:
            assert c["deadline"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", c["deadline"])
            assert c["deadline_precision"] in {None, "day", "month", "quarter", "half-year", "year", "open"}
        for g in rec["gaps"]:
            assert g["code"] and g["message"] and "evidence" in g
        assert text


def test_pipeline_traditional_documents_stay_traditional(gold_output: Path) -> None:
    recs = {Path(json.loads(x)["path"]).name: json.loads(x) for x in gold_output.read_text(encoding="utf-8").splitlines()}
    rec = recs["dev-007.txt"]  # Big5, traditional
    assert rec["script"] == "traditional" and rec["encoding"] == "big5"
    assert any("負責" in c["text"] for c in rec["commitments"])


def test_pipeline_survives_empty_and_odd_documents(screener, make_txt) -> None:
    for text in ["。", "一、\n二、\n", "abc def", "同志们：\n", "（一）（二）（三）"]:
        rec = screener.screen(make_txt(text, name="odd.txt"))
        assert isinstance(rec["problems"], list) and isinstance(rec["errors"], list)


def test_pipeline_deterministic(screener) -> None:
    if not GOLD.is_dir():
        pytest.skip("shared/gold is not present")
    a = screener.screen(GOLD / "dev-001.pdf")
    b = screener.screen(GOLD / "dev-001.pdf")
    a["stats"].pop("seconds"), b["stats"].pop("seconds")
    a["stats"].pop("ms"), b["stats"].pop("ms")
    assert a == b


def test_classifiers_follow_the_estimator_contract(screener) -> None:
    from sklearn.base import clone

    from classifiers.models import TextClassifier

    est = TextClassifier(C=2.0)
    assert est.get_params() == {"C": 2.0, "class_weight": "balanced"}
    assert not hasattr(est, "pipeline_")
    fitted = est.fit([["w:一是", "b:不够"], ["w:完成", "b:月底"]], ["problem", "commitment"])
    assert fitted is est and hasattr(est, "pipeline_") and list(est.classes_) == ["commitment", "problem"]
    assert clone(est).get_params() == est.get_params()


def test_classifiers_training_is_deterministic(profile) -> None:
    from classifiers.models import featurise_text, train

    a, b = train(profile), train(profile)
    x = [featurise_text("一是由镇教育办负责，8月底前完成扩建。", profile)]
    assert (a.kinds.predict_proba(x) == b.kinds.predict_proba(x)).all()
    assert (a.areas.predict_proba(x) == b.areas.predict_proba(x)).all()


def test_classifiers_never_train_on_gold() -> None:
    data = ROOT / "classifiers" / "data"
    gold_texts = set()
    if GOLD.is_dir():
        for p in GOLD.glob("*.json"):
            lab = json.loads(p.read_text(encoding="utf-8"))
            gold_texts |= {x["text"] for x in lab["problems"] + lab["commitments"] if len(x["text"]) > 25}
    bundled = "\n".join(p.read_text(encoding="utf-8") for p in data.rglob("*") if p.is_file())
    assert not [t for t in gold_texts if t in bundled]


def test_work_report_not_flagged_for_genuine_analysis_opening_with_achievements(screener, tmp_path) -> None:
    from tests.test_gaps import GOOD_ANALYSIS

    opening = ("近年来，全镇经济社会保持了较快发展，2008年实现地区生产总值38.6亿元，同比增长12%；"
               "财政收入2.1亿元，同比增长15%；新建农村公路46公里，新增城镇就业1200人。")
    text = GOOD_ANALYSIS.replace("二、存在的突出问题\n", "二、存在的突出问题\n" + opening + "但对照科学发展观的要求，还存在不少问题。\n")
    p = tmp_path / "analysis.txt"
    p.write_text(text, encoding="utf-8")
    rec = screener.screen(p)
    assert rec["doc_type"] == "analysis_report"
    assert not rec["work_report"]["flag"] and rec["work_report"]["score"] < 0.3


@pytest.mark.skipif(not REPORTS.exists(), reason="shared corpus not present")
def test_real_state_council_work_reports(tmp_path, screener) -> None:
    records = [json.loads(x) for x in REPORTS.read_text(encoding="utf-8").splitlines() if x.strip()]
    reports = [r for r in records if r.get("year")][::4]  # every 4th report keeps the test fast
    typed = []
    for i, r in enumerate(reports):
        p = tmp_path / f"r{i}.txt"
        p.write_text(r["content"], encoding="utf-8")
        rec = screener.screen(p)
        assert rec["errors"] == []
        typed.append(rec["doc_type"])
    assert typed.count("work_report") / len(typed) >= 0.9


def test_cli_screen_gold_folder_runs(tmp_path) -> None:
    if not GOLD.is_dir():
        pytest.skip("shared/gold is not present")
    out = tmp_path / "o.jsonl"
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "screen", str(GOLD), "--jsonl", str(out), "--silent",
                           "--workers", "1"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 29
    assert "分析检查报告" in proc.stdout


def test_classifiers_fast_predict_equals_the_pipeline(profile) -> None:
    import numpy as np

    from classifiers.models import DATA, TextClassifier, featurise_text, read_tsv

    rows = read_tsv(DATA / "roles.tsv")[:200]
    X = [featurise_text(t, profile) for _, t in rows]
    est = TextClassifier().fit(X, [lab for lab, _ in rows])
    assert np.allclose(est.predict_proba(X), est.pipeline_.predict_proba(X))
    binary = TextClassifier().fit(X[:40], ["a" if i % 2 else "b" for i in range(40)])
    assert np.allclose(binary.predict_proba(X), binary.pipeline_.predict_proba(X))


def test_classifiers_doc_type_fast_path_equals_the_model(screener) -> None:
    import numpy as np

    from classifiers.doc_type import classify_doc_type, doc_features

    doc = screener.screen_document(GOLD / "dev-003.txt") if GOLD.is_dir() else None
    if doc is None:
        pytest.skip("shared/gold is not present")
    feats = doc_features(doc, screener.profile)
    _, _, probs = classify_doc_type(feats, screener.models.doc_type)
    ref = screener.models.doc_type.predict_proba([feats])[0]
    assert np.allclose([probs[c] for c in screener.models.doc_type.classes_], ref, atol=1e-3)


def test_pipeline_findings_are_spacy_spans(screener) -> None:
    if not GOLD.is_dir():
        pytest.skip("shared/gold is not present")
    doc = screener.screen_document(GOLD / "dev-003.txt")
    sd = doc.spacy_doc
    assert [s.text for s in sd.spans["problems"]] == [doc.analysis[f.start : f.end] for f in doc.problems]
    assert [s.label_ for s in sd.spans["commitments"]] == [f.area for f in doc.commitments]
    starts = {sent.start_char for sent in sd.sents}
    assert all(s.start in starts for s in doc.sentences)
