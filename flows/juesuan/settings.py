"""Paths and settings, from one place, overridable by environment variables."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Bump whenever extraction changes what it reads: documents extracted by another version are extracted again.
EXTRACTOR_VERSION = "9"
DBT_PROJECT = PROJECT_ROOT / "dbt_project"


@dataclass(frozen=True)
class Settings:
    """Where the pipeline reads documents from and writes the warehouse to."""

    raw_dir: Path
    warehouse: Path
    build_dir: Path  # the published pages: a link to the published run's folder (see warehouse/publish.py)

    @property
    def dbt_docs(self) -> Path:
        return self.build_dir / "dbt" / "target"


def load_settings(
    raw: str | os.PathLike | None = None,
    warehouse: str | os.PathLike | None = None,
    build: str | os.PathLike | None = None,
) -> Settings:
    """Resolve settings: explicit arguments win, then JUESUAN_* variables, then the project defaults."""
    raw_dir = Path(raw or os.environ.get("JUESUAN_RAW") or PROJECT_ROOT / "raw")
    warehouse_path = Path(warehouse or os.environ.get("JUESUAN_WAREHOUSE") or PROJECT_ROOT / "warehouse.duckdb")
    build_dir = Path(build or os.environ.get("JUESUAN_BUILD") or PROJECT_ROOT / "build")
    # The build folder is a symbolic link swapped by each publish: made absolute, never resolved through the link.
    return Settings(raw_dir=raw_dir.resolve(), warehouse=warehouse_path.resolve(),
                    build_dir=Path(os.path.abspath(build_dir)))


# `juesuan query` limits: a runaway query (a cross join, a huge aggregate) is stopped, not left to take the machine.
DEFAULT_QUERY_TIMEOUT = 60.0  # seconds
DEFAULT_QUERY_MEMORY = "2GB"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)?\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


@dataclass(frozen=True)
class QueryLimits:
    """How long one query may run and how much memory it may take (DuckDB's and its result's)."""

    timeout: float  # seconds
    memory: str  # as DuckDB reads it, e.g. "2GB"

    @property
    def memory_bytes(self) -> int:
        number, unit = _SIZE.match(self.memory).groups()
        return int(float(number) * _UNITS[(unit or "b").lower()])


def query_limits(timeout: float | str | None = None, memory: str | None = None) -> QueryLimits:
    """Resolve the query limits: explicit values win, then JUESUAN_QUERY_TIMEOUT / JUESUAN_QUERY_MEMORY, then
    60 s and 2GB. Raises ValueError, naming the setting, for a value that is not a duration or a size."""
    raw_timeout = timeout if timeout is not None else os.environ.get("JUESUAN_QUERY_TIMEOUT") or DEFAULT_QUERY_TIMEOUT
    try:
        seconds = float(raw_timeout)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise ValueError(f"query time limit {raw_timeout!r} is not a positive number of seconds "
                         "(--timeout or JUESUAN_QUERY_TIMEOUT)")
    size = _size(memory or os.environ.get("JUESUAN_QUERY_MEMORY") or DEFAULT_QUERY_MEMORY,
                 "query memory limit", "2GB", "--memory-limit or JUESUAN_QUERY_MEMORY")
    return QueryLimits(seconds, size)


def _size(value: str, what: str, example: str, setting: str) -> str:
    """A memory size as DuckDB reads it (spaces removed); ValueError naming the setting when it is not one."""
    if not _SIZE.match(value) or float(_SIZE.match(value).group(1)) <= 0:
        raise ValueError(f"{what} {value!r} is not a size such as {example} or 500MB ({setting})")
    return value.replace(" ", "")


# Every DuckDB connection the pipeline opens (and dbt's) stays under this memory limit, spilling to disk beyond it:
# left unset, DuckDB takes up to 80 % of the machine (a 10,000-document `dbt build` grew to about 7 GB).
DEFAULT_DUCKDB_MEMORY = "1GB"


def duckdb_memory() -> str:
    """The DuckDB memory limit of the pipeline's connections: JUESUAN_DUCKDB_MEMORY, else 1GB.
    Raises ValueError, naming the setting, for a value that is not a size."""
    return _size(os.environ.get("JUESUAN_DUCKDB_MEMORY") or DEFAULT_DUCKDB_MEMORY, "DuckDB memory limit", "1GB",
                 "JUESUAN_DUCKDB_MEMORY")
