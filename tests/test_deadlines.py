"""Deadlines: every timing form the campaign's documents use, table-tested."""

from __future__ import annotations

from datetime import date

import pytest

from extractors.deadlines import cn_number, parse_deadline, parse_deadlines

DOC_DATE = date(2009, 7, 6)


@pytest.mark.parametrize(
    ("text", "iso", "precision"),
    [
        ("9月底前完成", "2009-09-30", "month"),
        ("９月30日前完成", "2009-09-30", "day"),
        ("二〇〇九年十月底前建成", "2009-10-31", "month"),
        ("第三季度帮助5家企业恢复生产", "2009-09-30", "quarter"),
        ("三季度完成", "2009-09-30", "quarter"),
        ("年内引进项目2个", "2009-12-31", "year"),
        ("年底前完成改造", "2009-12-31", "year"),
        ("下半年启动", "2009-12-31", "half-year"),
        ("上半年", "2009-06-30", "half-year"),
        ("10月份完成排查", "2009-10-31", "month"),
        ("春节前兑现到位", "2010-02-13", "day"),  # the next Spring Festival after 2009-07-06 is 2010-02-14
        ("明年3月底前建成", "2010-03-31", "month"),
        ("2010年6月底前完成中试", "2010-06-30", "month"),
        ("2010年底前交付使用", "2010-12-31", "year"),
        ("12月15日前建立制度", "2009-12-15", "day"),
        ("2010年12月31日", "2010-12-31", "day"),
        ("8月上旬", "2009-08-10", "day"),
        ("8月中旬", "2009-08-20", "day"),
        ("8月下旬", "2009-08-31", "day"),
        ("2009年9月底前", "2009-09-30", "month"),
        ("今年10月底", "2009-10-31", "month"),
        ("7月前出台办法", "2009-06-30", "month"),
    ],
)
def test_deadline_forms(text: str, iso: str, precision: str) -> None:
    from pipeline.normalise import fold_width

    dl = parse_deadline(fold_width(text), year=2009, doc_date=DOC_DATE)
    assert dl is not None
    assert (dl.iso, dl.precision) == (iso, precision)


@pytest.mark.parametrize("text", ["长期坚持", "立即整改", "立行立改", "每月公开一次", "每季度开展一次满意度调查"])
def test_deadline_open_timings_are_null_but_stated(text: str) -> None:
    dl = parse_deadline(text, year=2009)
    assert dl is not None and dl.iso is None and dl.precision == "open"


def test_deadline_none_when_no_timing() -> None:
    assert parse_deadline("严格执行公务接待标准，减少会议和发文数量。", year=2009) is None


@pytest.mark.parametrize(("text", "iso"), [("2009年7月起长期坚持", None), ("6月下旬至8月底完成", "2009-08-31"),
                                          ("从2009年9月1日起施行", None)])
def test_deadline_start_of_a_period_is_not_a_deadline(text: str, iso: str | None) -> None:
    dl = parse_deadline(text, year=2009)
    assert (dl.iso if dl else None) == iso


def test_deadline_latest_of_several() -> None:
    dl = parse_deadline("9月底前完成设计，年底前全部建成", year=2009)
    assert dl is not None and dl.iso == "2009-12-31"


def test_deadline_recurring_day_is_not_a_deadline() -> None:
    dl = parse_deadline("每月25日前报送进展情况", year=2009)
    assert dl is not None and dl.precision == "open"


def test_deadline_month_long_past_rolls_to_next_year() -> None:
    # A plan dated December that promises 「3月底前」 means next March.
    dl = parse_deadline("3月底前建成", year=2009, doc_date=date(2009, 12, 10))
    assert dl is not None and dl.iso == "2010-03-31"


def test_deadline_spring_festival_after_new_year() -> None:
    dl = parse_deadline("春节前", year=2010, doc_date=date(2010, 3, 1))
    assert dl is not None and dl.iso == "2011-02-02"


def test_deadline_without_year_context_is_none() -> None:
    assert parse_deadline("9月底前完成", year=None) is None or parse_deadline("9月底前完成", year=None).iso is None


@pytest.mark.parametrize(("s", "n"), [("十", 10), ("十二", 12), ("二十", 20), ("三", 3), ("二〇〇九", 2009), ("15", 15)])
def test_cn_number(s: str, n: int) -> None:
    assert cn_number(s) == n


def test_parse_deadlines_reports_offsets() -> None:
    text = "由镇教育办负责，8月底前完成扩建。"
    (dl,) = parse_deadlines(text, year=2009)
    assert text[dl.start : dl.start + len(dl.text)] == dl.text
