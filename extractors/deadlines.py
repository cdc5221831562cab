"""Deadlines: Chinese timing expressions -> ISO dates, with their precision.

``parse_deadline("9月底前完成", year=2009)`` gives ``Deadline("2009-09-30", "month", "9月底前")``.
The last day of the period is taken when only a month, quarter, half-year or year is given;
上旬/中旬/下旬 end on the 10th/20th/last day; 春节前 is the day before the next Spring Festival
after the document's date. Open timings (立即, 长期坚持, 每月…) give ``iso=None`` with
precision ``open``; a text with no timing at all gives ``None``.
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from pipeline import lang_zh as zh


@dataclass(frozen=True)
class Deadline:
    """A parsed timing.

    Attributes:
        iso: The ISO date, or None for open timings.
        precision: ``day``, ``month``, ``quarter``, ``half-year``, ``year`` or ``open``.
        text: The words it was read from.
        start: Offset of ``text`` in the parsed string.
    """

    iso: str | None
    precision: str
    text: str
    start: int = 0


def cn_number(s: str) -> int:
    """Chinese or Arabic numerals up to 99 (and 4-digit years written digit by digit)."""
    s = s.strip()
    if s.isdigit():
        return int(s)
    if len(s) == 4 and all(ch in zh.NUMERAL_DIGITS for ch in s):
        return int("".join(str(zh.NUMERAL_DIGITS[ch]) for ch in s))
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (zh.NUMERAL_DIGITS.get(tens, 1) if tens else 1) * 10 + (zh.NUMERAL_DIGITS.get(ones, 0) if ones else 0)
    return zh.NUMERAL_DIGITS.get(s, 0)


@lru_cache(maxsize=1)
def _spring_festivals() -> dict[int, date]:
    data = json.loads((Path(__file__).parent / "data" / "spring_festival.json").read_text(encoding="utf-8"))
    return {int(k): date.fromisoformat(v) for k, v in data["dates"].items()}


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])




def _year_of(m: re.Match[str], base: int | None) -> int | None:
    gd = m.groupdict()
    if gd.get("y"):
        return cn_number(gd["y"])
    rel = gd.get("rel")
    if rel and base is not None:
        return base + zh.RELATIVE_YEAR_OFFSET.get(rel, 0)
    return base


def parse_deadlines(text: str, *, year: int | None, doc_date: date | None = None) -> list[Deadline]:
    """Every dated timing in ``text`` (simplified script), in order of appearance, overlaps removed."""
    found: list[Deadline] = []
    taken: list[tuple[int, int]] = []
    for kind, rx in zh.DEADLINE_FORMS:
        for m in rx.finditer(text):
            a, b = m.span()
            if any(a < e and s < b for s, e in taken):
                continue
            if text[max(0, a - 1):a] == zh.EVERY[0] or text[max(0, a - 2):a] in zh.EVERY[1:]:
                continue
            if zh.PERIOD_START.match(text[b : b + 3]):  # the start of a period, not its end
                taken.append((a, b))
                continue
            dl = _resolve(kind, m, year, doc_date)
            if dl is None:
                continue
            taken.append((a, b))
            found.append(Deadline(dl[0], dl[1], text[a:b], a))
    found.sort(key=lambda d: d.start)
    return found


def _resolve(kind: str, m: re.Match[str], base: int | None, doc_date: date | None) -> tuple[str, str] | None:
    gd = m.groupdict()
    y = _year_of(m, base)
    try:
        if kind == "festival":
            f = gd["f"]
            if f == "春节":
                ref = doc_date or (date(base, 1, 1) if base else None)
                if ref is None:
                    return None
                sf = _spring_festivals()
                nxt = min((d for d in sf.values() if d > ref), default=None)
                return ((nxt - timedelta(days=1)).isoformat(), "day") if nxt else None
            if y is None:
                return None
            month_day = {"元旦": (12, 31), "国庆": (9, 30), "五一": (4, 30), "中秋": None}[f]
            return (date(y, *month_day).isoformat(), "day") if month_day else None
        if y is None:
            return None
        if kind in ("ymd", "md"):
            mo, d = cn_number(gd["m"]), cn_number(gd["d"])
            return date(y, mo, d).isoformat(), "day"
        if kind in ("yxun", "xun"):
            mo = cn_number(gd["m"])
            d = {"上旬": 10, "中旬": 20}.get(gd["x"]) or calendar.monthrange(y, mo)[1]
            return date(y, mo, d).isoformat(), "day"
        if kind == "ym":
            return _month_end(y, cn_number(gd["m"])).isoformat(), "month"
        if kind == "m":
            mo = cn_number(gd["m"])
            if gd.get("suf") in ("前", "以前", "之前"):
                # 「7月前」: before July begins
                mo -= 1
                if mo == 0:
                    return None
            return _month_end(y, mo).isoformat(), "month"
        if kind == "yq":
            q = cn_number(gd["q"])
            return _month_end(y, q * 3).isoformat(), "quarter"
        if kind == "yh":
            return (date(y, 6, 30) if gd["h"] == "上半年" else date(y, 12, 31)).isoformat(), "half-year"
        if kind in ("yend", "end"):
            return date(y, 12, 31).isoformat(), "year"
    except (ValueError, KeyError):
        return None
    return None


def parse_deadline(text: str, *, year: int | None, doc_date: date | None = None) -> Deadline | None:
    """The deadline a commitment sets: its latest dated timing, else an open timing, else None.

    Args:
        text: The commitment (simplified script; full-width digits folded).
        year: The document's year, for timings that give none (「9月底前」).
        doc_date: The document's date, for 「春节前」 and for month-only timings that fall
            well before the document (taken as next year's).

    Returns:
        A ``Deadline``, or None when the text gives no timing at all.
    """
    found = parse_deadlines(text, year=year, doc_date=doc_date)
    if found:
        best = max(found, key=lambda d: d.iso or "")
        if doc_date and best.iso and zh.YEAR_CHAR not in best.text and not zh.HAS_RELATIVE_YEAR.search(best.text):
            dt = date.fromisoformat(best.iso)
            if (doc_date - dt).days > 45:
                try:
                    moved = dt.replace(year=dt.year + 1)
                except ValueError:
                    moved = dt + timedelta(days=365)
                if best.precision in ("month", "quarter") :
                    moved = _month_end(moved.year, moved.month)
                best = Deadline(moved.isoformat(), best.precision, best.text, best.start)
        return best
    m = zh.OPEN_TIMING.search(text)
    if m:
        return Deadline(None, "open", m.group(1), m.start())
    return None
