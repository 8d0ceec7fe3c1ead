"""`juesuan export`: a table or a query of the published warehouse to CSV, Parquet or XLSX, decimals kept exact.

The warehouse is opened with the same lockdown as `juesuan query` (no file access from SQL); the rows come out
as Arrow and Python writes the file, so the lockdown never has to be lifted.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from .query import QueryError, arrow_result, connect_locked

FORMATS = ("csv", "parquet", "xlsx")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
# Excel keeps numbers as doubles: 15 significant digits survive the round trip, more would not.
EXCEL_DIGITS = 15


def export_format(path: Path, fmt: str | None) -> str:
    """The format asked for, or the one the file name's suffix says."""
    chosen = fmt or path.suffix.lower().lstrip(".")
    if chosen not in FORMATS:
        raise QueryError(f"cannot tell the format of {path.name}: give --format {' / '.join(FORMATS)} "
                         "or a file ending in .csv, .parquet or .xlsx")
    return chosen


def _statement(con: duckdb.DuckDBPyConnection, table_or_sql: str) -> str:
    """A table or view name becomes `select *` from it; anything else is taken as SQL."""
    if _NAME.match(table_or_sql.strip()):
        schema, _, name = table_or_sql.strip().rpartition(".")
        found = con.execute("select count(*) from information_schema.tables where table_name = ? "
                            "and (? = '' or table_schema = ?)", [name, schema, schema]).fetchall()[0][0]
        if found:
            return f"select * from {table_or_sql.strip()}"
    return table_or_sql


def fetch(warehouse: Path, table_or_sql: str) -> pa.Table:
    """The rows of a table or one SELECT, as Arrow (DECIMAL columns stay decimal128)."""
    con = connect_locked(warehouse)
    try:
        table = arrow_result(con, _statement(con, table_or_sql))
        if table is None:
            raise QueryError("nothing to export: the statement returns no rows (give a table name or a SELECT)")
        return table
    except duckdb.Error as exc:
        raise QueryError(str(exc)) from exc
    finally:
        con.close()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def write_csv(table: pa.Table, path: Path) -> None:
    """UTF-8 with a byte-order mark, which Excel needs to read Chinese text as UTF-8; decimals as printed."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(table.column_names)
        for batch in table.to_batches():
            for row in zip(*(column.to_pylist() for column in batch.columns), strict=True):
                writer.writerow([_text(v) for v in row])


def write_parquet(table: pa.Table, path: Path) -> None:
    """Parquet with DECIMAL columns as Parquet's decimal logical type (exact)."""
    import pyarrow.parquet as pq

    pq.write_table(table, path)


def _excel_format(field: pa.Field) -> str | None:
    if pa.types.is_decimal(field.type):
        # Two places as amounts are printed, then as many more as the value has (never a rounded display).
        scale = field.type.scale
        return "#,##0" if scale == 0 else "#,##0." + "0" * min(scale, 2) + "#" * max(scale - 2, 0)
    return None


def _excel_value(value):
    """A decimal becomes an Excel number when a double holds it exactly, else text (nothing is rounded)."""
    if isinstance(value, Decimal):
        digits = len(value.normalize().as_tuple().digits)
        return float(value) if digits <= EXCEL_DIGITS and Decimal(repr(float(value))) == value else f"{value:f}"
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones
    return value


def write_xlsx(table: pa.Table, path: Path, sheet: str = "data") -> None:
    """One sheet: a bold header row, then the rows; decimals as numbers formatted to the column's scale."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=False)
    ws = book.active
    ws.title = sheet[:31]
    ws.append(table.column_names)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    formats = [_excel_format(f) for f in table.schema]
    for batch in table.to_batches():
        for row in zip(*(column.to_pylist() for column in batch.columns), strict=True):
            ws.append([_excel_value(v) for v in row])
    for index, fmt in enumerate(formats, start=1):
        if fmt is None:
            continue
        for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
            if isinstance(cell.value, float):
                cell.number_format = fmt
    ws.freeze_panes = "A2"
    book.save(path)


def export(warehouse: Path, table_or_sql: str, path: Path, fmt: str | None = None) -> tuple[str, int]:
    """Write the rows to path; returns (format, number of rows)."""
    chosen = export_format(path, fmt)
    table = fetch(warehouse, table_or_sql)
    path.parent.mkdir(parents=True, exist_ok=True)
    {"csv": write_csv, "parquet": write_parquet, "xlsx": write_xlsx}[chosen](table, path)
    return chosen, table.num_rows
