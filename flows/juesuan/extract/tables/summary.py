"""Rows of the two-sided summary tables (收入支出决算总表, 财政拨款收入支出决算总表)."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from ..finder import TableRegion, data_lines
from ..numbers import is_blank, is_figure, is_integer, parse_amount, rounding_tolerance
from ..readers import Line
from ..specs import CHINESE_ORDINALS, FUNCTION_CLASSES

_ORDINAL = re.compile(r"^([一二三四五六七八九十]+)[、.．]")
# Any line number: 一、 （一） 1. — a new label starts there, never the tail of the one before.
ANY_ORDINAL = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．])")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Every label of these tables ends in one of these; a label that does not was cut by wrapping.
_COMPLETE_ENDINGS = ("收入", "支出", "合计", "总计", "结余", "分配", "拨款", "差额", "专用结余）", "专用结余)",
                     "结转", "资金", "预备费")
# Within one line, a label ending so is whole as well (政府性基金预算 科技成果转化与扩散: two cells); across lines
# it may be cut by wrapping (二十一、国有资本经营预算 / 支出).
_CELL_ENDINGS = (*_COMPLETE_ENDINGS, "预算")
_EXPENDITURE_LABELS = ("本年支出合计", "结余分配", "年末结转和结余", "年末财政拨款结转和结余", "支出总计",
                       "年终结转结余", "结转下年", "结转结余下年")
_HEADER = ("栏次", "栏 次", "项目", "项 目", "行次", "决算数", "金额", "收入", "支出", "合计", "小计")
_COLUMN_HEADINGS = (*_HEADER, "本年收入", "本年支出", "预算数")
# A figure on a line: with decimals, or grouped in thousands (a table in 元: 收入总计 156,211,123).
_PRINTS_FIGURE = re.compile(r"\d\.\d|\d,\d{3}")
_CLASS_BY_NAME = {name.removesuffix("支出"): code for code, name in FUNCTION_CLASSES.items()}
# A function class is an expenditure line whatever its name; a few names do not say so (预备费).
_CLASSES_NOT_ENDING_IN_EXPENDITURE = {name for name in FUNCTION_CLASSES.values() if not name.endswith("支出")}
_INCOME_ENDINGS = ("拨款", "预算", "资金", "结转", "结余", "合计", "总计", "差额", "基金")
# A gap wider than this many characters between two pieces of text on a PDF line separates two cells.
_CELL_GAP = 4


@dataclass
class Segment:
    """One labelled cell group of a summary line: its label and the figures printed after it."""

    label: str | None
    line: Line
    line_no: int | None = None
    slots: list[tuple[Decimal | None, str]] = field(default_factory=list)
    x: float | None = None


def class_code(label: str, by_ordinal: bool = True) -> str | None:
    """The function class code of a summary expenditure line, by name, else (final accounts) by its ordinal.

    Budgets number only the classes they list, so there an ordinal says nothing about the class.
    """
    name = ANY_ORDINAL.sub("", label).removesuffix("支出").replace("（类）", "")
    if name in _CLASS_BY_NAME:
        return _CLASS_BY_NAME[name]
    m = _ORDINAL.match(label) if by_ordinal else None
    if m and label.endswith("支出") and m.group(1) in CHINESE_ORDINALS:
        position = CHINESE_ORDINALS.index(m.group(1))
        codes = list(FUNCTION_CLASSES)
        if position < len(codes) and _resembles(name, FUNCTION_CLASSES[codes[position]]):
            return codes[position]
    return None


def _resembles(name: str, class_name: str) -> bool:
    """A line named otherwise than the class at its number is that class renamed (资源勘探信息等 for 资源勘探工业信息等,
    a misprint) only when the two share words; 一、基本支出 or 二、项目支出 (a summary listing spending by its nature,
    not by function) share none with 一般公共服务 or 外交."""
    return len((set(name) & set(class_name)) - set("支出的等和与及")) >= 2


_YEAR = re.compile(r"(?:19|20)\d{2}")


def _is_label(text: str, header_row: bool) -> bool:
    return bool(_CJK.search(text)) and not (header_row and text in _HEADER)


def _segments(line: Line, has_line_numbers: bool, unit: str | None = None) -> tuple[list[Segment], list[tuple[Decimal | None, str, float | None]]]:
    """Split a line into labelled segments; figures before any label are returned separately."""
    segments: list[Segment] = []
    loose: list[tuple[Decimal | None, str, float | None]] = []
    label_parts: list[str] = []
    last_end: float | None = None
    for index, token in enumerate(line.tokens):
        text = token.text
        if _YEAR.fullmatch(text) and index + 1 < len(line.tokens) and line.tokens[index + 1].text.startswith("年"):
            continue  # a year in a running page header (无锡市统计局 2026 年度部门预算公开), not a figure
        # On a PDF page, text a column's width away from the label before it is another cell's label.
        apart = (last_end is not None and token.x0 is not None
                 and token.x0 - last_end > _CELL_GAP * (token.x1 - token.x0) / max(len(text), 1))
        last_end = token.x1
        if _CJK.search(text):
            previous = segments[-1] if segments else None
            if len(text) == 1 and label_parts and all(len(part) == 1 for part in label_parts) and not apart:
                # A label printed letter-spaced (本 年 收 入 合 计): its characters are one label, whatever the
                # first of them end with (本年收入 is no whole label here).
                label_parts.append(text)
                segments[-1].label = "".join(label_parts)
                continue
            if (len(text) == 1 and previous is not None and previous.label and not previous.slots
                    and previous.label.endswith(_COMPLETE_ENDINGS)):
                continue  # one character of a column heading printed inside a row (pymupdf): not a label
            if (previous is not None and not previous.slots and previous.line_no is None and label_parts
                    and not previous.label.endswith(_CELL_ENDINGS) and not ANY_ORDINAL.match(text)
                    and not apart):
                label_parts.append(text)
                segments[-1].label = "".join(label_parts)
            else:
                label_parts = [text]
                segments.append(Segment(text, line, x=token.x0))
            continue
        label_parts = []
        target = segments[-1] if segments else None
        if is_integer(text) and has_line_numbers:
            if target is not None and target.line_no is None and not target.slots:
                target.line_no = int(text)
            elif target is None or target.slots or target.line_no is not None:
                # A 行次 with no label before it: the label cell is blank (or printed elsewhere).
                segments.append(Segment(None, line, line_no=int(text), x=token.x0))
            continue
        if is_figure(text, unit) or is_integer(text) or is_blank(text):
            value = parse_amount(text) if not is_blank(text) else None
            if target is None:
                loose.append((value, text, token.x0))
            else:
                target.slots.append((value, text))
    return segments, loose


def parse_summary_table(region: TableRegion) -> tuple[list[dict], list[str]]:
    """Parse a summary table into income and expenditure lines with side, name, class code and amounts."""
    spec = region.spec
    income_keys = [m.key for m in spec.measures]
    expenditure_keys = [m.key for m in spec.expenditure_measures]
    lines = data_lines(region)
    has_line_numbers = any("行次" in line.compact for line in region.lines[:12])
    warnings: list[str] = []
    segments: list[Segment] = []
    waiting: list[Segment] = []  # labels printed on a line of their own, awaiting their figures
    recent: list[Segment] = []  # the labels of the last line that had any
    rows_begun = False  # a line printing a figure was read: headings now are a wrapped label's tail (支出)
    ordinal = None  # a line number printed alone (二、), its label on the next line (pdftotext -raw)
    for line in lines:
        compact = line.compact
        if ANY_ORDINAL.fullmatch(compact):
            ordinal = compact
            continue
        numbered, ordinal = ordinal, None
        prints_figure = bool(_PRINTS_FIGURE.search(compact))
        if not prints_figure and (compact.startswith(("栏次", "项目", "收入支出", "收入")) or (
                not rows_begun and all(t.text in _COLUMN_HEADINGS for t in line.tokens if t.text))):
            continue  # a header line (本年收入 | 本年支出: the two sides' headings, no row)
        rows_begun = rows_begun or prints_figure
        line_segments, loose = _segments(line, has_line_numbers, region.unit)
        labelled = [s for s in line_segments if s.label]
        if numbered and line_segments and line_segments[0].label and not ANY_ORDINAL.match(line_segments[0].label):
            line_segments[0].label = numbered + line_segments[0].label
        if not labelled and (waiting or recent):
            # Figures on a line without labels belong to the labels above (行次 numbers aside): those still
            # waiting for a figure, else the last labelled line's (a further column of its last cell).
            figures = loose + [(v, t, None) for s in line_segments for v, t in s.slots]
            if not any(v is not None for v, _, _ in figures):
                continue
            figures = [f for f in figures if f[0] is not None]
            if waiting:
                _distribute(waiting, figures, warnings, line)
            elif all(f[2] is not None for f in figures) and all(s.x is not None for s in recent):
                _distribute(recent, figures, warnings, line)
            else:
                recent[-1].slots.extend((v, t) for v, t, _ in figures)
            waiting = [s for s in waiting if not s.slots]
            continue
        if len(labelled) == 1 and not labelled[0].slots and len(line_segments) == 1 and segments:
            fragment = labelled[0].label
            previous = next((s for s in reversed(segments) if s.label), None)
            if previous is not None and not previous.label.endswith(_COMPLETE_ENDINGS) and not ANY_ORDINAL.match(fragment):
                previous.label += fragment  # the tail of a label cut by wrapping
                continue
        if labelled and line_segments[0] is labelled[0] and labelled[0].slots and _completes(waiting, labelled[0]):
            # The tail of a label cut by wrapping, printed with the label's figures (十八、自然资源海洋气象等 /
            # 支出 45 0.00 0.00 0.00): they are the label's.
            tail = line_segments.pop(0)
            waiting[-1].label += tail.label
            waiting[-1].line_no, waiting[-1].slots = tail.line_no, tail.slots
            labelled = labelled[1:]
            waiting = waiting[:-1]
        if (len(labelled) >= 2 and all(not s.slots for s in labelled[:-1]) and len(labelled[-1].slots) >= len(labelled)
                and not _a_whole_row(labelled[-1], len(expenditure_keys))):
            # Labels printed side by side, their figures after the last one: one figure each, in order.
            figures, labelled[-1].slots = labelled[-1].slots, []
            for segment, figure in zip(labelled, figures, strict=False):
                segment.slots.append(figure)
            labelled[-1].slots.extend(figures[len(labelled):])
        segments.extend(line_segments)
        if labelled:
            recent = labelled
            waiting = [s for s in labelled if not s.slots]
    rows: list[dict] = []
    income_total_seen = False
    income_lines: set[int] = set()
    right_column = _right_column(segments)
    # Keyed by the line itself: the rows of an HTML table printed on one source line share its number.
    labels_of_line: dict[int, list[Segment]] = {}
    for segment in segments:
        if segment.label:
            labels_of_line.setdefault(id(segment.line), []).append(segment)
    two_sided = any(len(found) >= 2 for found in labels_of_line.values())
    for segment in segments:
        label = segment.label
        side = _side(label, income_total_seen or id(segment.line) in income_lines)
        if right_column is not None and segment.x is not None:
            if segment.x >= right_column:
                side = "expenditure"  # printed in the expenditure column, whatever its name (款 and 项 names too)
        elif two_sided and side == "income" and label not in (None, "总计", "合计"):
            # Without positions: a line's second label is the expenditure column's, and a subject's name
            # alone on its line (行政运行 1,866.84, the income column blank) is no income line.
            found = labels_of_line[id(segment.line)]
            # Labels alternate income, expenditure (two rows run on into one line have four).
            if (found.index(segment) % 2 == 1) or (len(found) == 1 and not _income_like(label)):
                side = "expenditure"
        if side == "income":
            income_lines.add(id(segment.line))
            income_total_seen = income_total_seen or label == "总计"
        keys = expenditure_keys if side == "expenditure" else income_keys
        slots = segment.slots
        if len(slots) > len(keys):
            # Blank spacer cells (a shifted row) around the figures: keep the figures.
            slots = [s for s in slots if s[0] is not None] or slots[: len(keys)]
        values = [v for v, _ in slots]
        if label is None and not any(v is not None for v in values):
            continue  # a bare 行次 with nothing printed
        if not segment.slots and segment.line_no is None and not _ORDINAL.match(label):
            continue  # heading text (a wrapped column title), not a line of the table
        if len(values) > len(keys):
            warnings.append(f"line {segment.line.number}: {label}: {len(values)} figures for {len(keys)} columns")
        row = {
            "side": side,
            "name": label,
            "code": class_code(label, spec.phase == "final") if label and side == "expenditure" else None,
            "line_no": segment.line_no,
            **dict(zip(keys, values + [None] * (len(keys) - len(values)), strict=False)),
        }
        if "amount" not in row:
            row["amount"] = row.get("total")
        row["printed"] = {k: t for k, (v, t) in zip(keys, slots, strict=False) if v is not None}
        row["source_line"] = segment.line.number
        row["page"] = segment.line.page
        rows.append(row)
    return rows, warnings


def _completes(waiting: list[Segment], fragment: Segment) -> bool:
    """The fragment is the tail of the last label still waiting for figures, cut by wrapping: that label is
    unfinished (no ending every label has) and the two read as a function class's name."""
    if not waiting or ANY_ORDINAL.match(fragment.label) or waiting[-1].line_no is not None:
        return False
    label = waiting[-1].label
    return not label.endswith(_COMPLETE_ENDINGS) and class_code(label + fragment.label, by_ordinal=False) is not None


def _right_column(segments: list[Segment]) -> float | None:
    """On a PDF page, where the expenditure column starts: midway between the first and the last labels of the
    lines printing two (labels centred in their cells start at different x). None without positions."""
    by_line: dict[int, list[Segment]] = {}
    for segment in segments:
        if segment.label and segment.x is not None:
            by_line.setdefault(id(segment.line), []).append(segment)
    pairs = [(found[0].x, found[-1].x) for found in by_line.values() if len(found) >= 2]
    if len(pairs) < 2:
        return None
    return (statistics.median(x for x, _ in pairs) + statistics.median(x for _, x in pairs)) / 2


def _a_whole_row(segment: Segment, columns: int) -> bool:
    """The figures after a line's last label are its own row: placed right of it on a PDF page, or, in text, no
    more than its columns, a total and the parts adding up to it (二、政府性基金 [blank] 二、公共安全支出 2,878,025
    2,878,025: the income cell is blank; 总计 总计 2,995.39 2,995.39 in a one-column table is one figure each)."""
    if segment.x is not None:
        return True
    values = [v for v, _ in segment.slots if v is not None]
    return (2 <= len(values) and len(segment.slots) <= columns
            and abs(values[0] - sum(values[1:])) <= rounding_tolerance(len(values) - 1))


def _distribute(waiting: list[Segment], loose, warnings: list[str], line: Line) -> None:
    """Give figures printed on their own line to the labels above: by x when known, else in order."""
    if all(x is not None for _, _, x in loose) and all(s.x is not None for s in waiting):
        for value, text, x in loose:
            owner = max((s for s in waiting if s.x <= x + 1), key=lambda s: s.x, default=waiting[0])
            owner.slots.append((value, text))
        return
    if len(loose) < len(waiting):
        warnings.append(f"line {line.number}: {len(loose)} figures for {len(waiting)} labels above; given in order")
    for segment, (value, text, _) in zip(waiting, loose, strict=False):
        segment.slots.append((value, text))
    for value, text, _ in loose[len(waiting) :]:
        waiting[-1].slots.append((value, text))


def _income_like(label: str) -> bool:
    """A label the income column prints: numbered (一、 1. （一）), or naming a source of funds."""
    return bool(ANY_ORDINAL.match(label)) or "收入" in label or label.endswith(_INCOME_ENDINGS)


def _side(label: str | None, income_side_taken: bool) -> str:
    """Income or expenditure; the second 总计 (or one after an income cell on its line) is expenditure's."""
    if label is None:
        return "income"
    if label in ("总计", "合计"):
        return "expenditure" if income_side_taken else "income"
    name = ANY_ORDINAL.sub("", label)
    if name.endswith("支出") or name in _EXPENDITURE_LABELS or name.startswith(("年末", "年终", "支出总计")):
        return "expenditure"
    if name in _CLASSES_NOT_ENDING_IN_EXPENDITURE:
        return "expenditure"  # 二十四、预备费
    return "income"
