"""Reading a table's header: which measure each printed column holds.

Headers come in many shapes: one label per column, labels wrapped over several lines, group headers spanning
their sub-columns (本年支出 over 小计 | 基本支出 | 项目支出, where 小计 is the group's total), and columns a spec
does not keep (年初结转和结余 in an expenditure table). A label that names a measure exactly beats one that only
starts like it, so a group header never takes its 小计 column's place; a column that names no measure of the
table but another table's is kept as a column ("~label") so its figures do not slide into a neighbour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .readers import Line
from .specs import TABLES, TableSpec

# Column headings a coded table may print besides its spec's measures: other coded tables' measures and the
# balances carried over. Group words (决算数, 本年支出) are not columns and stay out.
EXTRA_COLUMN_LABELS = tuple(sorted({label for spec in TABLES if spec.row_kind == "coded" for m in spec.measures
                                    for label in m.labels if label not in ("合计", "小计")}
                                   | {"年初结转和结余", "年末结转和结余", "本年收入"}, key=len, reverse=True))
_FIGURE = re.compile(r"\d\.\d")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# The 合计 row's label (alone, or with its figures), or a coded row: where the header ends.
_FIRST_ROW = re.compile(r"^(?:(?:合计|总计)(?:$|[\d,.\-])|\d{3}(?:\d{2}){0,2}\D)")


def header_lines(lines: list[Line], limit: int = 20) -> list[Line]:
    """The lines of a table before its first figure: its header."""
    out = []
    for line in lines[:limit]:
        compact = line.compact
        if _FIGURE.search(compact) or _FIRST_ROW.match(compact):
            break
        out.append(line)
    return out


def _prefix_overlap(word: str, label: str) -> int:
    """Length of the common prefix when the word is a (possibly cut) start of the label, else 0."""
    n = 0
    for a, b in zip(word, label, strict=False):
        if a != b:
            break
        n += 1
    return n if n == len(word) or n == len(label) else 0


def _token_score(text: str, label: str) -> int:
    """How well a header word names a label: exactly (best), or as a cut start of it (three characters at least).
    A leading 其中 (小计 | 其中：基本支出 | 项目支出) names no column of its own."""
    text = re.sub(r"^其中[:：]?", "", text)
    if text == label:
        return 100 + len(label)
    score = _prefix_overlap(text, label)
    return score if score >= min(3, len(label)) else 0


def header_centers(lines: list[Line], spec: TableSpec) -> dict[str, float]:
    """x centre of each measure's header label on a PDF page, and of columns the spec does not keep ("~label")."""
    centers: dict[str, float] = {}
    best: dict[str, int] = {}
    extra: dict[float, str] = {}
    for line in header_lines(lines):
        for token in line.tokens:
            if token.x0 is None or len(token.text) < 2:
                continue
            matched = False
            for measure in spec.measures:
                score = max(_token_score(token.text, label) for label in measure.labels)
                if score:
                    matched = True
                    if score > best.get(measure.key, 0):
                        best[measure.key] = score
                        centers[measure.key] = token.center
            if not matched:
                label = next((lb for lb in EXTRA_COLUMN_LABELS if _token_score(token.text, lb) >= 4), None)
                if label is not None:
                    extra[token.center] = label
    # Two measures cannot share one header word; keep the one that matched it best.
    by_center: dict[float, str] = {}
    for key, center in list(centers.items()):
        other = by_center.get(center)
        if other is not None:
            loser = key if best[key] < best[other] else other
            centers.pop(loser, None)
            if loser == other:
                by_center[center] = key
        else:
            by_center[center] = key
    if len(centers) >= 2:
        for center, label in extra.items():
            if all(abs(center - c) > 1 for c in centers.values()):
                centers[f"~{label}@{center:.0f}"] = center
    return centers


def cell_width(lines: list[Line]) -> int | None:
    """How many cells a tab/pipe table's header rows span (None without such rows)."""
    widths = [1 + max(t.col for t in line.tokens if t.col is not None)
              for line in header_lines(lines) if line.positional and line.tokens]
    return max(widths, default=None)


def cell_columns(lines: list[Line], spec: TableSpec) -> dict[int, str]:
    """Cell index → measure key (or "~label") from a tab/pipe table's header rows; {} when it names too few."""
    texts: dict[int, str] = {}
    for line in header_lines(lines):
        if not line.positional:
            continue
        for token in line.tokens:
            if token.col is not None and token.text:
                texts[token.col] = texts.get(token.col, "") + token.text.replace(" ", "")
    scored: list[tuple[int, int, str]] = []
    for col, text in texts.items():
        for measure in spec.measures:
            for label in measure.labels:
                if label in text:
                    # Tighter matches win: "项目支出" alone beats "项目 … 支出功能分类" of the name column.
                    scored.append((len(label) * 10 - (len(text) - len(label)) + (100 if text.endswith(label) else 0),
                                   col, measure.key))
    columns: dict[int, str] = {}
    taken: set[str] = set()
    for _, col, key in sorted(scored, reverse=True):
        if col not in columns and key not in taken:
            columns[col] = key
            taken.add(key)
    if len(taken) < 2:
        return {}
    first = min(columns)
    # A cell no header line names, right of a measure's, is that heading's span: converters print a merged heading
    # in its first cell and leave the others empty (or name them Col7), and a row's figure may stand in any of them.
    for col in range(first + 1, cell_width(lines) or 0):
        if col not in texts and col - 1 in columns and not columns[col - 1].startswith("~"):
            columns[col] = columns[col - 1]
    for col, text in texts.items():
        if col > first and col not in columns:
            label = next((lb for lb in EXTRA_COLUMN_LABELS if lb in text), None)
            if label is not None:
                columns[col] = f"~{label}"
    # A group printed as its 小计 then its parts (财政拨款收入: 小计 | 一般公共预算收入 | 政府性基金预算收入 …): the
    # parts the header names are no measure of the spec, and their figures no reason to read the row by order.
    for col in sorted(c for c, key in columns.items() if not key.startswith("~") and "小计" in texts.get(c, "")):
        part = col + 1
        while part in texts and part not in columns and _CJK.search(texts[part]):
            columns[part] = f"~{texts[part]}"
            part += 1
    return columns


@dataclass(frozen=True)
class CellHeader:
    """A tab/pipe table's header, in force from the table line numbered `start` on: the measure of each cell index
    (see cell_columns) and how many cells the header spans."""

    start: int
    columns: dict[int, str]
    width: int | None


def cell_headers(lines: list[Line], spec: TableSpec) -> list[CellHeader]:
    """The header of a tab/pipe table, then each other header a later page prints above its rows: a converter lays
    out each page's cells anew, and a column may stand in another cell there."""
    headers = [CellHeader(lines[0].number if lines else 0, cell_columns(lines[:20], spec), cell_width(lines[:20]))]
    begun, i = False, 0
    while i < len(lines):
        if not begun or not lines[i].positional or _FIGURE.search(lines[i].compact) or _FIRST_ROW.match(lines[i].compact):
            begun = begun or bool(_FIGURE.search(lines[i].compact))
            i += 1
            continue
        end = i
        while (end < len(lines) and lines[end].positional and not _FIGURE.search(lines[end].compact)
               and not _FIRST_ROW.match(lines[end].compact)):
            end += 1
        columns = cell_columns(lines[i:end], spec)
        # Only a header naming every measure the one in force names: a converter also cuts a heading over two
        # cells (财政拨 | 款收入), and such a header is no better guide than the table's first.
        if columns != headers[-1].columns and _measures(columns) >= _measures(headers[-1].columns):
            headers.append(CellHeader(lines[i].number, columns, cell_width(lines[i:end])))
        i = end
    return headers


def _measures(columns: dict[int, str]) -> set[str]:
    return {key for key in columns.values() if not key.startswith("~")}
