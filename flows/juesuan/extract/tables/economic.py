"""Rows of the basic-expenditure-by-economic-classification table, printed in side-by-side groups."""

from __future__ import annotations

import re

from ..finder import TableRegion, data_lines
from ..lines import _code_at
from ..numbers import is_blank, is_decimal, is_integer, parse_amount
from ..specs import ECONOMIC_CLASSES
from .economic_rows import _HEADER_TEXT, Layout, group_of, is_paired, parse_printed_rows
from .economic_rows import TOTALS as _TOTALS

_CJK = re.compile(r"[\u4e00-\u9fff]")
def parse_economic_table(region: TableRegion) -> tuple[list[dict], list[str]]:
    """Parse (code, name, amount) items of every column group, with their personnel/public group."""
    lines = data_lines(region, ECONOMIC_CLASSES)
    if not any(line.positional for line in lines):
        header = "".join(line.compact for line in region.lines[:12])
        return parse_printed_rows(lines, Layout(unit=region.unit, budget=region.spec.phase == "budget",
                                                paired=is_paired(header)))
    return _parse_cells(lines)


def _parse_cells(lines) -> tuple[list[dict], list[str]]:
    """Tab/pipe tables: each item's amount is the next cell after its name (blank cells kept)."""
    items: list[dict] = []
    warnings: list[str] = []
    for line in lines:
        tokens = line.tokens
        current: dict | None = None
        loose: list[tuple] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            text = token.text
            found = _code_at(tokens, i, ECONOMIC_CLASSES)
            if found and len(found[0]) <= 5:
                code, used = found
                current = {"code": code, "label": None, "name": "", "amount": None, "text": None, "line": line,
                           "filled": False}
                items.append(current)
                i += used
                continue
            compact = text.replace(" ", "")
            total = next((t for t in _TOTALS if compact.startswith(t)), None)
            if total:
                current = {"code": None, "label": total, "name": total, "amount": None, "text": None, "line": line,
                           "filled": False}
                items.append(current)
            elif _CJK.search(text):
                if current is not None and not current["filled"] and current["label"] is None:
                    if compact not in _HEADER_TEXT:
                        current["name"] += text
            elif is_decimal(text) or (is_integer(text) and current is not None):
                if current is not None and not current["filled"]:
                    current.update(amount=parse_amount(text), text=text, filled=True)
                else:
                    loose.append((parse_amount(text), text))
            elif line.positional and is_blank(text) and current is not None and not current["filled"]:
                if current["name"] and current["label"] is None:
                    current["filled"] = True  # the amount cell is printed blank
            i += 1
        if loose:
            # Figures printed on a line below their items: give them to the items still lacking one, in order.
            open_items = [it for it in items if not it["filled"]]
            for item, (value, text) in zip(open_items, loose, strict=False):
                item.update(amount=value, text=text, filled=True)
            if len(loose) > len(open_items):
                warnings.append(f"line {line.number}: {len(loose) - len(open_items)} figures with no item")
    rows = []
    for item in items:
        rows.append(
            {
                "code": item["code"],
                "name": item["name"],
                "group": group_of(item["code"], item["label"]),
                "amount": item["amount"],
                "printed": {"amount": item["text"]} if item["text"] else {},
                "source_line": item["line"].number,
                "page": item["line"].page,
            }
        )
    return rows, warnings
