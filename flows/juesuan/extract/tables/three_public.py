"""Rows of the 三公 table: one wide row of budget and actual blocks, or item rows × budget/actual columns."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal

from ..finder import TableRegion, data_lines
from ..lines import is_noise
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
    if region.spec.phase == "budget":
        return [m.key for m in region.spec.measures]
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
            return [_centre(t) for t in words[:12]], alternating
    for line in lines:
        if [t.text for t in line.tokens] == [str(i) for i in range(1, 13)]:
            return [_centre(t) for t in line.tokens], False
    return None


def _centre(token) -> float | None:
    """Where a token stands: its centre on a PDF page, else the middle of its characters on a layout text's line
    (None in text without columns)."""
    if token.center is not None:
        return token.center
    return None if token.offset is None else token.offset + len(token.text) / 2


def _by_columns(slots: list[float], figures, alternating: bool) -> dict[int, str] | None:
    """The slots of figures placed by the columns of a layout text (pdftotext -layout): each under the heading
    nearest it, when every figure stands within the headings' span, no two under one heading, and the row so read
    keeps the 三公 identities (else the columns are not the page's: None)."""
    span = (slots[0] - len("预算数"), slots[-1] + len("预算数"))
    if sorted(slots) != slots or not all(span[0] <= _centre(t) <= span[1] for t in figures):
        return None
    placed = {min(range(12), key=lambda i: abs(slots[i] - _centre(t))): t.text for t in figures}
    if len(placed) < len(figures):
        return None
    values = {slot: Decimal(0) if is_blank(text) else parse_amount(text) for slot, text in placed.items()}
    return placed if _keeps_identities(values, alternating) else None


def _wide_rows(lines, slots, alternating, warnings) -> list[dict] | None:
    """Rows of the one-row layout: six items, each with budget and actual."""
    figure_lines = [ln for ln in lines if any(is_decimal(t.text) for t in ln.tokens)
                    and not any(_CJK.search(t.text) for t in ln.tokens)]
    if not figure_lines:
        return None
    line = figure_lines[0]
    figures = [t for t in line.tokens if is_decimal(t.text) or (is_blank(t.text) and t.text)]
    placed: dict[int, str] = {}
    undecided: set[int] = set()
    if len(figures) >= 12:
        placed = {i: t.text for i, t in enumerate(figures[:12])}
    elif line.positional and len({t.col for t in line.tokens}) == 12:
        # A table row of twelve cells (Markdown, tab-separated) places every figure by its cell.
        placed = {t.col: t.text for t in figures}
    elif slots and all(x is not None for x in slots) and all(t.center is not None for t in figures):
        for token in figures:
            placed[min(range(12), key=lambda i: abs(slots[i] - token.center))] = token.text
    elif slots and all(x is not None for x in slots) and all(_centre(t) is not None for t in figures) and (
            by_columns := _by_columns(slots, figures, alternating)) is not None:
        placed = by_columns
    else:
        solved = _solved_slots([t.text for t in figures], alternating)
        if solved is None:
            warnings.append(f"unplaced: line {line.number}: {len(figures)} of the 12 三公 figures printed "
                            f"({' '.join(t.text for t in figures)}); no placement of them in print order makes the "
                            f"三公 identities hold, and without positions their columns cannot be told")
            return []
        placed, undecided = solved
        if undecided:
            warnings.append(f"unplaced: line {line.number}: {len(figures)} of the 12 三公 figures printed "
                            f"({' '.join(t.text for t in figures)}); the identities place all but "
                            f"{len(undecided)} cells, whose items are left unread: they hold in more than one placement")
    rows = []
    for index, item in enumerate(WIDE_ITEMS):
        cells = {"budget": 2 * index, "actual": 2 * index + 1} if alternating else {"budget": index, "actual": index + 6}
        texts = {k: placed.get(slot) for k, slot in cells.items()}
        values = {k: parse_amount(v) if v and not is_blank(v) else None for k, v in texts.items()}
        row = {"name": item, "kind": "amount"}
        if len(figures) < 12:
            if any(slot in undecided for slot in cells.values()):
                continue  # an item the identities leave undecided is not read (a blank would read as nothing spent)
            values = {k: v if v is not None else Decimal(0) for k, v in values.items()}  # blank = nothing spent
            row["placement"] = "solved"
        rows.append({**row, **values, "printed": {k: v for k, v in texts.items() if v and not is_blank(v)},
                     "source_line": line.number, "page": line.page})
    return rows


def _solved_slots(texts: list[str], alternating: bool) -> tuple[dict[int, str], set[int]] | None:
    """The figures of a wide 三公 row printed without its blank cells or positions: every placement in print order
    under which the identities hold (合计 = 出国 + 车 + 接待, 车 = 购置 + 运行, blank = 0). Returns the slots all
    those placements agree on (slot → printed figure; a slot absent is blank) and the slots they disagree on."""
    values = [Decimal(0) if is_blank(t) else parse_amount(t) for t in texts]
    fits = [positions for positions in itertools.combinations(range(12), len(values))
            if _keeps_identities(dict(zip(positions, values, strict=True)), alternating)]
    if not fits:
        return None
    readings = [dict(zip(positions, texts, strict=True)) for positions in fits]
    undecided = {slot for slot in range(12) if len({reading.get(slot) for reading in readings}) > 1}
    return {slot: text for slot, text in readings[0].items() if slot not in undecided}, undecided


# The transposed layout: one row per measure (预算数 / 决算数), one column per item, in this print order; an
# item is a column when the header names it (the test on the header's text, then the item).
TRANSPOSED_COLUMNS = (
    (lambda h: "合计" in h, "合计"),
    (lambda h: "出国" in h, "因公出国（境）费"),
    (lambda h: "购置及运行" in h, "公务用车购置及运行维护费"),
    (lambda h: "购置费" in h, "公务用车购置费"),
    (lambda h: h.count("运行维护费") + h.count("运行费") >= 2 or ("运行" in h and "购置及运行" not in h),
     "公务用车运行维护费"),
    (lambda h: "接待费" in h, "公务接待费"),
    (lambda h: "会议费" in h, "会议费"),
    (lambda h: "培训费" in h, "培训费"),
)
_MEASURE_ROWS = {"年初预算数": "budget_initial", "全年预算数": "budget", "预算数": "budget", "决算数": "actual",
                 "预算": "budget", "决算": "actual"}


def _measure_row(line) -> tuple[str, list] | None:
    """(measure, figure tokens) when the line is a 预算数 / 决算数 row of the transposed layout."""
    label, _ = split_label(line)
    compact = label.replace(" ", "")
    measure = _MEASURE_ROWS.get(compact)
    figures = [t for t in line.tokens if is_decimal(t.text) or (is_blank(t.text) and t.text and not line.positional)]
    if measure is None or not figures:
        return None
    return measure, figures


def _header_item(text: str) -> str | None:
    if text in ("会议费", "培训费"):
        return text
    if text == "小计":
        return "公务用车购置及运行维护费"
    found = canonical_item(text)
    return found[0] if found else None


def _header_cells(header) -> list[tuple[str, float]]:
    """Header words with a cut label joined to the piece printed below it (公务接 | 待费), with their x centres.
    Only a piece that names no item alone is joined, so a group header never swallows a sub-column."""
    cells: list[list] = []  # [text, x0, x1, line index]
    for index, line in enumerate(header):
        for token in line.tokens:
            if token.x0 is None:
                continue
            above = next((c for c in cells if c[3] == index - 1 and _header_item(c[0]) is None
                          and c[1] < token.x1 and token.x0 < c[2]), None)
            if above is not None:
                above[0] += token.text.replace(" ", "")
                above[1], above[2], above[3] = min(above[1], token.x0), max(above[2], token.x1), index
            else:
                cells.append([token.text.replace(" ", ""), token.x0, token.x1, index])
    return [(text, (x0 + x1) / 2) for text, x0, x1, _ in cells]


def _transposed_centers(header, columns: list[str]) -> dict[str, float]:
    """x centre of each item column from the header words (小计 stands for its group's total column)."""
    centers: dict[str, float] = {}
    for text, center in _header_cells(header):
        item = _header_item(text)
        if item in columns and (item not in centers or text == "小计"):
            centers[item] = center
    return centers


def _transposed_rows(region: TableRegion, lines, warnings: list[str]) -> list[dict] | None:
    """Rows of the transposed layout, or None when the table is not laid out that way."""
    measure_lines = [(line, found) for line in lines if (found := _measure_row(line))]
    if not measure_lines:
        return None
    first = measure_lines[0][0]
    # The lines before the first measure row (by place: an HTML table's rows may share one source line).
    before = next((i for i, line in enumerate(region.lines) if line is first), None)
    header = [line for line in (region.lines[:before] if before is not None else
                                [ln for ln in region.lines if ln.number < first.number]) if not is_noise(line)]
    cells = _header_cells(header)  # PDF words: cut labels joined again
    header_text = " ".join(text for text, _ in cells) if cells else "".join(line.compact for line in header)
    columns = [item for test, item in TRANSPOSED_COLUMNS if test(header_text)]
    if "公务用车购置及运行维护费" in columns and "小计" not in header_text and (
            "公务用车购置费" in columns or "公务用车运行维护费" in columns):
        columns.remove("公务用车购置及运行维护费")  # a group header over its parts, with no 小计 column of its own
    centers = _transposed_centers(header, columns)
    values: dict[str, dict[str, tuple]] = {item: {} for item in columns}
    for line, (measure, figures) in measure_lines:
        if len(figures) == len(columns):
            placed = dict(zip(columns, figures, strict=True))
        elif len(centers) == len(columns) and all(t.center is not None for t in figures):
            placed = {}
            for token in figures:
                placed.setdefault(min(columns, key=lambda c: abs(centers[c] - token.center)), token)
        else:
            warnings.append(f"unplaced: line {line.number}: {len(figures)} figures for the {len(columns)} item "
                            f"columns of the {measure} row ({' '.join(t.text for t in figures)}); their columns "
                            f"cannot be told without positions")
            continue
        for item, token in placed.items():
            values[item][measure] = (token.text, line)
    keys = sorted({m for _, (m, _) in measure_lines} | {"budget", "actual"},
                  key=["budget_initial", "budget", "actual"].index)
    rows = []
    for item in columns:
        cells = values[item]
        row = {"name": item, "kind": "amount"}
        row.update({k: (parse_amount(cells[k][0]) if k in cells and not is_blank(cells[k][0]) else None)
                    for k in keys})
        row["printed"] = {k: t for k, (t, _) in cells.items() if not is_blank(t)}
        source = min((ln for _, ln in cells.values()), key=lambda ln: ln.number, default=first)
        row.update(source_line=source.number, page=source.page)
        rows.append(row)
    return rows


def parse_three_public_table(region: TableRegion) -> tuple[list[dict], list[str]]:
    """Parse the 三公 table in any layout (one wide row, items × measures, measures × items) into item rows."""
    lines = data_lines(region)
    warnings: list[str] = []
    if region.spec.phase == "budget":
        rows = budget_wide_rows(region, lines)
        if rows is not None:
            return rows, warnings
    transposed = _transposed_rows(region, lines, warnings)
    if transposed is not None:
        return transposed, warnings
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


# Budgets print the 三公 budget as one row of items, in one of two orders; the row identities tell them apart.
BUDGET_ORDERS = (
    ("合计", "因公出国（境）费", "公务用车购置及运行维护费", "公务用车购置费", "公务用车运行维护费", "公务接待费"),
    ("合计", "因公出国（境）费", "公务接待费", "公务用车购置及运行维护费", "公务用车购置费", "公务用车运行维护费"),
)
# Items some budgets print after the 三公 ones, by the header word that names them: a word short enough to survive
# a heading wrapped inside its cell (2024年机关运行经 / 费预算数, with another column's heading read in between).
BUDGET_EXTRAS = (("会议费", "会议费"), ("培训费", "培训费"), ("机关运行", "机关运行经费"))


def _keeps_identities(placed: dict[int, Decimal], alternating: bool) -> bool:
    """The 12 slots with these figures (the others blank, 0) keep 合计 = 出国 + 车 + 接待 and 车 = 购置 + 运行, for
    the budget and for the actual."""
    slots = dict.fromkeys(range(12), Decimal(0)) | placed
    blocks = ([slots[2 * i + m] for i in range(6)] for m in (0, 1)) if alternating else (
        [slots[i + 6 * m] for i in range(6)] for m in (0, 1))
    return all(_balances(dict(zip(WIDE_ITEMS, block, strict=True))) for block in blocks)


def _balances(values: dict[str, Decimal]) -> bool:
    zero = Decimal(0)
    total = values["合计"] - values["因公出国（境）费"] - values["公务用车购置及运行维护费"] - values["公务接待费"]
    vehicle = values["公务用车购置及运行维护费"] - values["公务用车购置费"] - values["公务用车运行维护费"]
    return abs(total) <= Decimal("0.02") and abs(vehicle) <= Decimal("0.015") or (total == zero and vehicle == zero)


def _figure_tokens(line) -> list[str]:
    """The line's figures; a year printed apart from its 年 (2025 年) is a label, not a figure."""
    tokens = line.tokens
    return [t.text for i, t in enumerate(tokens) if (is_decimal(t.text) or is_integer(t.text))
            and not (re.fullmatch(r"20\d{2}", t.text) and i + 1 < len(tokens) and tokens[i + 1].text.startswith("年"))]


def _year_label(line) -> int | None:
    """The year a row of the 三公 table is labelled with (2026年, or 2026 年 in two pieces), if any."""
    m = re.search(r"(?<!\d)(20\d{2})年", " ".join(t.text for t in line.tokens).replace(" 年", "年"))
    return int(m.group(1)) if m else None


def _read_blocks(figures: list[str], orders, extras: list[str], blocks: int) -> tuple[list[dict[str, str]], bool] | None:
    """The items of each block (prior year, this year), from figures whose blank cells may have been dropped."""
    width = 6 + len(extras)
    slots = width * blocks
    if len(figures) > slots and len(figures) % slots == 0:
        # Each item split into fund columns (一般公共预算 | 政府性基金 | 国有资本经营): the item is their sum.
        step = len(figures) // slots
        figures = [str(sum(parse_amount(f) for f in figures[i:i + step])) for i in range(0, len(figures), step)]
    if len(figures) > slots:
        return None
    best = None
    for order_rank, order in enumerate(orders):
        names = list(order) + extras
        for positions in itertools.combinations(range(slots), len(figures)):
            placed = dict(zip(positions, figures, strict=True))
            reading = [{names[i]: placed[b * width + i] for i in range(width) if b * width + i in placed}
                       for b in range(blocks)]
            values = [{n: parse_amount(r[n]) if n in r else Decimal(0) for n in names} for r in reading]
            if not all(_balances(v) for v in values):
                continue
            # The national order first; then figures as far right as they can stand (blank cells lead).
            rank = (order_rank, -sum(positions))
            if best is None or rank < best[0]:
                best = (rank, reading)
    if best is None:
        return None
    return best[1], len(figures) < slots


def budget_wide_rows(region: TableRegion, lines) -> list[dict] | None:
    """The 三公 budget printed as one row of items (this year's, and sometimes last year's beside it), else None."""
    header = ""
    for line in region.lines[:14]:
        if _figure_tokens(line) and not _CJK.search(line.compact.replace("合计", "")):
            break
        if any(_figure_tokens(line)) and re.search(r"\d\.\d", line.compact):
            break
        header += line.compact
    if sum(word in header for word in ("出国", "接待", "购置", "小计")) < 3:
        return None  # items as rows (项目 | 预算数), read by the item-row parser
    extras = [name for word, name in sorted((e for e in BUDGET_EXTRAS if e[0] in header), key=lambda e: header.index(e[0]))]
    years = sorted(set(re.findall(r"(20\d{2})年预算数", header)))
    blocks = 2 if len(years) == 2 else 1
    figure_lines = [ln for ln in lines if _figure_tokens(ln) and re.search(r"\d\.\d|^0$", " ".join(_figure_tokens(ln)))]
    if not figure_lines:
        return []
    # Rows labelled by year (2025年, 2026年): the later year is the budget, the earlier last year's.
    by_year = {year: ln for ln in figure_lines if (year := _year_label(ln)) is not None}
    chosen: list[tuple[str, object]] = []
    if len(by_year) >= 2:
        latest = max(by_year)
        chosen = [("budget", by_year[latest]), ("budget_prior", by_year.get(latest - 1))]
    else:
        chosen = [("budget", figure_lines[0])]
    rows: dict[str, dict] = {}
    for measure, line in chosen:
        if line is None:
            continue
        read = _read_blocks(_figure_tokens(line), BUDGET_ORDERS, extras, blocks)
        if read is None:
            continue
        reading, inferred = read
        measures = ["budget_prior", "budget"] if blocks == 2 else [measure]
        for block_measure, block in zip(measures, reading, strict=True):
            for name in list(BUDGET_ORDERS[0]) + extras:
                row = rows.setdefault(name, {"name": name, "kind": "amount", "budget": None, "printed": {},
                                             "source_line": line.number, "page": line.page,
                                             "placement": "inferred" if inferred else "order"})
                text = block.get(name)
                row[block_measure] = parse_amount(text) if text is not None else Decimal(0)
                if text is not None:
                    row["printed"][block_measure] = text
    return list(rows.values()) if rows else None
