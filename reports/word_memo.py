"""The review memos (审阅意见): one document's — summary, the gap checklist with evidence quoted,
the commitments table and, for a failing document, a suggested return note — and the batch's,
every document worst first with the return notes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import RGBColor

from reports.review import VERDICT_ZH, Review
from reports.triage import rank
from reports.word_style import AUTHOR, GREEN, GREY, RED, heading, new_memo, para, xml_safe
from reports.word_table import table


def memo_body(d: DocxDocument, rv: Review, *, level: int = 1) -> None:
    """Add one document's review (summary, gaps, commitments, return note) to ``d``."""
    t = rv.t
    rec = rv.record
    v = rv.verdict()
    prof = rec.get("profile") or {}
    meta = [(t("文件"), rv.name), (t("报送单位"), rec.get("unit") or t("（未识别）")), (t("文件类型"), rv.type_label()),
            (t("日期"), rec.get("date") or t("（未识别）")), (t("审查结论"), v.label),
            (t("审查方案"), f"{prof.get('name', '')} {prof.get('version', '')}")]
    table(d, [t("项目"), t("内容")], [[(k, None), (val, RED if k == t("审查结论") and v.code == "return" else None)]
                                      for k, val in meta], widths=[90, 340])
    if rv.errors:
        heading(d, t("一、未能审查"), level)
        for e in rv.errors:
            para(d, f"{e.get('code', '')} {e.get('reason', '')}：{e.get('message', '')}", colour=RED)
        para(d, t("建议：请报送单位重新提交可以读取的文件（.docx、.pdf 或 .txt）。"))
        return
    heading(d, t("一、总体情况"), level)
    conc = sum(1 for p in rv.problems if p.data.get("concrete"))
    cause = sum(1 for p in rv.problems if p.data.get("cause"))
    miss = Counter(f for c in rv.commitments for f, m in rv.missing(c).items() if m and rv.field_required(f))
    summary = (f"本材料识别为“{rv.type_label()}”。查找出问题{len(rv.problems)}条（有具体表现的{conc}条，剖析原因的{cause}条）；"
               f"整改承诺和措施{len(rv.commitments)}项")
    lacks = [f"缺时限{miss['deadline']}项" if miss["deadline"] else "", f"缺责任{miss['owner']}项" if miss["owner"] else "",
             f"缺具体措施{miss['measures']}项" if miss["measures"] else ""]
    lacks = [x for x in lacks if x]
    summary += (f"（{'、'.join(lacks)}）" if lacks else "") + f"；发现缺项{len(rv.gaps)}处。审查结论：{v.label}。"
    para(d, t(summary))
    wr = rec.get("work_report") or {}
    if wr.get("applies"):
        state = "读起来像工作报告" if wr.get("flag") else "没有写成工作报告"
        para(d, t(f"工作报告化程度 {float(wr.get('score') or 0):.2f}，{state}：{wr.get('reason', '')}。"),
              colour=RED if wr.get("flag") else None)

    heading(d, t("二、缺项清单"), level)
    groups = rv.checklist()
    if not groups:
        para(d, t("此类文件不适用缺项检查。"))
    for g in groups:
        failed = sum(1 for it in g.items if not it.passed)
        heading(d, f"{g.name}（{t(f'{len(g.items) - failed}/{len(g.items)}项通过')}）", level + 1)
        for it in g.items:
            p = d.add_paragraph()
            mark = p.add_run("✓ " if it.passed else "✗ ")
            mark.font.color.rgb = GREEN if it.passed else RED
            mark.bold = True
            term = p.add_run(xml_safe(it.term + ("" if it.passed else t(f"（{len(it.gaps)}处）"))))
            term.bold = not it.passed
            for gap in it.gaps:
                para(d, f"{gap.id}  {t(gap.data.get('message') or '')}", indent=True)
                ev = gap.data.get("evidence") or ""
                if ev and gap.located:
                    para(d, t("原文：") + f"「{ev}」", italic=True, indent=True, colour=GREY)
                elif ev:
                    para(d, t(ev), italic=True, indent=True, colour=GREY)

    standard = rv.profile.report.get("commitment_standard")
    heading(d, t(f"三、整改承诺核查（{standard}）" if standard else "三、整改承诺核查"), level)
    if not rv.commitments:
        para(d, t("没有识别出整改承诺或措施。"))
    else:
        rows = []
        for c in rv.commitments:
            m = rv.missing(c)
            cd = c.data

            def val(fld: str, value: str | None, label: str, m: dict[str, bool] = m) -> tuple[str, RGBColor | None]:
                if not m[fld]:
                    return value or "", None
                return (t(f"✗ {label}"), RED) if rv.field_required(fld) else (t("未写明"), GREY)

            content = cd.get("item") or cd.get("text") or ""
            if cd.get("item") and cd.get("target"):
                content += f"（{t('目标')}：{cd['target']}）"
            deadline = cd.get("deadline_text") or cd.get("deadline")
            rows.append([(c.id, None), (content, None), val("measures", cd.get("measures"), "缺措施"),
                         val("deadline", deadline, "缺时限"), val("owner", cd.get("owner"), "缺责任"),
                         (rv.area_label(c.area), None)])
        table(d, ["#", t("内容"), t("措施"), t("时限"), t("责任"), t("领域")], rows, widths=[26, 130, 120, 60, 60, 50])

    heading(d, t("四、查找出的问题"), level)
    if not rv.problems:
        para(d, t("没有识别出问题陈述。"))
    else:
        rows = [[(p.id, None), (p.data.get("text") or "", None), (rv.area_label(p.area), None),
                 (t("是") if p.data.get("concrete") else t("否"), None if p.data.get("concrete") else RED),
                 (t("是") if p.data.get("cause") else "", None)] for p in rv.problems]
        table(d, ["#", t("问题"), t("领域"), t("具体"), t("原因")], rows, widths=[26, 270, 56, 40, 40])

    note = rv.return_note()
    if note:
        heading(d, t("五、建议退回意见") if v.code == "return" else t("五、建议修改意见"), level)
        for line in note.split("\n"):
            para(d, line)


def write_memo(rv: Review, path: str | Path) -> None:
    """Write one document's review memo (审阅意见) as a .docx."""
    d = new_memo()
    title = heading(d, rv.t("审阅意见"), 0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = para(d, f"《{rv.title}》", bold=True, size=13)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    memo_body(d, rv)
    d.core_properties.title = xml_safe(rv.t("审阅意见") + f"：{rv.title}")
    d.core_properties.author = AUTHOR
    d.save(str(path))


def write_batch_memo(reviews: Sequence[Review], path: str | Path, *, title: str | None = None) -> None:
    """Write the batch memo: totals, gap counts, every document worst first, and the return notes.

    Args:
        reviews: One review per record (text not needed).
        path: Where to write the .docx.
        title: The memo's heading (by default the profile's ``reports.batch_memo_title``).
    """
    if title is None:
        title = reviews[0].profile.report["batch_memo_title"] if reviews else "审阅意见汇总"
    d = new_memo()
    h = heading(d, title, 0)
    h.alignment = WD_ALIGN_PARAGRAPH.CENTER
    by_rec = {id(r.record): r for r in reviews}
    ok, bad = rank([r.record for r in reviews])
    ordered = [by_rec[id(x)] for x in ok + bad]
    prof = reviews[0].profile if reviews else None
    if prof is not None:
        sub = para(d, f"{prof.data.get('title', '')}（{prof.name} {prof.version}）", colour=GREY)
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    vc = Counter(r.verdict().code for r in ordered)
    flagged = sum(1 for r in ordered if (r.record.get("work_report") or {}).get("flag") and not r.errors)
    type_names = (prof.data.get("doc_types") if prof else {}) or {}
    types = Counter(r.doc_type for r in ordered if not r.errors)
    heading(d, "一、总体情况", 1)
    para(d, f"本批共{len(ordered)}份材料：建议退回修改{vc['return']}份，建议完善{vc['improve']}份，未发现缺项{vc['pass']}份，"
             f"未能审查{vc['error']}份；其中读起来像工作报告的{flagged}份。")
    if types:
        para(d, "材料类型：" + "，".join(f"{type_names.get(t, t)}{n}份" for t, n in types.most_common()) + "。")

    heading(d, "二、各类缺项", 1)
    docs_with = Counter(c for r in ordered for c in sorted({str(g.data.get("code")) for g in r.gaps}))
    total = Counter(g.data.get("code") for r in ordered for g in r.gaps)
    if docs_with:
        rows = [[((prof.gaps.get(c) or {}).get("term", c) if prof else c, None), (str(n), None), (str(total[c]), None)]
                for c, n in docs_with.most_common()]
        table(d, ["缺项", "份数", "处数"], rows, widths=[300, 60, 60])
    else:
        para(d, "没有发现缺项。")

    heading(d, "三、逐份审阅结果（问题最多的在前）", 1)
    rows = []
    for i, r in enumerate(ordered, 1):
        v = r.verdict()
        codes = Counter(g.data.get("code") for g in r.gaps)
        gaps = "；".join(f"{(r.profile.gaps.get(c) or {}).get('term', c)}" + (f"×{n}" if n > 1 else "") for c, n in codes.items())
        if r.errors:
            gaps = r.errors[0].get("reason", "")
        rows.append([(str(i), None), (r.name + (f"\n{r.record.get('title')}" if r.record.get("title") else ""), None),
                     (r.record.get("unit") or "", None), (type_names.get(r.doc_type, r.doc_type or "—"), None),
                     (VERDICT_ZH.get(v.code, v.label), RED if v.code == "return" else None), (gaps or "—", None)])
    if rows:
        table(d, ["#", "文件", "单位", "类型", "结论", "主要缺项"], rows, widths=[24, 120, 80, 60, 50, 150])

    returns = [r for r in ordered if r.verdict().code == "return"]
    heading(d, "四、建议退回的材料", 1)
    if not returns:
        para(d, "没有需要退回的材料。")
    for i, r in enumerate(returns, 1):
        heading(d, f"{i}. 《{r.title}》（{r.name}）", 2)
        for line in r.return_note().split("\n"):
            para(d, line)
    if bad:
        heading(d, "五、未能审查的文件", 1)
        for r in ordered:
            if r.errors:
                e = r.errors[0]
                para(d, f"{r.name}：{e.get('code', '')} {e.get('reason', '')} — {e.get('message', '')}")
    d.core_properties.title = title
    d.core_properties.author = AUTHOR
    d.save(str(path))
