"""What a document's other tables say about a coded table's cells: evidence for placing figures without positions."""

from __future__ import annotations

import re
from decimal import Decimal

from .specs import TableSpec

_ORDINAL = re.compile(r"^[（(]?[一二三四五六七八九十]+[）)]?[、.．]?")
Cells = dict[tuple[str, str], Decimal]


def _label(name: str | None) -> str:
    return _ORDINAL.sub("", name or "").removeprefix("其中：").removeprefix("其中:")


def _line_matches(name: str, label: str) -> bool:
    """A summary line's printed name is the label, or its start when wrapping cut it (at least six characters)."""
    return name == label or (len(name) >= 6 and label.startswith(name))


def cross_evidence(spec: TableSpec, tables: dict[str, dict]) -> Cells:
    """(row key, measure) → the figure a summary table prints for that cell; a printed blank counts as zero."""
    out: Cells = {}
    for cross in spec.cross_figures:
        source = tables.get(cross.source)
        if not source or not source.get("present"):
            continue
        rows = [r for r in source["rows"] if r.get("side") == cross.side]
        if cross.row == "class":
            for row in rows:
                if row.get("code") and cross.source_measure in row:
                    out[(row["code"], cross.measure)] = row.get(cross.source_measure) or Decimal(0)
            continue
        if cross.row == "合计" and not cross.lines:
            classes = [r for r in rows if len(r.get("code") or "") == 3]
            if classes or source.get("empty"):
                out[(cross.row, cross.measure)] = sum(
                    (r.get(cross.source_measure) or Decimal(0) for r in classes), Decimal(0))
            continue
        matched = [r for r in rows if any(_line_matches(_label(r.get("name")), label) for label in cross.lines)]
        if matched:
            out[(cross.row, cross.measure)] = sum((r.get(cross.source_measure) or Decimal(0) for r in matched),
                                                  Decimal(0))
    return out


def related_hints(spec: TableSpec, tables: dict[str, dict]) -> Cells:
    """(row key, measure) → the figure a related table prints in the same row and measure, where it was not a guess."""
    keys = {m.key for m in spec.measures}
    out: Cells = {}
    for related in spec.related:
        source = tables.get(related)
        if not source or not source.get("present"):
            continue
        for row in source["rows"]:
            key = row.get("code") or row.get("name")
            if not key or row.get("placement") == "inferred":
                continue
            for measure, value in row.items():
                if measure in keys and measure != "total" and isinstance(value, Decimal):
                    out[(key, measure)] = value
    return out
