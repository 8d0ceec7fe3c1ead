"""Rows of the 三公 table: one wide row of budget and actual blocks, or item rows × budget/actual columns."""

from __future__ import annotations

import re

from ..finder import TableRegion, data_lines
from ..numbers import is_blank, is_decimal, is_integer, parse_amount
from .items import split_label

_CJK = re.compile(r"[\u4e00-\u9fff]")
# The six amounts of each block of the wide layout, in print order.
WIDE_ITEMS = ("合计", "因公出国（境）费", "公务用车购置及运行维护费", "公务用车购置费", "公务用车运行维护费", "公务接待费")
_STATISTICS = ("团组", "人次", "批次", "购置数", "保有量")


def canonical_item(label: str) -> tuple[str, str] | None:
    """(item name, kind) for a printed 三公 line label; kind is 'amount' or 'count'; None for headings."""
    name = re.sub(r"^[（(]?[一二三四五六七八九十\d]+[）)、.．]?", "", label).removeprefix("其中：")
    if "相关统计数" in label:
        return None
    if any(word in label for word in _STATISTICS):
        return name, "count"
    rules = (
        (("三公",), "合计"), (("合计",), "合计"), (("出国",), "因公出国（境）费"),
        (("购置及运行",), "公务用车购置及运行维护费"), (("购置费",), "公务用车购置费"),
        (("运行维护费",), "公务用车运行维护费"), (("运行费",), "公务用车运行维护费"),
        (("国内接待",), "国内接待费"), (("外事接待",), "外事接待费"), (("境）外接待",), "国（境）外接待费"),
        (("境)外接待",), "国（境）外接待费"), (("接待费",), "公务接待费"),
    )
    for words, item in rules:
        if all(w in label for w in words):
            return item, "amount"
    return None


def _measures_present(region: TableRegion) -> list[str]:
    header = "".join(line.compact for line in region.lines[:12])
    keys = []
    if "年初预算数" in header:
        keys.append("budget_initial")
    if "全年预算数" in header or ("预算数" in header.replace("年初预算数", "")):
        keys.append("budget")
    keys.append("actual")
    return keys


def _wide_slots(lines) -> tuple[list[float | None], bool] | None:
    """The 12 column slots of the one-row layout, and whether budget and actual alternate item by item.

    Slot x positions come from the 栏次 line (1 … 12) or from twelve 预算数/决算数 headings; None where unknown.
    """
    for line in lines:
        words = [t for t in line.tokens if t.text in ("预算数", "决算数")]
        if len(words) >= 12:
            alternating = [t.text for t in words[:4]] == ["预算数", "决算数", "预算数", "决算数"]
            return [t.center for t in words[:12]], alternating
    for line in lines:
        if [t.text for t in line.tokens] == [str(i) for i in range(1, 13)]:
            return [t.center for t in line.tokens], False
    return None


def _wide_rows(lines, slots, alternating, warnings) -> list[dict] | None:
    """Rows of the one-row layout: six items, each with budget and actual."""
    figure_lines = [ln for ln in lines if any(is_decimal(t.text) for t in ln.tokens)
                    and not any(_CJK.search(t.text) for t in ln.tokens)]
    if not figure_lines:
        return None
    line = figure_lines[0]
    figures = [t for t in line.tokens if is_decimal(t.text) or (is_blank(t.text) and t.text)]
    placed: dict[int, str] = {}
    if len(figures) >= 12:
        placed = {i: t.text for i, t in enumerate(figures[:12])}
    elif slots and all(x is not None for x in slots) and all(t.center is not None for t in figures):
        for token in figures:
            placed[min(range(12), key=lambda i: abs(slots[i] - token.center))] = token.text
    else:
        warnings.append(f"unplaced: line {line.number}: {len(figures)} of the 12 三公 figures printed "
                        f"({' '.join(t.text for t in figures)}); their columns cannot be told without positions")
        return []
    rows = []
    for index, item in enumerate(WIDE_ITEMS):
        budget_slot, actual_slot = (2 * index, 2 * index + 1) if alternating else (index, index + 6)
        texts = {"budget": placed.get(budget_slot), "actual": placed.get(actual_slot)}
        values = {k: parse_amount(v) if v and not is_blank(v) else None for k, v in texts.items()}
        if len(figures) < 12:
            values = {k: (v if v is not None else parse_amount("0")) for k, v in values.items()}  # blank = nothing spent
        rows.append({"name": item, "kind": "amount", **values,
                     "printed": {k: v for k, v in texts.items() if v and not is_blank(v)},
                     "source_line": line.number, "page": line.page})
    return rows


def parse_three_public_table(region: TableRegion) -> tuple[list[dict], list[str]]:
    """Parse the 三公 table in either layout into item rows with budget and actual."""
    lines = data_lines(region)
    warnings: list[str] = []
    wide = _wide_slots(region.lines[:20])
    if wide is not None or any(
        len([t for t in ln.tokens if is_decimal(t.text)]) >= 12 and not any(_CJK.search(t.text) for t in ln.tokens)
        for ln in lines
    ):
        slots, alternating = wide or ([None] * 12, False)
        rows = _wide_rows(lines, slots, alternating, warnings)
        if rows is not None:
            return rows, warnings
    keys = _measures_present(region)
    has_line_numbers = any(w in "".join(ln.compact for ln in region.lines[:12]) for w in ("栏次", "行次"))
    rows = []
    for line in lines:
        label, cells = split_label(line)
        item = canonical_item(label) if label else None
        if item is None:
            continue
        if has_line_numbers and cells and is_integer(cells[0]):
            cells = cells[1:]
        elif not line.positional and not any(is_decimal(c) or is_blank(c) for c in cells):
            continue  # a heading, not an item row: no figure, no 行次
        values = [None if is_blank(c) else parse_amount(c) for c in cells if is_blank(c) or is_decimal(c) or is_integer(c)]
        row = {"name": item[0], "kind": item[1], **dict.fromkeys(keys)}
        row.update(zip(keys, values, strict=False))
        row["printed"] = {k: c for k, c in zip(keys, cells, strict=False) if not is_blank(c)}
        row.update(source_line=line.number, page=line.page)
        rows.append(row)
    return rows, warnings
