"""For the office: Chinese headers, CSV with a BOM and Excel workbooks, the triage table aligned by
display width, a file's gap list from ``shencha screen``, and the per-unit overview."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from reports.tables import write_csv
from reports.triage import display_width, summary_table
from reports.units import fold_unit, unit_overview
from shencha.cli import main
from tests.test_reports import parse

UNIT_FILES = ["analysis-good.pdf", "plan-table-traditional.docx", "analysis-weak.docx", "speech.txt"]


@pytest.fixture(scope="module")
def records(screener: Any, samples_dir: Path) -> list[dict[str, Any]]:
    return [screener.screen(samples_dir / n) for n in UNIT_FILES]


def read_xlsx(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    ws = load_workbook(path).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_screen_one_file_prints_its_gaps_with_evidence_and_writes_csv_and_xlsx(
        samples_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = samples_dir / "analysis-weak.docx"
    out_csv, out_xlsx = tmp_path / "triage.csv", tmp_path / "triage.xlsx"
    assert main(["screen", str(src), "--silent", "--workers", "1", "--csv", str(out_csv), "--xlsx", str(out_xlsx)]) == 0
    out = capsys.readouterr().out
    assert "序号" in out and "缺项" in out and "no_problems" not in out  # Chinese terms, not codes
    assert "G1 " in out and "依据：" in out and "查找突出问题不准" in out
    raw = out_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["序号", "文件", "单位"] and rows[1][1] == "analysis-weak.docx"
    sheet = read_xlsx(out_xlsx)
    assert sheet[0] == rows[0] and sheet[1][1] == "analysis-weak.docx" and "查找突出问题不准" in sheet[1][10]


def test_screen_format_md_and_html_list_every_documents_gaps(samples_dir: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(samples_dir / n) for n in ("analysis-weak.docx", "plan-prose-big5.txt")]
    assert main(["screen", *files, "--silent", "--workers", "1", "--format", "md"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# 缺项清单") and md.count("\n## ") == 2
    assert "> " in md and "**" in md and "序号" not in md  # gap lists instead of the table
    assert main(["screen", *files, "--silent", "--workers", "1", "--format", "html"]) == 0
    html = capsys.readouterr().out
    tags = parse(html)
    assert not tags.errors and tags.scripts == 1
    assert html.count('<section class="card">') == 2 and "blockquote" in html
    assert main(["screen", *files, "--format", "md", "--jsonl", "-"]) == 2


def test_triage_table_is_aligned_by_display_width_and_keeps_chinese_names() -> None:
    names = ["中共白水县委关于学习实践活动的分析检查报告（修改稿）.txt", "a.txt", "é́-combining.txt",
             "白水县农业局整改落实方案.docx"]
    recs = [{"path": f"/x/{n}", "doc_type": "analysis_report", "work_report": {"flag": i == 0, "score": 0.5},
             "problems": [], "commitments": [], "gaps": [{"code": "no_problems"}], "errors": []}
            for i, n in enumerate(names)]
    lines = summary_table(recs).splitlines()
    body = lines[2:2 + len(names)]
    for n in names:
        assert any(n in ln for ln in body), n  # not cut: the column fits the longest name
    starts = {display_width(ln[: ln.rindex("分析检查报告")]) for ln in body}
    assert len(starts) == 1, "the type column starts at the same screen column on every row"
    assert display_width(lines[0][: lines[0].index("类型")]) in starts
    assert "查找突出问题不准" in body[0]


def test_units_overview_groups_scripts_and_names_what_is_missing(records: list[dict[str, Any]], tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert fold_unit("中共楓林鎮委員會") == fold_unit("中共枫林镇委员会 ")
    units = {u.unit: u for u in unit_overview(records)}
    fenglin = next(u for name, u in units.items() if fold_unit(name) == fold_unit("中共枫林镇委员会"))
    assert set(fenglin.documents) == {"analysis_report", "rectification_plan"}
    assert fenglin.missing == ["meeting_speech"]
    src = tmp_path / "batch.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    out_csv, out_xlsx = tmp_path / "units.csv", tmp_path / "units.xlsx"
    assert main(["units", str(src), "--csv", str(out_csv), "--xlsx", str(out_xlsx)]) == 0
    text = capsys.readouterr().out
    assert "缺少：民主生活会发言" in text and "个单位" in text
    rows = list(csv.reader(io.StringIO(out_csv.read_text(encoding="utf-8-sig"))))
    assert rows[0][:2] == ["单位", "份数"] and "缺少" in rows[0]
    assert read_xlsx(out_xlsx)[0] == rows[0]


def test_ledger_csv_and_xlsx_from_the_archive(samples_dir: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "a.db"
    assert main(["archive", "--db", str(db), "add", str(samples_dir / "plan-table-traditional.docx"), "--silent"]) == 0
    assert main(["commitments", "--db", str(db), "--csv", str(tmp_path / "l.csv")]) == 0
    assert main(["commitments", "--db", str(db), "--xlsx", str(tmp_path / "l.xlsx")]) == 0
    raw = (tmp_path / "l.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["台账", "完成时限", "责任单位"] and len(rows) == 9  # the header and the table's 8 rows
    assert read_xlsx(tmp_path / "l.xlsx")[0] == rows[0]
    capsys.readouterr()
    assert main(["commitments", "--db", str(db), "--csv"]) == 0
    assert capsys.readouterr().out.startswith("\ufeff台账,")
    assert main(["commitments", "--db", str(db), "--xlsx", str(tmp_path / "no" / "l.xlsx")]) == 2


def test_csv_cells_never_start_a_formula(tmp_path: Path) -> None:
    write_csv(tmp_path / "x.csv", ["a"], [["=HYPERLINK(\"http://x\")"], ["+1"], ["-2"], ["@SUM(A1)"], ["ok"]])
    rows = list(csv.reader(io.StringIO((tmp_path / "x.csv").read_text(encoding="utf-8-sig"))))
    assert [r[0][0] for r in rows[1:5]] == ["'"] * 4 and rows[5] == ["ok"]


def test_index_page_carries_the_unit_overview(records: list[dict[str, Any]]) -> None:
    from reports.html import render_index
    from reports.review import Review

    rvs = [Review(r) for r in records]
    html = render_index(rvs, {r.slug: f"{r.slug}.html" for r in rvs})
    card = html[html.index('id="units"'):html.index("</details>", html.index('id="units"'))]
    assert not parse(html).errors
    row = next(r for r in card.split("<tr>") if "枫林镇" in r or "楓林鎮" in r)
    assert "民主生活会发言" in row and "分析检查报告" not in row.split("miss-cell")[1]
