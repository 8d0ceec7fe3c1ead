"""Rows of the function-coded tables: assembling printed lines into rows, then figures into columns."""

from __future__ import annotations

import re
from decimal import Decimal

from ..columns import assign_columns
from ..finder import TableRegion, data_lines
from ..header import cell_headers
from ..lines import LineParts, RowDraft, split_line, split_run_on_rows
from ..numbers import rounding_tolerance
from ..readers import Line
from ..specs import FUNCTION_CLASSES
from .summary import class_code


def _is_header(parts: LineParts) -> bool:
    """A header line: no code, no total label, no figure, and no name or header vocabulary."""
    return not (parts.code or parts.label or parts.numbers) and (not parts.name or parts.header_words > 0)


def _balanced(row: RowDraft) -> bool:
    """True when some figure in the row equals the sum of the others (the row identity can hold)."""
    values = [s.value for s in row.slots if s.value is not None]
    if not values:
        return False
    total = sum(values)
    return any(abs(2 * v - total) <= 0.005 * (len(values) + 1) for v in values)


def _in_figure_columns(line: Line, row: RowDraft) -> bool:
    """On a PDF page, text starting right of the row's first figure is no wrapped name: a repeated header's words."""
    xs = [s.x for s in row.slots if s.x is not None]
    first = next((t.x0 for t in line.tokens if t.x0 is not None), None)
    return bool(xs) and first is not None and first > min(xs)


def _total_first(numbers: list) -> bool:
    """Three figures or more, the first the largest: a whole row, its total first."""
    values = [s.value for s in numbers if s.value is not None]
    return len(values) >= 3 and values[0] > 0 and all(values[0] >= v for v in values[1:])


def _column_numbers(line: Line) -> bool:
    """The 栏次 line numbering the columns (栏次 1 2 3 …): no row."""
    words = [t.text for t in line.tokens if t.text and t.text not in ("栏次", "栏", "次", "行次")]
    return len(words) >= 2 and words == [str(i) for i in range(1, len(words) + 1)]
def _complete_relative_codes(decomposed: list[tuple[Line, LineParts]]) -> None:
    """Codes printed level by level (201 | 08 审计事务 | 01 行政运行): a 款 or 项 prints only its own two digits.

    Only where no line prints a full 款 or 项 code. After a 类 two digits are a 款; after a 项 they are a
    sibling 项 until the 项 read so far add up to their 款, then a new 款 of the same 类.
    """
    if any(p.code and len(p.code) > 3 for _, p in decomposed):
        return
    klass = kuan = None
    kuan_total = xiang_sum = Decimal(0)
    for index, (line, parts) in enumerate(decomposed):
        first = parts.numbers[0].value if parts.numbers else Decimal(0)
        if parts.code:
            klass, kuan = parts.code, None
            continue
        tokens = [t.text for t in line.tokens if t.text]
        if klass is None or not tokens or not re.fullmatch(r"\d{2}", tokens[0]):
            continue
        if len(tokens) == 1:
            # The code alone on its line, its name and figures on the lines after it (05 | 机关事业单位基本养老保 |
            # 险缴费支出 221.01 …): the first figure printed before the next code is the row's.
            following = _until_next_code(decomposed[index + 1:], line.page)
            if not any(p.name for p in following) or not any(p.numbers for p in following):
                continue
            first = next(p.numbers[0].value for p in following if p.numbers)
        # The name may wrap around its code's line (机关事业单位基本养老保 | 05 221.01 … | 险缴费支出): figures suffice.
        elif not (parts.name or parts.numbers):
            continue
        if kuan is None or abs(xiang_sum - kuan_total) <= rounding_tolerance(1):
            kuan, kuan_total, xiang_sum = klass + tokens[0], first, Decimal(0)
            parts.code = kuan
        else:
            parts.code = kuan + tokens[0]
            xiang_sum += first


def _until_next_code(decomposed: list[tuple[Line, LineParts]], page: int | None) -> list[LineParts]:
    """The parts of the lines on `page` before the next line opening with a code (a class's, or a 款's or 项's two
    digits)."""
    out = []
    for line, parts in decomposed:
        first = next((t.text for t in line.tokens if t.text), "")
        if parts.code or parts.label or re.fullmatch(r"\d{2}", first) or line.page != page:
            break
        out.append(parts)
    return out


def assemble_rows(region: TableRegion, classes: dict[str, str] = FUNCTION_CLASSES
                  ) -> tuple[list[RowDraft], list[tuple[Line, LineParts]]]:
    """Group a coded table's lines into rows: codes anchor rows; wrapped names and offset figures join them.
    Also returns the lines printing a name and figures that became no row's (a subject printed without its code)."""
    # Amounts in 元 are printed as integers; in 万元 only figures with decimals are amounts (not codes or 行次).
    decimals_only = region.unit != "元"
    lines = [row for line in data_lines(region, classes) for row in split_run_on_rows(line, classes)]
    decomposed = [(line, split_line(line, classes, decimals_only)) for line in lines if not _column_numbers(line)]
    _complete_relative_codes(decomposed)
    code_lines = [p for _, p in decomposed if p.code]
    # Layout style: do names stand on the code line (inline) or on their own line above it?
    names_inline = sum(1 for p in code_lines if p.name) * 2 >= len(code_lines)
    rows: list[RowDraft] = []
    pending: list[tuple[Line, LineParts]] = []
    row_identity = bool(region.spec.sums([m.key for m in region.spec.measures]))

    def settle_pending(next_row: RowDraft | None) -> None:
        prev = rows[-1] if rows else None
        text_only = [(ln, p) for ln, p in pending if not p.slots]
        if prev is not None and names_inline and prev.text_prefix and not prev.inline_name and text_only:
            first_line, first = text_only[0]
            if next_row is None or next_row.label or len(text_only) > 1 or next_row.inline_name:
                prev.suffix.append(first.name)
                pending.remove((first_line, first))
        if next_row is not None:
            # A named line printing a whole row of its own above a row printing one as well is a row too, not
            # figures offset from the next label: a 预算单位 column's unit line (单位名 4,684.30 3,072.01 1,612.29 …
            # over 201 一般公共服务支出 3,459.13 1,866.84 1,592.29 …). Both print as many figures, total first.
            own = next_row.parts[0].numbers
            if _total_first(own):
                for line, parts in [(ln, p) for ln, p in pending if p.name and len(p.numbers) == len(own)]:
                    if _total_first(parts.numbers):
                        rows.append(RowDraft(None, None, line, [parts], inline_name=parts.name))
                        pending.remove((line, parts))
            if not next_row.label:
                # A name wrapped above its code is on the code's page; text from the page before is not its name
                # (a continuation page's repeated header, or the last page's footer).
                next_row.prefix = [p.name for ln, p in pending if p.name and ln.page == next_row.first_line.page
                                   and not _in_figure_columns(ln, next_row)]
                next_row.text_prefix = bool(pending) and all(not p.slots for _, p in pending)
            # Figures printed above their row's label (or its code) belong to it.
            next_row.parts = [p for _, p in pending if p.slots] + next_row.parts
        pending.clear()

    for line, parts in decomposed:
        current = rows[-1] if rows else None
        if parts.label and not parts.code and not parts.numbers and parts.header_words:
            continue  # a header such as "合计 基本支出 项目支出"
        if parts.code or parts.label:
            row = RowDraft(parts.code, parts.label, line, [parts], inline_name=parts.name if parts.code else "")
            settle_pending(row)
            rows.append(row)
            continue
        if _is_header(parts) and not parts.slots:
            continue
        if current is None:
            if parts.numbers:
                pending.append((line, parts))
            continue
        if not current.has_numbers() and not pending:
            # The row's code stood alone; its name and figures follow on the next lines.
            current.parts.append(parts)
            if parts.name:
                current.inline_name += parts.name
            continue
        if parts.numbers and not parts.name and not pending:
            if row_identity and not _balanced(current):
                current.parts.append(parts)  # a figure printed below its row's label
                continue
        pending.append((line, parts))
    # Figures left after the last row while a total's label printed none (the text gave 合计 among the header
    # lines and its figures last): they are that total's.
    trailing = [(ln, p) for ln, p in pending if p.slots and not p.name]
    figureless = [row for row in rows if row.label and not row.has_numbers()]
    if len(trailing) == 1 and len(figureless) == 1:
        figureless[0].parts.append(trailing[0][1])
        pending.remove(trailing[0])
    settle_pending(None)
    used = {id(parts) for row in rows for parts in row.parts}
    unread = [(line, parts) for line, parts in decomposed
              if parts.name and parts.numbers and not parts.code and not parts.label and id(parts) not in used]
    return rows, unread


def parse_coded_table(
    region: TableRegion, centers: dict[str, float] | None, evidence: dict | None = None, hints: dict | None = None
) -> tuple[list[dict], list[str]]:
    """Parse a function-coded table into rows of code, name, measures and provenance.

    `evidence` and `hints` are what the document's other tables print for its cells (see columns.assign_columns).
    """
    drafts, unread = assemble_rows(region)
    rows, warnings = assign_columns(drafts, region.spec, centers, evidence, hints, cell_headers(region.lines, region.spec))
    if any(class_code(parts.name, by_ordinal=False) for _, parts in unread):
        # A function class by name with no code (科学技术支出 28.00): the table prints its subjects by name only, and
        # their figures are in no row, so the table's sums and the other tables' comparisons with it are unsure.
        # (Other lines left over are a unit's own line, 苏州市审计局 4,123.45 …, in a table by unit.)
        shown = "; ".join(f"line {line.number} {parts.name}" for line, parts in unread[:3])
        warnings.append(f"{len(unread)} line(s) print a subject's name and figures without its code, read as no "
                        f"row: {shown}" + (" …" if len(unread) > 3 else ""))
    return rows, warnings
