"""The economic table as printed on a page (PDF or its text): column groups side by side, figures below labels.

A printed row starts at a line carrying economic codes, one item per column group (301 01 | 302 …); the lines up
to the next such line hold the rest of the row: names, a group's 款 printed apart from its 类 ("302" on the code
line, "01 办公费" below), and the figures. A figure goes to the item whose column it stands in: by x on a PDF page;
in text, where positions are gone, by print order when every item of the row has one, else to the items for which
the table's identities hold (类 = Σ 款, 人员经费合计 and 公用经费合计 = Σ their 类), chosen for the whole table.
Text keeps each line in x order, so a figure printed after an item's code on that code's line is that item's or a
later one's, one printed before it an earlier item's: a figure before the first code of a line is the row above's
(its name wrapped, and the figure printed level with the wrap).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal

from ..lines import _code_at
from ..numbers import is_figure, parse_amount, rounding_tolerance
from ..specs import ECONOMIC_CLASSES, PERSONNEL_ECONOMIC_CLASSES

_CJK = re.compile(r"[\u4e00-\u9fff]")
TOTALS = {"人员经费合计": "personnel", "人员支出合计": "personnel", "公用经费合计": "public", "公用支出合计": "public"}
# Budgets open the table with a 合计 line (合计 | 人员经费 | 公用经费 columns, or one amount).
BUDGET_TOTALS = {**TOTALS, "合计": "total"}
_SPLIT = (("人员经费合计", "personnel"), ("公用经费合计", "public"))


@dataclass(frozen=True)
class Layout:
    """What the table's header and unit say about its rows."""

    unit: str | None = None  # 元 tables print whole numbers
    budget: bool = False  # one item per line with its 合计 | 人员经费 | 公用经费 columns, 7-digit 项, a 合计 line
    # Each line pairs the department's economic code with the government's (301 01 基本工资 | 501 01 工资奖金津补贴):
    # the government's code and name are skipped, and a code printed under several government codes is summed.
    paired: bool = False

    @property
    def totals(self) -> dict[str, str]:
        return BUDGET_TOTALS if self.budget else TOTALS


# The government's economic classification (政府预算支出经济分类): 501 机关工资福利支出 … 599 其他支出.
_GOVERNMENT_CODE = re.compile(r"5\d{2}")
_PAIRED_HEADER = ("政府预算支出经济分类", "政府经济分类", "政府预算经济分类")
_HEADER_TEXT = ("经济分类", "科目编码", "科目名称", "金额", "决算数", "人员经费", "公用经费", "款", "类", "项目")


def group_of(code: str | None, label: str | None) -> str:
    """personnel (人员经费: 301, 303) or public (公用经费: the rest), from the code or the total's label."""
    if label:
        return BUDGET_TOTALS[label]
    return "personnel" if code[:3] in PERSONNEL_ECONOMIC_CLASSES else "public"


@dataclass
class _Item:
    code: str | None
    label: str | None
    x: float | None
    line: object
    name: str = ""
    amount: Decimal | None = None
    text: str | None = None


@dataclass
class _Row:
    items: list[_Item] = field(default_factory=list)
    figures: list[tuple[Decimal, str, float | None]] = field(default_factory=list)
    # Per figure, the lowest and highest index of the items that can take it (None: no bound), from print order.
    bounds: list[tuple[int, int | None]] = field(default_factory=list)


def _read_rows(lines, layout: Layout = Layout()) -> list[_Row]:
    rows: list[_Row] = []
    totals = layout.totals
    longest = 7 if layout.budget else 5  # budgets print 项 (3010201) under their 款
    for line in lines:
        tokens = line.tokens
        # 合计 opens a line of its own (a header's 合计 column heading has headings after it, not figures).
        opens_total = bool(tokens) and tokens[0].text == "合计" and "合计" in totals and any(
            is_figure(t.text, layout.unit) for t in tokens[1:])
        starts = any(_code_at(tokens, i, ECONOMIC_CLASSES) for i in range(len(tokens))) or opens_total or any(
            _total_label(t.text, TOTALS) for t in tokens)
        if starts or not rows:
            rows.append(_Row())
        row = rows[-1]
        line_figures: list[tuple[int, int]] = []  # (figure index, items opened on this line before it)
        opened: list[int] = []  # indices of the items this line opens
        cursor: _Item | None = None  # the item the text being read belongs to
        government = False  # reading the government classification's code and name on a paired line
        i = 0
        while i < len(tokens):
            token, text = tokens[i], tokens[i].text
            if layout.paired and cursor is not None and not government and _GOVERNMENT_CODE.fullmatch(text):
                government = True
                i += 1
                continue
            if government and (re.fullmatch(r"\d{2}", text) or _CJK.search(text)):
                i += 1
                continue
            found = _code_at(tokens, i, ECONOMIC_CLASSES) if starts else None
            total = _total_label(text, TOTALS) or ("合计" if (i == 0 and opens_total) or (
                layout.budget and text == "合计" and i + 1 < len(tokens) and is_figure(tokens[i + 1].text, layout.unit))
                else None)
            if layout.budget and (found or total) and row.figures:
                # A budget prints one item per line; an extractor may run several onto one (302 05 水费 277,500 0
                # 277,500 302 06 电费 …): each code after figures opens a row of its own.
                rows.append(_Row())
                row = rows[-1]
            if found and len(found[0]) <= longest:
                cursor = _Item(found[0], None, token.x0, line)
                opened.append(len(row.items))
                row.items.append(cursor)
                i += found[1]
                continue
            compact = text.replace(" ", "")
            if total:
                cursor = _Item(None, total, token.x0, line, name=total)
                opened.append(len(row.items))
                row.items.append(cursor)
            elif re.fullmatch(r"\d{2}", text):
                # A 款 printed apart from its 类: it belongs to the next 类-only item of the row.
                owner = _kuan_owner(row, cursor)
                if owner is not None:
                    owner.code += text
                    cursor = owner
            elif is_figure(text, layout.unit):
                line_figures.append((len(row.figures), len(opened)))
                row.figures.append((parse_amount(text), text, token.center))
            elif _CJK.search(text) and compact not in _HEADER_TEXT:
                owner = _name_owner(row, cursor, token, starts)
                if owner is not None and owner.line.page == line.page:  # not the next page's repeated header
                    owner.name += compact
                    cursor = owner
            i += 1
        if not layout.budget:  # a budget prints one item per line, its figures in its own columns
            _bound_figures(rows, line_figures, opened)
    return [r for r in rows if r.items]


def _bound_figures(rows: list[_Row], line_figures: list[tuple[int, int]], opened: list[int]) -> None:
    """Bounds from one line's print order (text only): after an item's code, that item or a later one; before
    one, an earlier one. Figures before the line's first code go to the row above, with no bound."""
    row = rows[-1]
    row.bounds += [(0, None)] * (len(row.figures) - len(row.bounds))
    if not line_figures or any(f[2] is not None for f in row.figures):
        return
    for index, before in line_figures:
        row.bounds[index] = (opened[before - 1] if before else 0, opened[before] - 1 if before < len(opened) else None)
    stray = [index for index, before in line_figures if before == 0 and opened and opened[0] == 0]
    if stray and len(rows) > 1 and len(rows[-2].figures) < len(rows[-2].items):
        above = rows[-2]
        for index in stray:
            above.figures.append(row.figures[index])
            above.bounds.append((0, None))
        row.figures = [f for i, f in enumerate(row.figures) if i not in stray]
        row.bounds = [b for i, b in enumerate(row.bounds) if i not in stray]


def _total_label(text: str, totals: dict[str, str]) -> str | None:
    compact = text.replace(" ", "")
    return next((t for t in totals if compact.startswith(t) and (t != "合计" or compact == t)), None)


def _kuan_owner(row: _Row, cursor: _Item | None) -> _Item | None:
    """The 类-only item a lone 款 completes: the next after the item being read, else that item, else the last."""
    class_only = [it for it in row.items if it.code and len(it.code) == 3]
    if not class_only:
        return None
    after = row.items.index(cursor) + 1 if cursor in row.items else 0
    following = [it for it in row.items[after:] if it in class_only]
    if following:
        return following[0]
    return cursor if cursor in class_only else class_only[-1]


def _name_owner(row: _Row, cursor: _Item | None, token, on_code_line: bool) -> _Item | None:
    """Which item a name fragment belongs to: by x on a PDF page, else the item being read or the next unnamed one."""
    if not row.items:
        return None  # heading text above the table's first item
    if token.x0 is not None and all(it.x is not None for it in row.items):
        left = [it for it in row.items if it.x <= token.x0 + 1]
        return max(left, key=lambda it: it.x) if left else row.items[0]
    if on_code_line and cursor is not None:
        return cursor
    if cursor is not None and not cursor.name:
        return cursor
    unnamed = [it for it in row.items if not it.name and it.label is None]
    return unnamed[0] if unnamed else cursor


def _families(items: list[_Item]) -> list[tuple[_Item, list[_Item]]]:
    """(parent, children) pairs whose amounts must add up: 类 = Σ 款; 人员/公用经费合计 = Σ their 类."""
    by_code = {it.code: it for it in items if it.code}
    families = []
    for parent in items:
        if parent.code and len(parent.code) in (3, 5):
            kids = [it for it in items if it.code and len(it.code) == len(parent.code) + 2
                    and it.code.startswith(parent.code)]
            if kids:
                families.append((parent, kids))
        elif parent.label:
            group = BUDGET_TOTALS[parent.label]
            kids = [it for code, it in by_code.items()
                    if len(code) == 3 and (group == "total" or group_of(code, None) == group)]
            if kids:
                families.append((parent, kids))
    return families


def _readings(row: _Row) -> list[tuple[int, ...]]:
    """Which items of the row take its figures, in print order; several when fewer figures than items."""
    n, k = len(row.items), len(row.figures)
    if k == 0:
        return [()]
    if k >= n:
        return [tuple(range(n))]
    readings = list(itertools.combinations(range(n), k))
    if len(row.bounds) == k:
        bounded = [r for r in readings if all(lo <= i and (hi is None or i <= hi)
                                               for i, (lo, hi) in zip(r, row.bounds, strict=True))]
        readings = bounded or readings  # bounds print order cannot meet (an extractor's own order): ignored
    return readings


def _place_by_x(row: _Row) -> None:
    for value, text, x in row.figures:
        left = [it for it in row.items if it.x is not None and it.x <= x]
        owner = max(left, key=lambda it: it.x) if left else row.items[0]
        if owner.amount is None:
            owner.amount, owner.text = value, text


def _apply(row: _Row, reading: tuple[int, ...]) -> None:
    for item in row.items:
        item.amount, item.text = None, None
    for index, (value, text, _) in zip(reading, row.figures, strict=False):
        row.items[index].amount, row.items[index].text = value, text


def _error(families) -> Decimal:
    error = Decimal(0)
    for parent, kids in families:
        kids_sum = sum((k.amount or Decimal(0) for k in kids), Decimal(0))
        gap = abs((parent.amount or Decimal(0)) - kids_sum)
        if gap > rounding_tolerance(sum(1 for k in kids if k.amount is not None)):
            error += gap
    return error


def _solve(rows: list[_Row], families) -> set[int]:
    """Choose a reading per row so the identities hold (single and paired moves); rows left ambiguous."""
    options = [_readings(r) for r in rows]
    choice = [0] * len(rows)
    for row, opts in zip(rows, options, strict=True):
        _apply(row, opts[0])
    open_rows = [i for i, o in enumerate(options) if len(o) > 1]

    def try_moves(moves) -> bool:
        nonlocal choice
        base = _error(families)
        for move in moves:
            old = [choice[i] for i, _ in move]
            for i, j in move:
                _apply(rows[i], options[i][j])
            if _error(families) < base:
                for i, j in move:
                    choice[i] = j
                return True
            for (i, _), j in zip(move, old, strict=True):
                _apply(rows[i], options[i][j])
        return False

    for _ in range(50):
        singles = [((i, j),) for i in open_rows for j in range(len(options[i])) if j != choice[i]]
        if try_moves(singles):
            continue
        if _error(families) == 0 or len(open_rows) > 40:
            break
        pairs = [((a, ja), (b, jb)) for a, b in itertools.combinations(open_rows, 2)
                 for ja in range(len(options[a])) if ja != choice[a]
                 for jb in range(len(options[b])) if jb != choice[b]]
        if not try_moves(pairs):
            break
    ambiguous = set()
    best = _error(families)
    for i in open_rows:
        for j in range(len(options[i])):
            if j != choice[i]:
                _apply(rows[i], options[i][j])
                if _error(families) <= best:
                    ambiguous.add(i)
                _apply(rows[i], options[i][choice[i]])
    return ambiguous


def _split_total(rows: list[_Row], layout: Layout) -> None:
    """A budget's 合计 line printed with its 人员经费 and 公用经费 columns: those are the two group totals."""
    for row in rows:
        if not layout.budget or len(row.items) != 1 or row.items[0].label != "合计" or len(row.figures) != 3:
            continue
        total = row.items[0]
        figures = sorted(row.figures, key=lambda f: f[2]) if all(f[2] is not None for f in row.figures) else row.figures
        row.items = [_Item(None, label, total.x, total.line, name=label) for label, _ in _SPLIT]
        row.figures, row.bounds = figures[1:], []


def parse_printed_rows(lines, layout: Layout = Layout()) -> tuple[list[dict], list[str]]:
    """Parse the economic table from PDF words or plain text into items with their amounts."""
    rows = _read_rows(lines, layout)
    _split_total(rows, layout)
    warnings: list[str] = []
    items = [it for r in rows for it in r.items]
    positioned = all(it.x is not None for it in items) and all(x is not None for r in rows for _, _, x in r.figures)
    if layout.budget and positioned:
        positioned = False  # one item per line: its first figure is its amount, the rest its 人员/公用 columns
    if layout.budget:
        for row in rows:
            row.figures = sorted(row.figures, key=lambda f: f[2] or 0)[: len(row.items)] if positioned else \
                row.figures[: len(row.items)]
    ambiguous: set[int] = set()
    if positioned:
        for row in rows:
            _place_by_x(row)
    else:
        ambiguous = _solve(rows, _families(items))
    for row in rows:
        if len(row.figures) > len(row.items):
            warnings.append(f"line {row.items[0].line.number}: {len(row.figures)} figures for "
                            f"{len(row.items)} items; extra figures dropped")
    out: list[dict] = []
    for index, row in enumerate(rows):
        many = len(_readings(row)) > 1
        placement = "position" if positioned else ("inferred" if index in ambiguous else "solved" if many else "order")
        for item in row.items:
            out.append({
                "code": item.code,
                "name": item.name,
                "group": group_of(item.code, item.label),
                "amount": item.amount,
                "printed": {"amount": item.text} if item.text else {},
                "source_line": item.line.number,
                "page": item.line.page,
                "placement": placement,
            })
    return (_sum_paired(out) if layout.paired else out), warnings


def is_paired(header_text: str) -> bool:
    """The header names the government's economic classification beside the department's."""
    return any(words in header_text for words in _PAIRED_HEADER)


def _sum_paired(rows: list[dict]) -> list[dict]:
    """One row per department code: the amounts it is printed with under each government code, added up."""
    out: list[dict] = []
    by_code: dict[str, dict] = {}
    for row in rows:
        first = by_code.get(row["code"]) if row["code"] else None
        if first is None:
            out.append(row)
            if row["code"]:
                by_code[row["code"]] = row
            continue
        if row["amount"] is not None:
            first["amount"] = (first["amount"] or Decimal(0)) + row["amount"]
            texts = [t for t in (first["printed"].get("amount"), row["printed"].get("amount")) if t]
            first["printed"] = {"amount": " + ".join(texts)}
    return out
