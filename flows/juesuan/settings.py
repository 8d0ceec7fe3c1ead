"""Paths and settings, from one place, overridable by environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Bump whenever extraction changes what it reads: documents extracted by another version are extracted again.
EXTRACTOR_VERSION = "4"
DBT_PROJECT = PROJECT_ROOT / "dbt_project"


@dataclass(frozen=True)
class Settings:
    """Where the pipeline reads documents from and writes the warehouse to."""

    raw_dir: Path
    warehouse: Path
    build_dir: Path  # generated docs and dbt's target/ and logs/

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
    return Settings(raw_dir=raw_dir.resolve(), warehouse=warehouse_path.resolve(), build_dir=build_dir.resolve())
