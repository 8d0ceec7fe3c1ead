"""Rows of itemised count tables (国有资产占用情况表): label, 行次, count."""

from __future__ import annotations

import re

from ..finder import TableRegion, data_lines
from ..numbers import is_blank, is_integer, parse_amount

_CJK = re.compile(r"[\u4e00-\u9fff]")


def split_label(line) -> tuple[str, list[str]]:
    """A row's label (everything up to its last Chinese token, figures inside it included) and the cells after."""
    last = max((i for i, t in enumerate(line.tokens) if _CJK.search(t.text)), default=-1)
    label = "".join(t.text for t in line.tokens[: last + 1] if t.text)
    return label, [t.text for t in line.tokens[last + 1 :]]


def parse_items_table(region: TableRegion) -> tuple[list[dict], list[str]]:
    """Parse labelled count rows; the first integer after a label is its 行次 when the table has that column."""
    header = "".join(line.compact for line in region.lines[:6])
    has_line_numbers = "栏次" in header or "行次" in header
    rows = []
    for line in data_lines(region):
        label, cells = split_label(line)
        if not label or label.startswith(("项目", "单位")):
            continue
        cells = [c for c in cells if is_integer(c) or is_blank(c)]
        line_no = None
        if has_line_numbers and len(cells) >= 2 and is_integer(cells[0]):
            line_no = int(cells.pop(0))
        value = cells[0] if cells and not is_blank(cells[0]) else None
        rows.append(
            {"name": label, "line_no": line_no, "count": parse_amount(value) if value else None,
             "printed": {"count": value} if value else {}, "source_line": line.number, "page": line.page}
        )
    return rows, []
