"""Opening a warehouse file: every connection of the pipeline within the same memory limit."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from ..settings import duckdb_memory


def connect(warehouse: str | os.PathLike, read_only: bool = False, **config) -> duckdb.DuckDBPyConnection:
    """Open `warehouse` with DuckDB under the pipeline's memory limit (JUESUAN_DUCKDB_MEMORY); `config` adds settings."""
    return duckdb.connect(str(Path(warehouse)), read_only=read_only, config={"memory_limit": duckdb_memory(), **config})
