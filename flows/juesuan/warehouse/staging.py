"""Extraction in batches, staged on disk: each batch's rows are written as Parquet (one file per raw table) as soon
as the batch is extracted, and the load reads them from there. No process holds more than one batch's rows."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..extract.document import Extraction, extract_file
from .load import RAW_TABLES, document_tables
from .plausible import printable


@dataclass
class DocumentOutcome:
    """What extracting one file gave, without its rows (those are staged): for the run's summary."""

    path: str
    sha256: str
    loaded: bool
    failed: bool  # not loaded, and not merely a copy of another file
    problems: list[tuple[str, str, int | None]] = field(default_factory=list)  # severity, message, line

    @property
    def name(self) -> str:
        return printable(Path(self.path).name)


def staging_path(building: Path) -> Path:
    """Where a build's extraction batches are staged: beside the build file, on the same disk."""
    return building.with_name(building.name + ".staging")


def clear(staging: Path) -> None:
    """Remove a staging folder (after the load, or left by a killed run)."""
    shutil.rmtree(staging, ignore_errors=True)


def extract_batch(paths: list[str], staging: str, batch: int, run_id: str,
                  duplicates: dict[str, str] | None = None,
                  extract: Callable[[Path], Extraction] = extract_file) -> list[DocumentOutcome]:
    """Extract files with `extract` and stage their rows as `staging/<raw table>/<batch>.parquet`; return each
    file's outcome. `duplicates` maps a file to the earlier file with the same content: its problems are kept,
    its rows are not."""
    duplicates = duplicates or {}
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    parts: dict[str, list[pa.Table]] = defaultdict(list)
    outcomes = []
    for path in paths:
        extraction = extract(Path(path))
        copy_of = Path(duplicates[path]) if path in duplicates else None
        # Arrow at once, per document: far smaller than the Python objects, which go with the extraction.
        tables, loaded = document_tables(extraction, run_id, now, copy_of)
        for table, rows in tables.items():
            if rows.num_rows:
                parts[table].append(rows)
        outcomes.append(DocumentOutcome(path, extraction.sha256, loaded, not loaded and copy_of is None,
                                        [(p.severity, p.message, p.line) for p in extraction.problems]))
    for table, tables in parts.items():
        write_parquet(pa.concat_tables(tables), Path(staging) / table / f"{batch:06d}.parquet")
    return outcomes


def write_parquet(table: pa.Table, target: Path) -> None:
    """Write a batch under a temporary name and rename it: the load never sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}")
    pq.write_table(table.cast(RAW_TABLES[target.parent.name]), partial)
    os.replace(partial, target)
