"""Reading one table line into its parts: code, label, name text and figure slots."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from .numbers import is_amount, is_blank, is_broken_figure, is_decimal, parse_amount
from .readers import Line, Token
from .specs import FUNCTION_CLASSES

TOTAL_LABELS = ("合计", "总计")
# Words that only ever appear in table headers, never in a row's name.
HEADER_WORDS = (
    "栏次", "行次", "科目编码", "科目名称", "功能分类", "经济分类", "项目", "项 目", "决算数", "预算数",
    "本年收入合", "本年支出合", "基本支出", "项目支出", "类", "款", "项", "金额", "单位", "部门：", "部门:",
)
# Pieces of column headings (often cut by wrapping) that no row name contains.
HEADER_FRAGMENTS = (
    "栏次", "科目编码", "科目名称", "功能分类", "经济分类", "本年收入", "本年支出", "基本支出", "项目支出",
    "财政拨款收", "上级补助", "附属单位", "上缴上级", "经营支出", "经营收", "事业收", "其他收", "年初结转", "年末结转",
)
# A page number alone on its line: '- 7 -', '— 9 —', '- 7' (a converter that drops the closing dash), '7', '第7页'.
_PAGE_NUMBER = re.compile(r"^(?:[-—－]\s*\d{1,3}\s*[-—－]?|\d{1,3}|第\d+页(?:共\d+页)?|表\d+|公开\d+表|公开表\d+|\d{4}年度?)$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Compiled once: these are tried on every token of every table row.
_CODE_TOKEN = re.compile(r"\d{3}|\d{5}|\d{7}")  # a 类, 款 or 项 code
_CODE_PART = re.compile(r"\d{1,2}")  # a 款 or 项 printed in a column of its own
_FIGURE_HEAD = re.compile(r"[-−－—]?\d{1,3}")  # a figure's first digits, split from the rest by a stray space
_UNGROUPED_DECIMAL = re.compile(r"\d+\.\d+")
_LEADING_ZERO = re.compile(r"[-−－—]?0\d+")


@dataclass
class Slot:
    """A figure (or a printed blank) in a row, with where it stood."""

    value: Decimal | None
    text: str
    x: float | None = None
    col: int | None = None
    line: int = 0
    unreadable: bool = False  # printed, but not a figure anyone can read ('755.9l'): its cell stays empty


@dataclass
class LineParts:
    """What a table line holds."""

    code: str | None = None
    label: str | None = None  # a total label such as 合计
    name: str = ""
    name_col: int | None = None  # Markdown: index of the last name/code cell
    slots: list[Slot] = field(default_factory=list)
    header_words: int = 0  # tokens that only table headers print
    width: int | None = None  # Markdown: how many cells the line prints, when its last one holds something

    @property
    def numbers(self) -> list[Slot]:
        return [s for s in self.slots if s.value is not None]


def is_noise(line: Line) -> bool:
    """Page numbers, table numbers, unit and department captions: lines that carry no row."""
    compact = line.compact
    if not compact or _PAGE_NUMBER.match(compact):
        return True
    return compact.startswith(("单位：", "单位:", "金额单位", "部门：", "部门:", "编制单位", "填报单位", "部门（单位）：",
                               "部门(单位):", "单位名称：", "部门名称：", "编制部门："))


def _code_at(tokens: list[Token], i: int, classes: dict[str, str]) -> tuple[str, int] | None:
    """A classification code starting at token i, joined across split 类/款/项 columns; (code, tokens used)."""
    text = tokens[i].text
    if not _CODE_TOKEN.fullmatch(text) or text[:3] not in classes:
        return None
    code, used = text, 1
    while len(code) < 7 and i + used < len(tokens):
        part = tokens[i + used].text
        if not _CODE_PART.fullmatch(part):
            break
        if len(part) == 1:
            # A 款 or 项 printed without its leading zero ("301 2 津贴补贴"): only when the name follows it.
            following = tokens[i + used + 1].text if i + used + 1 < len(tokens) else ""
            if not _CJK.search(following):
                break
            part = "0" + part
        code += part
        used += 1
    return code, used


def join_spaced_figures(tokens: list[Token], classes: dict[str, str]) -> list[Token]:
    """Join a figure split by a stray space ('4 28.89' → '428.89'): a 1–3 digit run directly before an ungrouped
    decimal, in a row of a coded table (which prints no 行次 or other small integers among its figures); a class
    code after its name ('社会保障和就业支出208 326.72', as pymupdf prints it) is not part of a figure."""
    out: list[Token] = []
    for token in tokens:
        prev = out[-1] if out else None
        if (prev is not None and _FIGURE_HEAD.fullmatch(prev.text) and _UNGROUPED_DECIMAL.fullmatch(token.text)
                and prev.col == token.col and len(out) > 1 and not _LEADING_ZERO.fullmatch(prev.text)
                and prev.text not in classes
                and (_CJK.search(out[-2].text) or is_decimal(out[-2].text) or is_blank(out[-2].text))):
            out[-1] = Token(prev.text + token.text, prev.x0, token.x1, prev.col)
            continue
        out.append(token)
    return out


def split_run_on_rows(line: Line, classes: dict[str, str] = FUNCTION_CLASSES) -> list[Line]:
    """A text line holding several coded rows one after another (some extractors print a page's rows without line
    breaks: '… 135,200 0 0 0 204 公共安全支出 1,633,000 …'), as one line per row, each keeping the line's number.

    A row starts where a code follows a figure (or a blank cell) and a name follows the code, or where 合计 follows
    one and figures follow it. Lines with positions (PDF, tab/pipe tables) are real lines and are kept whole.
    """
    tokens = line.tokens
    if line.positional or any(t.x0 is not None for t in tokens) or len(tokens) < 6:
        return [line]
    starts = [0]
    for i in range(1, len(tokens)):
        before = tokens[i - 1].text
        if not (is_amount(before) or is_blank(before)):
            continue
        found = _code_at(tokens, i, classes)
        if found and i + found[1] < len(tokens) and _CJK.search(tokens[i + found[1]].text):
            starts.append(i)
        elif tokens[i].text in ("合计", "总计") and i + 1 < len(tokens) and is_amount(tokens[i + 1].text):
            starts.append(i)  # the table's total row run on after the last coded one
    if len(starts) == 1:
        return [line]
    bounds = [*starts, len(tokens)]
    return [Line(line.number, line.page, tokens[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]


def split_line(line: Line, classes: dict[str, str] = FUNCTION_CLASSES, decimals_only: bool = True) -> LineParts:
    """Decompose a coded-table line: the first code, a total label, the name, and the figures in order."""
    parts = LineParts()
    if line.positional and line.tokens and line.tokens[-1].text:
        parts.width = 1 + line.tokens[-1].col
    tokens = join_spaced_figures(line.tokens, classes) if decimals_only else line.tokens
    names: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        text = token.text
        found = _code_at(tokens, i, classes) if parts.code is None else None
        if found:
            parts.code, used = found
            parts.name_col = token.col
            i += used
            continue
        if text and (is_decimal(text) or (not decimals_only and is_amount(text))):
            parts.slots.append(Slot(parse_amount(text), text, token.center, token.col, line.number))
        elif text and is_broken_figure(text):
            parts.slots.append(Slot(None, text, token.center, token.col, line.number, unreadable=True))
        elif line.positional and is_blank(text):
            parts.slots.append(Slot(None, text, None, token.col, line.number))
        elif text and not line.positional and is_blank(text) and text != "/":
            parts.slots.append(Slot(None, text, token.center, token.col, line.number))
        elif _CJK.search(text) or (names and text in ("(", ")", "（", "）")):
            compact = text.replace(" ", "")
            if compact in TOTAL_LABELS:
                parts.label = compact
                parts.name_col = token.col
            elif compact in HEADER_WORDS or any(w in compact for w in HEADER_FRAGMENTS):
                parts.header_words += 1
            else:
                names.append(text)
                parts.name_col = token.col
        i += 1
    # Codes printed in brackets ([201]一般公共服务支出) leave the closing bracket on the name.
    parts.name = "".join(names).strip("[]【】〔〕")
    if parts.label is None and re.fullmatch(r"合\s*计|总\s*计", parts.name):
        parts.label, parts.name = parts.name.replace(" ", ""), ""
    return parts


@dataclass
class RowDraft:
    """A row being assembled from one or more printed lines."""

    code: str | None
    label: str | None
    first_line: Line
    parts: list[LineParts] = field(default_factory=list)
    prefix: list[str] = field(default_factory=list)
    inline_name: str = ""
    suffix: list[str] = field(default_factory=list)
    text_prefix: bool = False  # the prefix came from name-only lines (a wrapped name cell)

    @property
    def slots(self) -> list[Slot]:
        return [s for p in self.parts for s in p.slots]

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        return "".join(self.prefix) + self.inline_name + "".join(self.suffix)

    def has_numbers(self) -> bool:
        return any(s.value is not None for s in self.slots)
