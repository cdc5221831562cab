"""Records read back from JSON Lines: checked against the record schema, bad lines named, the rest
reported; every record value escaped for where it lands in the HTML."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.html import css_class, esc, render_document, render_index, url
from reports.records import RecordError, RecordProblem, iter_records, read_records, validate
from reports.review import Review
from shencha.cli import main
from tests.test_reports import parse

BATCH = ["analysis-weak.docx", "plan-table.pdf", "speech.txt"]
HANDLER = 'x" onmouseover="window.__pwned=1" data-x="'


@pytest.fixture(scope="module")
def records(screener: Any, samples_dir: Path) -> list[dict[str, Any]]:
    recs = [screener.screen(samples_dir / n, include_text=True) for n in BATCH]
    recs.append(screener.screen(samples_dir / "no-such-file.docx", include_text=True))
    return recs


def test_records_the_screener_writes_have_the_schema_shape(records: list[dict[str, Any]], screener: Any,
                                                          samples_dir: Path) -> None:
    for rec in records:
        assert validate(rec) is rec
        slim = screener.screen(samples_dir / Path(rec["path"]).name) if not rec["errors"] else rec
        validate(json.loads(json.dumps(slim)))


@pytest.mark.parametrize(("change", "field"), [
    (lambda r: r.update(title=123), "title"),
    (lambda r: r.update(problems="many"), "problems"),
    (lambda r: r["problems"][0].update(area=["economy"]), "problems[0].area"),
    (lambda r: r["problems"][0].update(start=True), "problems[0].start"),
    (lambda r: r["problems"][0].update(start=-5), "problems[0].start"),
    (lambda r: r["problems"][0].update(end=r["problems"][0]["start"] - 1), "problems[0].end"),
    (lambda r: r["gaps"][0].update(evidence={"a": 1}), "gaps[0].evidence"),
    (lambda r: r["work_report"].update(score="0.9"), "work_report.score"),
    (lambda r: r["work_report"].update(score=1e308), "work_report.score"),
    (lambda r: r["blocks"][0].update(locator={"page": "2"}), "blocks[0].locator.page"),
    (lambda r: r.pop("path"), "path"),
    (lambda r: r.update(unit="单位\ud800"), "unit"),
    (lambda r: r["commitments"][0].update(owner="x\udfff"), "commitments[0].owner"),
])
def test_a_wrong_field_is_named(records: list[dict[str, Any]], change: Any, field: str) -> None:
    rec = json.loads(json.dumps(records[0]))
    change(rec)
    with pytest.raises(RecordError) as err:
        validate(rec)
    assert err.value.field == field


def write_lines(path: Path, lines: list[str | bytes]) -> Path:
    path.write_bytes(b"\n".join(x if isinstance(x, bytes) else x.encode("utf-8", "surrogatepass") for x in lines) + b"\n")
    return path


def crafted(records: list[dict[str, Any]]) -> list[str | bytes]:
    """Good lines and bad ones, the bad ones on lines 3…"""
    good = [json.dumps(r, ensure_ascii=False) for r in records[:2]]
    injected = json.loads(json.dumps(records[0]))
    for f in injected["problems"] + injected["commitments"]:
        f["area"] = HANDLER
    injected["path"] = "/x/inj" + HANDLER + ".docx"
    injected["sha256"] = "0" * 64
    return good + [
        json.dumps(dict(records[0], title=["not", "text"])),     # 3: wrong type
        '{"path": "a\\ud800b.txt"}',                              # 4: lone surrogate
        b'{"path": "\xff\xfe.txt"}',                              # 5: not UTF-8
        "[" * 50_000 + "]" * 50_000,                              # 6: nested too deeply
        '"just a string"',                                        # 7: not an object
        '{"path": "n.txt", "doc_type_score": NaN}',               # 8: not finite
        "",                                                       # blank: skipped
        json.dumps(injected, ensure_ascii=False),                 # 10: hostile but well-typed: reported
        '{"path": "torn.txt", "gaps": [',                         # 11: torn
    ]


def test_bad_lines_are_named_by_file_line_and_field_and_the_rest_kept(records: list[dict[str, Any]],
                                                                     tmp_path: Path) -> None:
    src = write_lines(tmp_path / "mixed.jsonl", crafted(records))
    good, bad = read_records(src)
    assert [Path(r["path"]).name for r in good] == [Path(records[0]["path"]).name, Path(records[1]["path"]).name,
                                                    Path(json.loads(crafted(records)[9])["path"]).name]
    assert [(p.line, p.field) for p in bad] == [(3, "title"), (4, "path"), (5, ""), (6, ""), (7, ""),
                                               (8, "doc_type_score"), (11, "")]
    assert all(str(p).startswith(f"{src}:{p.line}:") for p in bad)
    assert "not UTF-8" in bad[2].reason and "nested" in bad[3].reason and "torn" not in bad[-1].reason


def test_report_from_crafted_jsonl_names_bad_lines_and_escapes_the_rest(records: list[dict[str, Any]],
                                                                       tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    src = write_lines(tmp_path / "mixed.jsonl", crafted(records))
    out = tmp_path / "out"
    rc = main(["report", str(src), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 1, err
    assert "Traceback" not in err
    for line in (3, 4, 5, 6, 7, 8, 11):
        assert f"{src}:{line}:" in err
    assert f"{src}:3: field title:" in err
    pages = sorted(out.glob("*.html"))
    assert len(pages) == 4  # three good records and the index
    for p in pages:
        html = p.read_text(encoding="utf-8")
        tags = parse(html)
        assert not [e for e in tags.errors if "handler" in e], (p.name, tags.errors[:3])
        assert tags.scripts == 1
        assert 'onmouseover="' not in html
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "chip a-x_onmouseover_window.__pwned_1_data-x" not in index  # a class token holds no dots…
    assert "chip a-x_onmouseover_window_" in index                      # …and no quotes or spaces


def test_records_without_text_are_reported_and_say_so(records: list[dict[str, Any]], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    slim = [{k: v for k, v in r.items() if k not in ("text", "blocks")} for r in records]
    src = write_lines(tmp_path / "out.jsonl", [json.dumps(r, ensure_ascii=False) for r in slim])
    out = tmp_path / "rep"
    rc = main(["report", str(src), "--out", str(out), "--docx"])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "3 records carry no document text" in err and "--report" in err
    page = next(p for p in out.glob("analysis-weak-*.html")).read_text(encoding="utf-8")
    assert "这份记录没有保存正文" in page
    assert "P1" in page and "G1" in page  # the findings are still listed
    assert not list(out.glob("*.annotated.docx"))  # no empty Word copy
    assert len(list(out.glob("*.memo.docx"))) == 4


def test_escaping_helpers_for_each_context() -> None:
    assert esc('<a href="x">\ud800') == "&lt;a href=&quot;x&quot;&gt;\ufffd"
    assert css_class('x" onmouseover="alert(1)') == "x_onmouseover_alert_1"
    assert css_class("") == css_class(None) == css_class("<>") == "na"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "//evil.example/x",
                "http://evil.example/", "a\nb", "\\\\host\\share"):
        assert url(bad) == "#", bad
    assert url("分析-1a2b.html") == "%E5%88%86%E6%9E%90-1a2b.html"
    assert url('a".html') == "a%22.html"
    assert url("#e-P1") == "#e-P1"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)
record_keys = st.sampled_from(["path", "title", "unit", "date", "doc_type", "doc_type_score", "work_report",
                               "problems", "commitments", "gaps", "errors", "text", "blocks", "script", "profile"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(st.dictionaries(record_keys, json_values, max_size=8) | json_values)
def test_loader_on_arbitrary_json_never_raises_and_what_it_keeps_renders(tmp_path_factory: pytest.TempPathFactory,
                                                                        value: Any) -> None:
    src = tmp_path_factory.mktemp("fuzz") / "f.jsonl"
    src.write_text(json.dumps(value, ensure_ascii=True) + "\n", encoding="utf-8")
    for item in iter_records(src):
        if isinstance(item, RecordProblem):
            assert str(item).startswith(f"{src}:1:")
            continue
        rv = Review(item)
        html = render_document(rv) + render_index([rv.slim()], {rv.slug: "x.html"})
        assert not [e for e in parse(html).errors if "handler" in e]
