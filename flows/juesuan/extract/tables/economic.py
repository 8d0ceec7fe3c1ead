"""Rows of the basic-expenditure-by-economic-classification table, printed in side-by-side groups."""

from __future__ import annotations

import re
from dataclasses import replace

from ..finder import TableRegion, data_lines
from ..lines import _code_at
from ..numbers import is_blank, is_decimal, is_integer, parse_amount
from ..readers import Token
from ..specs import ECONOMIC_CLASSES, ECONOMIC_ITEMS
from .economic_rows import _HEADER_TEXT, Layout, group_of, is_paired, parse_printed_rows
from .economic_rows import TOTALS as _TOTALS

_CJK = re.compile(r"[\u4e00-\u9fff]")
def parse_economic_table(region: TableRegion) -> tuple[list[dict], list[str]]:
    """Parse (code, name, amount) items of every column group, with their personnel/public group."""
    lines = data_lines(region, ECONOMIC_CLASSES)
    if not any(_code_at(line.tokens, i, ECONOMIC_CLASSES) for line in lines for i in range(len(line.tokens))):
        lines = _coded_by_name(lines)
    budget = region.spec.phase == "budget"
    if budget and any(line.positional for line in lines):
        # A budget prints one item per line (合计 | 人员经费 | 公用经费): its cells, blank ones dropped, read as
        # printed text, whose parser knows that layout's columns and its total row.
        lines = [replace(line, tokens=[t for t in line.tokens if t.text], positional=False) for line in lines]
    if not any(line.positional for line in lines):
        header = "".join(line.compact for line in region.lines[:12])
        return parse_printed_rows(lines, Layout(unit=region.unit, budget=budget, paired=is_paired(header)))
    return _parse_cells(lines)


def _name_key(text: str) -> str:
    return text.replace(" ", "").replace("（", "(").replace("）", ")").removeprefix("其中：").removeprefix("其中:")


_CODES_BY_NAME: dict[str, list[str]] = {}
for _code, _name in [*ECONOMIC_CLASSES.items(), *ECONOMIC_ITEMS]:
    _CODES_BY_NAME.setdefault(_name_key(_name), []).append(_code)


def _code_for(name: str, current_class: str | None) -> str | None:
    """The code a printed economic name stands for: under the class being read when the name has several
    (房屋建筑物购建 is 30901 and 31001; 其他支出 is 399 and 39999), else a class, else the latest code."""
    codes = _CODES_BY_NAME.get(_name_key(name))
    if not codes:
        return None
    return next((c for c in codes if len(c) > 3 and c[:3] == current_class), None) or next(
        (c for c in codes if len(c) == 3), None) or max(codes)


def _coded_by_name(lines: list) -> list:
    """Lines of a table that prints its economic subjects by name only (工资福利支出 / 基本工资 …, as 杭州's do),
    each name given its national code as a token before it, so the rows are read as where codes are printed."""
    out, current_class = [], None
    for line in lines:
        tokens: list[Token] = []
        for token in line.tokens:
            code = _code_for(token.text, current_class) if _CJK.search(token.text) else None
            if code is not None:
                current_class = code[:3]
                tokens.append(Token(code, token.x0, token.x0, token.col, token.top, token.bottom))
            tokens.append(token)
        out.append(replace(line, tokens=tokens) if len(tokens) > len(line.tokens) else line)
    return out


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
            if total is None and _CJK.search(text) and i + 1 < len(tokens):
                # A total's label a converter cut over two cells (公 | 用经费合计): one label.
                joined = compact + tokens[i + 1].text.replace(" ", "")
                total = next((t for t in _TOTALS if joined.startswith(t)), None)
                i += total is not None
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
