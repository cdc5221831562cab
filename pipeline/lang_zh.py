"""The Chinese language, once: numerals, punctuation, outline numbers, counted quantities and date forms.

Everything here holds for any Chinese document, whatever the campaign; what a campaign calls a
problem, a measure or a pledge lives in its profile (``pipeline/profiles/<name>/profile.yaml``).
Stages import these names instead of writing their own literals, so an outline-number form or
a sentence-end mark is fixed in one place.
"""

from __future__ import annotations

import re

# --- characters -------------------------------------------------------------------------------
NUMERALS = "一二三四五六七八九十"  # ordinals of outline numbers and items: 一、 （二） 三是
YEAR_DIGITS = "一二〇○零三四五六七八九"  # the digits a year is written with: 二〇〇九
COUNT_DIGITS = "一二三四五六七八九十百千万两"  # numerals of a counted quantity: 三个, 两家
HAN = "\u4e00-\u9fff"

SENTENCE_END = re.compile(r"[。！？!?][”’」』)）]*")
SENTENCE_PUNCT = re.compile(r"[。；;]")  # a full stop or a semicolon: a sentence, not a phrase
PHRASE_PUNCT = re.compile(r"[。；;，,]")  # any punctuation a title line never has
CLAUSE_PUNCT = re.compile(r"[，,；;：:]")
COMMA = re.compile(r"[，,]")
COLON = re.compile(r"[：:]")
SEMICOLON = re.compile(r"[；;]")
# The words a document's first sentence opens with (「根據…」, 「按照…」, 「為…」): where one follows a
# genre noun with no break (「…分析檢查報告根據全市…」), a page has run its title into its text.
BODY_OPENER = re.compile(r"(?:根据|按照|依据|遵照|为了|为|近日|今年|自|在)")
EXAMPLE_LEAD = re.compile(r"^\s*(?:比如|例如|譬如|如)[：:，,]?")  # 「如…」 opening the first item of an inline list
PHRASE_RUN = re.compile(r"[^，。；;,:：\s]{1,22}")  # a run of characters up to the next punctuation
CLAUSE_SPLIT = re.compile(r"[，,；;。]")
ENDS_HAN = re.compile(rf"[{HAN}]$")
HAN_WORD = re.compile(rf"^[{HAN}]{{2,}}$")
NOT_HAN = re.compile(rf"[^{HAN}]+")
# A pinyin reading in brackets after a character, as some converting sites leave it in the text
# (「學(xué)習(xí)」): not part of the writing.
PINYIN_ANNOTATION = re.compile(rf"(?<=[{HAN}])[(（][a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹḿ]{{1,7}}[)）]")
# A clause: a run of text up to the next sentence or clause mark or line end.
CLAUSE_RUN = re.compile(r"[^，。；;,：:！？!?、\n]+")

# --- outline numbers and items -------------------------------------------------------------------
# 「（一）」「(2)」 — a bracketed number
BRACKET_NUMBER = rf"[（(][{NUMERALS}\d]+[）)]"
# 「一、」「二.」 or 「第一部分」 — the top level of an outline
TOP_OUTLINE = re.compile(rf"\s*(?:[{NUMERALS}]+[、.]|第[{NUMERALS}]+部分)")
# any outline number at the start of a line: （一） 一、 1. ⑴ ①
OUTLINE_START = re.compile(rf"^\s*(?:{BRACKET_NUMBER}|[{NUMERALS}]+[、.．]|\d+[、.．](?!\d))")
# a number opening an item inside a sentence, after ；or ：
INLINE_NUMBER = rf"{BRACKET_NUMBER}|\d+[.、](?!\d)"
# an outline number with its mark, removed from an item's text: 「（一）」「1、」「二.」
OUTLINE_PREFIX = re.compile(rf"^[（(]?[{NUMERALS}\d]+[）)、.]\s*")
# 「整改项目：」 — a short label and its colon opening an item
ITEM_LABEL = re.compile(r"^([^，。；:：]{2,16})[:：]")
OPENS_BRACKET = re.compile(r"\s*[（(]")
# 「一是」「二要」 — the ordinal item marker that stays inside the span
ORDINAL_ITEM = re.compile(rf"^[{NUMERALS}]+[是要]")
# a label's number after its name: 「问题一：」「措施2:」
LABEL_NUMBER = rf"[{NUMERALS}\d]*\s*[:：]\s*"

# a line that is only a page number: 「- 3 -」「第3页，共12页」「3/12」「iv」
PAGE_NUMBER_LINE = re.compile(r"^\s*(?:[-—–－]\s*\d+\s*[-—–－]|第\s*\d+\s*页(?:\s*[,，/共]\s*\d+\s*页)?|\d+\s*/\s*\d+|\d{1,3}|[-—–－]?\s*[ivxlcIVXLC]+\s*[-—–－]?)\s*$")
# a line that opens an item or section, so a hard-wrapped line before it ends there
LINE_OPENS_ITEM = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+[、.．]|\d+[、.．](?!\d)|[一二三四五六七八九十]+(?:是|要)"
    r"|[⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽①②③④⑤⑥⑦⑧⑨⑩]|第[一二三四五六七八九十]+[部章节条]|项目[一二三四五六七八九十\d]+)"
)

# a heading line of an outline (the reviewer's page sets it apart): 「一、」「第二章」「（三）」
OUTLINE_HEADING = re.compile(rf"^(?:[{NUMERALS}]+、|第[{NUMERALS}]+[章部分节]|[（(][{NUMERALS}]+[）)])")

# --- quantities -------------------------------------------------------------------------------------
MEASURE_WORDS = "个家名项人户套次场批所条天篇起件年"
COUNTED = re.compile(rf"\d|[{COUNT_DIGITS}]+(?:[{MEASURE_WORDS}])")
DIGIT = re.compile(r"\d")
DECIMAL = re.compile(r"\d+(?:\.\d+)?")
WORDLIKE = re.compile(r"\w")
# the perfective 了 after a verb (「修订完善了」「开展了」), not 为了/除了/罢了/了解/了如
PERFECTIVE = re.compile(rf"(?<=[{HAN}])(?<![为除罢])了(?![解如])")

# --- dates ----------------------------------------------------------------------------------------------
DAY_NUM = rf"\d{{1,2}}|[{NUMERALS}]{{1,3}}"
HAS_RELATIVE_YEAR = re.compile("今年|明年|次年|本年")
# a line that is only a date (a document's signing date): 「二〇〇九年十月二十日」「（2009年10月）」
DATE_LINE = re.compile(
    rf"^[(（]?\s*(?P<y>\d{{4}}|[{YEAR_DIGITS}]{{4}})\s*年\s*(?P<m>{DAY_NUM})\s*月"
    rf"(?:\s*(?P<d>{DAY_NUM})\s*日)?[^。，]{{0,16}}[)）]?$")
# a published date in a byline: 「2009-10-20」「2009年10月20日」
NUMERIC_DATE = re.compile(r"(?P<y>(?:19|20)\d\d)\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})")
YEAR_MENTION = re.compile(r"(?<!\d)((?:19[5-9]|20[0-9])\d)\s*年")
LINE_STARTS_WITH_YEAR = re.compile(r"^[(（]?\s*\d{4}\s*年")
# a period's start, not its end: 「10月起」「9月至12月」
PERIOD_START = re.compile(r"\s*(?:起|开始|以来|至|到|—|-|~)")
PERSON = "人"  # 负责人 is the person in charge, not 「…负责」
DRAFT = "稿"  # 「…报告（讨论稿）」
# the trailing date, bracketed note or draft mark of a title: 「…报告（讨论稿）」「…总结 2009年10月」
TITLE_TAIL = re.compile(r"(?:[（(][^（()）]{0,12}[)）]|[\s　]|稿|\d{4}年?\d{0,2}月?\d{0,2}日?)+$")


# Deadline forms (extractors/deadlines.py): a year written in digits or numerals, or relative.
_NUM = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
_YEAR = r"(?:(?P<y>\d{4}|[一二〇○零OＯ三四五六七八九]{4})\s*年|(?P<rel>今年|明年|次年|后年|翌年|本年|当年))"
RELATIVE_YEAR_OFFSET = {"明年": 1, "次年": 1, "翌年": 1, "后年": 2}
NUMERAL_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                  "七": 7, "八": 8, "九": 9}
EVERY = ("每", "每个", "每年")  # 「每月10日」 is a recurrence, not a deadline
# open timings: immediate, standing or recurring (立即, 长期坚持, 每月) — a timing with no date
OPEN_TIMING = re.compile(r"(长期坚持|常抓不懈|立即|马上|立行立改|立说立行|即知即改|随时|持续推进|长期|每年|每半年|每季度|每月|每周|每天|每日|定期|经常性|常态化)")
YEAR_CHAR = "年"

DEADLINE_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ymd", re.compile(_YEAR + rf"\s*(?P<m>{_NUM})\s*月\s*(?P<d>{_NUM})\s*[日号]")),
    ("md", re.compile(rf"(?<![\d年每])(?P<m>{_NUM})\s*月\s*(?P<d>{_NUM})\s*[日号]")),
    ("yxun", re.compile(_YEAR + rf"\s*(?P<m>{_NUM})\s*月\s*(?P<x>上旬|中旬|下旬)")),
    ("xun", re.compile(rf"(?<![\d年每])(?P<m>{_NUM})\s*月\s*(?P<x>上旬|中旬|下旬)")),
    ("ym", re.compile(_YEAR + rf"\s*(?P<m>{_NUM})\s*月(?:份|底|末|中|内)?")),
    ("m", re.compile(rf"(?<![\d年每个])(?P<m>{_NUM})\s*月(?P<suf>份|底|末|内|前|以前|之前)")),
    ("yq", re.compile(r"(?:" + _YEAR + r")?\s*第?(?P<q>[一二三四1-4])\s*季度")),
    ("yh", re.compile(r"(?:" + _YEAR + r")?\s*(?P<h>上半年|下半年)")),
    ("yend", re.compile(r"(?:(?P<y>\d{4}|[一二〇○零三四五六七八九]{4})\s*年|(?P<rel>今年|明年|次年|后年|翌年|本年|当年))"
                        r"\s*(?:年底|年末|底|末|内|年内|全年)")),
    ("end", re.compile(r"(?<![每全])(?:年底|年末|年内|本年度内|年度内|今年内|岁末)")),
    ("festival", re.compile(r"(?P<f>春节|元旦|国庆|五一|中秋)\s*(?:节)?\s*(?:前|之前|以前)")),
)
