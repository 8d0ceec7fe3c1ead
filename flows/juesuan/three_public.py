"""Rows of the 三公 table: one wide row of budget and actual blocks, or item rows × budget/actual columns."""

from __future__ import annotations

import re

from .coded import _data_lines
from .finder import TableRegion
from .items import split_label
from .numbers import is_blank, is_decimal, is_integer, parse_amount

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


def parse_three_public_table(region: TableRegion) -> tuple[list[dict], list[str]]:
    """Parse the 三公 table in either layout into item rows with budget and actual."""
    lines = _data_lines(region)
    warnings: list[str] = []
    for line in lines:
        figures = [t.text for t in line.tokens if is_decimal(t.text)]
        if len(figures) >= 12 and not any(_CJK.search(t.text) for t in line.tokens):
            values = [parse_amount(f) for f in figures[:12]]
            return [
                {"name": item, "kind": "amount", "budget": values[i], "actual": values[i + 6],
                 "printed": {"budget": figures[i], "actual": figures[i + 6]},
                 "source_line": line.number, "page": line.page}
                for i, item in enumerate(WIDE_ITEMS)
            ], warnings
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
        values = [None if is_blank(c) else parse_amount(c) for c in cells if is_blank(c) or is_decimal(c) or is_integer(c)]
        row = {"name": item[0], "kind": item[1], **dict.fromkeys(keys)}
        row.update(zip(keys, values, strict=False))
        row["printed"] = {k: c for k, c in zip(keys, cells, strict=False) if not is_blank(c)}
        row.update(source_line=line.number, page=line.page)
        rows.append(row)
    return rows, warnings
