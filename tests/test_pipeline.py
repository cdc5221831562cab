"""The whole pipeline on the sample corpus: output contract, scripts, determinism, classifiers' contract, the package layout.

The scores against the gold set and the typing of real work reports are measurements, not tests:
they run from bench/gold.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests import samples

ROOT = Path(__file__).resolve().parents[1]


def test_package_layout_resolves_into_this_project() -> None:
    import classifiers
    import corpus
    import extractors
    import pipeline
    import reports

    for mod in (pipeline, extractors, classifiers, corpus, reports):
        assert Path(mod.__file__).resolve().is_relative_to(ROOT)


@pytest.fixture(scope="module")
def samples_output(tmp_path_factory, samples_dir: Path) -> Path:
    """The sample corpus screened to JSON Lines, as ``shencha screen --jsonl`` writes it."""
    out = tmp_path_factory.mktemp("samples-out") / "out.jsonl"
    from shencha.batch import screen_paths

    with out.open("w", encoding="utf-8") as fh:
        for rec in screen_paths([samples_dir]):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return out


def _records(output: Path) -> dict[str, dict]:
    return {Path(json.loads(x)["path"]).name: json.loads(x) for x in output.read_text(encoding="utf-8").splitlines()}


# What each sample is, and the figures its text gives (tests/samples.py): problems stated, commitments
# undertaken, and which of the nine document-level campaign gaps truly apply.
EXPECTED = {
    "analysis-good.pdf": ("analysis_report", False, 14, 8, set()),
    "analysis-weak.docx": ("analysis_report", True, 3, 4,
                           {"work_report_style", "no_problems", "no_cause_analysis", "unclear_direction", "vague_measures"}),
    "plan-table-traditional.docx": ("rectification_plan", None, 8, 8, set()),
    "plan-prose-big5.txt": ("rectification_plan", None, 0, 6, {"commitment_missing_deadline"}),
    "plan-table.pdf": ("rectification_plan", None, 0, 5, {"commitment_missing_owner"}),
    "speech.txt": ("meeting_speech", False, 7, 4, set()),
    "work-report-gb18030.txt": ("work_report", None, 3, 4, set()),
    "news.txt": ("other", None, 0, 0, set()),
    "implementation-plan.docx": ("implementation_plan", None, 0, 0, set()),
}
SCORED_GAPS = {"work_report_style", "no_problems", "no_cause_analysis", "narrow_consultation", "unclear_direction",
               "vague_measures", "commitment_missing_deadline", "commitment_missing_owner", "no_public_pledge"}


def test_pipeline_reads_every_sample_as_its_text_says(samples_output: Path) -> None:
    recs = _records(samples_output)
    assert set(recs) == set(EXPECTED)
    for name, (doc_type, flag, n_problems, n_commitments, gaps) in EXPECTED.items():
        rec = recs[name]
        assert rec["errors"] == [], name
        assert rec["doc_type"] == doc_type, name
        if flag is not None:
            assert rec["work_report"]["flag"] is flag, name
        assert (len(rec["problems"]), len(rec["commitments"])) == (n_problems, n_commitments), name
        assert {g["code"] for g in rec["gaps"]} & SCORED_GAPS == gaps, name


def test_pipeline_units_dates_and_commitment_fields(samples_output: Path) -> None:
    recs = _records(samples_output)
    good = recs["analysis-good.pdf"]
    assert (good["unit"], good["date"], good["format"]) == (samples.GOOD_ANALYSIS_UNIT, "2009-06-18", "pdf")
    assert sum(p["cause"] for p in good["problems"]) == 3  # 三、原因分析: 一是…三是
    assert [c["deadline"] for c in good["commitments"]] == [
        "2009-12-31", "2009-12-31", "2009-10-31", "2009-09-30", "2009-11-30", "2009-08-31", "2009-07-31", None]
    assert good["commitments"][-1]["deadline_precision"] == "open"  # 长期坚持
    assert good["commitments"][3]["owner"] == "镇教育办"
    plan = recs["plan-table-traditional.docx"]
    assert (plan["unit"], plan["date"]) == (samples.TABLE_PLAN_UNIT, "2009-07-08")
    assert [c["owner"] for c in plan["commitments"]] == [row[-1] for row in samples.TABLE_PLAN_ROWS[1:]]
    assert all(c["pledge"] for c in plan["commitments"])  # 四、公開承諾
    assert [c["locator"].get("row") for c in plan["commitments"]] == list(range(2, 10))
    pdf_plan = recs["plan-table.pdf"]
    assert [c["owner"] for c in pdf_plan["commitments"]] == [row[-1] or None for row in samples.PDF_PLAN_ROWS[1:]]
    assert [c["deadline"] for c in pdf_plan["commitments"]] == [
        "2009-09-30", "2009-10-31", "2009-12-31", "2009-08-31", "2009-11-30"]
    assert pdf_plan["title"] == "中共南湖县人民医院委员会学习实践科学发展观活动整改落实方案"
    speech = recs["speech.txt"]
    assert speech["date"] == "2009-06-25" and samples.SPEECH_PERSON not in (speech["unit"] or "")
    assert all(c["owner"] is None for c in speech["commitments"])  # first person: no owner
    weak = recs["analysis-weak.docx"]
    assert weak["unit"] == samples.WEAK_ANALYSIS_UNIT and weak["date"] is None
    assert recs["work-report-gb18030.txt"]["encoding"] == "gb18030"
    assert recs["implementation-plan.docx"]["date"] == "2009-03-10"


def test_pipeline_output_contract(samples_output: Path) -> None:
    for line in samples_output.read_text(encoding="utf-8").splitlines():
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


def test_pipeline_traditional_documents_stay_traditional(samples_output: Path) -> None:
    recs = _records(samples_output)
    rec = recs["plan-prose-big5.txt"]  # Big5, traditional
    assert rec["script"] == "traditional" and rec["encoding"] == "big5"
    assert rec["unit"] == samples.PROSE_PLAN_UNIT
    assert any("負責" in c["text"] for c in rec["commitments"])
    undated = [c for c in rec["commitments"] if c["deadline"] is None and c["deadline_precision"] is None]
    assert [c["text"][: len(samples.PROSE_PLAN_UNDATED)] for c in undated] == [samples.PROSE_PLAN_UNDATED]
    table = recs["plan-table-traditional.docx"]
    assert table["script"] == "traditional" and "整改落實" in table["title"]
    assert all(c["owner"].startswith("鎮") for c in table["commitments"])


def test_pipeline_survives_empty_and_odd_documents(screener, make_txt) -> None:
    for text in ["。", "一、\n二、\n", "abc def", "同志们：\n", "（一）（二）（三）"]:
        rec = screener.screen(make_txt(text, name="odd.txt"))
        assert isinstance(rec["problems"], list) and isinstance(rec["errors"], list)


def test_pipeline_deterministic(screener, samples_dir: Path) -> None:
    a = screener.screen(samples_dir / "analysis-good.pdf")
    b = screener.screen(samples_dir / "analysis-good.pdf")
    assert a["problems"] and a["commitments"]
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
    from classifiers.models import featurise_text
    from shencha.train import train

    a, b = train(profile), train(profile)
    x = [featurise_text("一是由镇教育办负责，8月底前完成扩建。", profile)]
    assert (a.kinds.predict_proba(x) == b.kinds.predict_proba(x)).all()
    assert (a.areas.predict_proba(x) == b.areas.predict_proba(x)).all()


def test_classifiers_never_train_on_the_test_samples(samples_output: Path, profile) -> None:
    """The samples test what the classifiers generalise to: none of their findings is in the training data.
    (That none of the gold set's is either is checked by bench/gold.py.)"""
    data = profile.training
    texts = {f["text"] for r in _records(samples_output).values() for f in r["problems"] + r["commitments"]
             if len(f["text"]) > 25}
    assert len(texts) > 30
    bundled = "\n".join(p.read_text(encoding="utf-8") for p in data.rglob("*") if p.is_file())
    assert len(bundled) > 100_000, "the training data was not found"
    assert not [t for t in texts if t in bundled]


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


def test_cli_screen_samples_folder_runs(tmp_path, samples_dir: Path) -> None:
    out = tmp_path / "o.jsonl"
    proc = subprocess.run([sys.executable, "-m", "shencha.cli", "screen", str(samples_dir), "--jsonl", str(out),
                           "--silent", "--workers", "1"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(EXPECTED)
    for label in ("分析检查报告", "整改落实方案", "民主生活会发言"):
        assert label in proc.stdout
    first = next(line for line in proc.stdout.splitlines() if line.startswith("1 "))
    assert "analysis-weak.docx" in first and "⚑" in first  # the flagged work-report-style analysis is first


def test_classifiers_fast_predict_equals_the_pipeline(profile) -> None:
    import numpy as np

    from classifiers.models import TextClassifier, featurise_text, read_tsv

    rows = read_tsv(profile.training / "roles.tsv")[:200]
    X = [featurise_text(t, profile) for _, t in rows]
    est = TextClassifier().fit(X, [lab for lab, _ in rows])
    assert np.allclose(est.predict_proba(X), est.pipeline_.predict_proba(X))
    binary = TextClassifier().fit(X[:40], ["a" if i % 2 else "b" for i in range(40)])
    assert np.allclose(binary.predict_proba(X), binary.pipeline_.predict_proba(X))


def test_classifiers_doc_type_fast_path_equals_the_model(screener, samples_dir: Path) -> None:
    import numpy as np

    from classifiers.doc_type import classify_doc_type, doc_features

    doc = screener.screen_document(samples_dir / "speech.txt")
    feats = doc_features(doc, screener.profile)
    _, _, probs = classify_doc_type(feats, screener.models.doc_type)
    ref = screener.models.doc_type.predict_proba([feats])[0]
    assert np.allclose([probs[c] for c in screener.models.doc_type.classes_], ref, atol=1e-3)


def test_pipeline_findings_are_spacy_spans(screener, samples_dir: Path) -> None:
    doc = screener.screen_document(samples_dir / "speech.txt")
    assert doc.problems and doc.commitments
    sd = doc.spacy_doc
    assert [s.text for s in sd.spans["problems"]] == [doc.analysis[f.start : f.end] for f in doc.problems]
    assert [s.label_ for s in sd.spans["commitments"]] == [f.area for f in doc.commitments]
    starts = {sent.start_char for sent in sd.sents}
    assert all(s.start in starts for s in doc.sentences)
