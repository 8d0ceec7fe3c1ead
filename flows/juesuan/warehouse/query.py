"""Locked-down, read-only SQL against the published warehouse, formatted as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import os
import resource
import threading
import time
from decimal import Decimal
from pathlib import Path

import duckdb

from ..settings import QueryLimits, query_limits

# No access to files outside the warehouse, and no way to switch that back on from inside a query. No temporary
# directory either: a query never writes, so its memory limit is a real limit, not a point to start spilling.
LOCKED = {"enable_external_access": False, "autoload_known_extensions": False, "lock_configuration": True,
          "temp_directory": ""}
FETCH_ROWS = 2048  # rows converted to Python between two checks of the limits


class QueryError(Exception):
    """A query that could not run: a missing warehouse, bad SQL, or a forbidden operation."""


class QueryLimitHit(QueryError):
    """A query stopped at its time or memory limit; the message names the limit and how to raise it."""


def connect_locked(warehouse: Path, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """Open the published warehouse read-only, without access to other files, within a memory limit."""
    if not warehouse.is_file():
        raise QueryError(f"no warehouse at {warehouse}: build it with `juesuan run` (or set --warehouse)")
    config = dict(LOCKED, memory_limit=memory_limit) if memory_limit else LOCKED
    try:
        return duckdb.connect(str(warehouse), read_only=True, config=config)
    except duckdb.Error as exc:
        raise QueryError(f"cannot open {warehouse}: {str(exc).splitlines()[0]}") from exc


def _resident_bytes() -> int:
    """This process's resident memory (Linux), else its peak."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _time_limit(limits: QueryLimits) -> QueryLimitHit:
    return QueryLimitHit(f"query stopped at its time limit of {limits.timeout:g} s: raise it with --timeout SECONDS "
                         "or JUESUAN_QUERY_TIMEOUT")


def _memory_limit(limits: QueryLimits) -> QueryLimitHit:
    return QueryLimitHit(f"query stopped at its memory limit of {limits.memory}: raise it with --memory-limit "
                         "SIZE (e.g. 4GB) or JUESUAN_QUERY_MEMORY")


def run_query(warehouse: Path, sql: str, limits: QueryLimits | None = None) -> tuple[list[str], list[tuple]]:
    """Column names and rows of one statement, stopped at the time and memory limits (QueryLimitHit)."""
    limits = limits or query_limits()
    con = connect_locked(warehouse, limits.memory)
    # DuckDB cannot time a query out by itself: a timer interrupts the connection from another thread.
    timer = threading.Timer(limits.timeout, con.interrupt)
    timer.daemon = True
    deadline = time.monotonic() + limits.timeout
    # The rows, once Python objects, are outside DuckDB's limit: the process's growth is held to it too.
    ceiling = _resident_bytes() + limits.memory_bytes
    timer.start()
    try:
        result = con.execute(sql)
        if result.description is None:
            return [], []
        rows: list[tuple] = []
        while chunk := result.fetchmany(FETCH_ROWS):
            rows.extend(chunk)
            if time.monotonic() > deadline:
                raise _time_limit(limits)
            if _resident_bytes() > ceiling:
                raise _memory_limit(limits)
        return [d[0] for d in result.description], rows
    except duckdb.InterruptException as exc:
        raise _time_limit(limits) from exc
    except duckdb.OutOfMemoryException as exc:
        raise _memory_limit(limits) from exc
    except duckdb.Error as exc:
        raise QueryError(str(exc)) from exc  # all of it: DuckDB's "Did you mean", the LINE and the caret
    finally:
        timer.cancel()
        con.close()


def arrow_result(con: duckdb.DuckDBPyConnection, sql: str):
    """One statement's rows as Arrow, or None for a statement without rows.

    Through execute(), not sql(): only execute() keeps all of DuckDB's error text (the LINE and the caret).
    """
    import warnings

    result = con.execute(sql)
    if result.description is None:
        return None
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Arrow output on a DB-API result makes an extra copy")
        return result.to_arrow_table()


def render_box(warehouse: Path, sql: str, width: int, max_rows: int = 40, limits: QueryLimits | None = None) -> str:
    """One statement's result in DuckDB's own box rendering (types, right-aligned numbers), fitted to width."""
    import contextlib

    limits = limits or query_limits()
    con = connect_locked(warehouse, limits.memory)
    timer = threading.Timer(limits.timeout, con.interrupt)
    timer.daemon = True
    timer.start()
    try:
        rows = arrow_result(con, sql)
        if rows is None:
            return ""
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            con.from_arrow(rows).show(max_width=width, max_rows=max_rows)
    except duckdb.InterruptException as exc:
        raise _time_limit(limits) from exc
    except duckdb.OutOfMemoryException as exc:
        raise _memory_limit(limits) from exc
    except duckdb.Error as exc:
        raise QueryError(str(exc)) from exc
    finally:
        timer.cancel()
        con.close()
    box = printed.getvalue().rstrip("\n")
    if not box.endswith("┘"):  # DuckDB wrote its own footer (rows or columns left out to fit)
        return box + "\n"
    count = rows.num_rows
    return box + f"\n({count} row{'s' if count != 1 else ''})\n"


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
        from ..exact_json import dumps

        return dumps([dict(zip(columns, row, strict=True)) for row in rows], indent=2) + "\n"
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
