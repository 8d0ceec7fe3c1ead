"""Locked-down, read-only SQL against the published warehouse, formatted as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import duckdb

# No access to files outside the warehouse, and no way to switch that back on from inside a query.
LOCKED = {"enable_external_access": False, "autoload_known_extensions": False, "lock_configuration": True}


class QueryError(Exception):
    """A query that could not run: a missing warehouse, bad SQL, or a forbidden operation."""


def connect_locked(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """Open the published warehouse read-only, without access to other files."""
    if not warehouse.is_file():
        raise QueryError(f"no warehouse at {warehouse}: build it with `juesuan run` (or set --warehouse)")
    try:
        return duckdb.connect(str(warehouse), read_only=True, config=LOCKED)
    except duckdb.Error as exc:
        raise QueryError(f"cannot open {warehouse}: {exc}") from exc


def run_query(warehouse: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """Column names and rows of one statement."""
    con = connect_locked(warehouse)
    try:
        result = con.execute(sql)
        if result.description is None:
            return [], []
        return [d[0] for d in result.description], result.fetchall()
    except duckdb.Error as exc:
        raise QueryError(str(exc).splitlines()[0]) from exc
    finally:
        con.close()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}".rstrip("0").rstrip(".")
    return str(value)


def _width(text: str) -> int:
    # Chinese characters take two columns in a terminal.
    return sum(2 if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" else 1 for ch in text)


def format_result(columns: list[str], rows: list[tuple], fmt: str) -> str:
    """Rows as an aligned text table, CSV, or a JSON array of objects."""
    if fmt == "json":
        return json.dumps([dict(zip(columns, (float(v) if isinstance(v, Decimal) else v for v in row), strict=True))
                           for row in rows], ensure_ascii=False, default=str, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_text(v) for v in row] for row in rows)
        return buffer.getvalue()
    cells = [columns] + [[_text(v) for v in row] for row in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(columns))]
    lines = []
    for index, row in enumerate(cells):
        lines.append("  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"
