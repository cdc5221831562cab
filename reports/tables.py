"""Tables for the office: the triage of a batch and the commitment ledger as rows with Chinese
headers, written as CSV (UTF-8 with a BOM, so that Excel opens it) or as an Excel workbook.

    headers, rows = triage_rows(records)
    write_csv("triage.csv", headers, rows)
    write_xlsx("triage.xlsx", [("审查结果", headers, rows)])
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from pipeline.profile import Profile, load_profile
from pipeline.record import Record
from reports.triage import display_width, gap_summary, profile_of, rank

TRIAGE_HEADERS = ("序号", "文件", "单位", "标题", "类型", "工作报告化", "工作报告化得分", "问题数", "承诺数",
                  "缺项数", "缺项", "错误", "路径")
LEDGER_HEADERS = ("台账", "完成时限", "责任单位", "整改事项", "领域", "承诺内容", "文件编号", "文件名", "报送单位",
                  "标题", "缺少")
LEDGER_STATUS_ZH = {"ledger": "完整", "incomplete": "不完整"}
MISSING_ZH = {"deadline": "时限", "owner": "责任"}


def area_label(area: str | None, profile: Profile) -> str:
    """The short Chinese label of an area."""
    return (profile.areas.get(area or "") or {}).get("short") or area or ""


def triage_rows(records: Sequence[Record], profile: Profile | None = None) -> tuple[tuple[str, ...], list[list[Any]]]:
    """``(headers, rows)`` of the triage, worst first, then the files that could not be screened.

    Args:
        records: The batch's records.
        profile: A profile loaded from a folder, for the records that name it (see ``profile_of``).
    """
    ok, bad = rank(records)
    rows: list[list[Any]] = []
    for i, r in enumerate(ok + bad, 1):
        prof = profile_of(r, profile)
        wr = r.get("work_report") or {}
        err = (r.get("errors") or [{}])[0]
        rows.append([i, Path(r["path"]).name, r.get("unit") or "", r.get("title") or "",
                     prof.type_label(r.get("doc_type")),
                     "是" if wr.get("flag") and not r.get("errors") else "否",
                     round(float(wr.get("score") or 0), 3), len(r.get("problems") or []),
                     len(r.get("commitments") or []), len(r.get("gaps") or []), gap_summary(r, prof),
                     f"{err.get('code', '')} {err.get('reason', '')}".strip() if r.get("errors") else "",
                     r["path"]])
    return TRIAGE_HEADERS, rows


def ledger_rows(complete: Iterable[dict[str, Any]], incomplete: Iterable[dict[str, Any]],
                profile: Profile | None = None) -> tuple[tuple[str, ...], list[list[Any]]]:
    """``(headers, rows)`` of the commitment ledger (rows as ``Store.commitments`` gives them)."""
    profile = profile or load_profile()
    rows = []
    for status, group in (("ledger", complete), ("incomplete", incomplete)):
        for r in group:
            rows.append([LEDGER_STATUS_ZH[status], r.get("deadline") or "", r.get("owner") or "", r.get("item") or "",
                         area_label(r.get("area"), profile), r.get("text") or "", r.get("doc_id"), r.get("name") or "",
                         r.get("unit") or "", r.get("title") or "",
                         "、".join(MISSING_ZH.get(m, m) for m in r.get("missing") or [])])
    return LEDGER_HEADERS, rows


def _csv_safe(v: Any) -> Any:
    """A cell that a spreadsheet will not run as a formula (``=``, ``+``, ``-``, ``@`` lead a formula)."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def write_csv(target: str | Path | IO[str], headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a CSV in UTF-8 with a byte-order mark (Excel reads the Chinese right), ``-`` for stdout."""
    if target == "-":
        target = sys.stdout
    if isinstance(target, (str, Path)):
        with open(target, "w", encoding="utf-8-sig", newline="") as fh:
            write_csv(fh, headers, rows)
        return
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers)
    for row in rows:
        w.writerow([_csv_safe(v) for v in row])
    text = buf.getvalue()
    if getattr(target, "encoding", "").lower().replace("_", "-") not in ("utf-8-sig",):
        text = "\ufeff" + text
    target.write(text)


def write_xlsx(path: str | Path, sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> None:
    """Write an Excel workbook: one sheet per ``(name, headers, rows)``, bold frozen header, filters on."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.remove(wb.active)
    for name, headers, rows in sheets:
        ws = wb.create_sheet(title=name[:31])
        ws.append(list(headers))
        widths = [_width(h) for h in headers]
        for row in rows:
            clean = [ILLEGAL_CHARACTERS_RE.sub(" ", v) if isinstance(v, str) else v for v in row]
            clean = [_csv_safe(v) for v in clean]
            ws.append(clean)
            widths = [max(w, min(60, _width(str(v)))) for w, v in zip(widths, clean, strict=False)]
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(vertical="center")
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        for j, w in enumerate(widths, 1):
            ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = w + 2
    wb.save(str(path))


def _width(s: str) -> int:
    return display_width(s)
