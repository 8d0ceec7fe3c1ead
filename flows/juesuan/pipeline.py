"""The pipeline flow: discover → extract (documents in parallel) → load → dbt build and docs → validate."""

from __future__ import annotations

import multiprocessing
import os
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from .extract import Extraction, extract_file
from .load import LoadSummary, load_extractions
from .models import DbtSummary, build_models
from .quality.validate import QualitySummary, validate_warehouse
from .settings import load_settings


@dataclass
class RunReport:
    """What a pipeline run did, for the closing summary and the exit status."""

    run_id: str
    warehouse: Path
    files: int
    load: LoadSummary
    dbt: DbtSummary
    quality: QualitySummary
    problems: list[tuple[str, str, str, int | None]] = field(default_factory=list)  # file, severity, message, line
    unregistered_agencies: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.load.failed_files) or any(severity == "error" for _, severity, _, _ in self.problems)


def discover_files(raw_dir: Path) -> list[Path]:
    """Every regular, non-hidden file under raw_dir, in a stable order."""
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"input folder {raw_dir} does not exist")
    return sorted(
        p for p in raw_dir.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(raw_dir).parts)
    )


@task(name="discover-documents")
def discover_documents(raw_dir: str) -> list[str]:
    """List the files the run will read."""
    return [str(p) for p in discover_files(Path(raw_dir))]


_pool: ProcessPoolExecutor | None = None


def _process_pool() -> ProcessPoolExecutor:
    """One pool of extraction processes per flow run: parsing is CPU-bound, so threads would share one core."""
    global _pool
    if _pool is None:
        # spawn, not fork: the flow process runs threads (Prefect's), which fork does not copy safely.
        _pool = ProcessPoolExecutor(_workers(), mp_context=multiprocessing.get_context("spawn"))
    return _pool


def _close_pool() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown()
        _pool = None


@task(name="extract-document", task_run_name="extract {path}", cache_policy=NO_CACHE)
def extract_document(path: str) -> Extraction:
    """Extract one file in a worker process; bad input becomes problems on the result, never an exception."""
    return _process_pool().submit(extract_file, Path(path)).result()


@task(name="load-warehouse", cache_policy=NO_CACHE)
def load_warehouse(warehouse: str, extractions: list[Extraction], run_id: str) -> LoadSummary:
    """Replace the raw schema with this run's extractions in one transaction."""
    return load_extractions(Path(warehouse), extractions, run_id)


@task(name="build-models", cache_policy=NO_CACHE)
def build_warehouse_models(warehouse: str, build_dir: str) -> DbtSummary:
    """dbt build (seeds, models, tests) and dbt docs, in process."""
    return build_models(Path(warehouse), Path(build_dir))


@task(name="validate-warehouse", cache_policy=NO_CACHE)
def validate_data_quality(warehouse: str, build_dir: str, run_id: str) -> QualitySummary:
    """Every consistency check, validated by the GX suites; dq_results and the data docs written."""
    return validate_warehouse(Path(warehouse), Path(build_dir), run_id)


@task(name="find-unregistered-agencies", cache_policy=NO_CACHE)
def find_unregistered_agencies(warehouse: str) -> list[str]:
    """Agencies loaded under the unknown region because the agency register does not list them."""
    with duckdb.connect(warehouse, read_only=True) as con:
        return [name for (name,) in con.sql("select agency_name from dim_agency where not is_registered order by 1").fetchall()]


def _workers() -> int:
    return int(os.environ.get("JUESUAN_WORKERS") or max(1, min(os.cpu_count() or 1, 4)))


@flow(name="juesuan-pipeline", task_runner=ThreadPoolTaskRunner(max_workers=_workers()))
def pipeline(raw: str | None = None, warehouse: str | None = None, build: str | None = None) -> RunReport:
    """Build the warehouse from the input folder."""
    settings = load_settings(raw, warehouse, build)
    run_id = uuid.uuid4().hex[:12]
    paths = discover_documents(str(settings.raw_dir))
    try:
        extractions = [future.result() for future in extract_document.map(paths)]
    finally:
        _close_pool()
    summary = load_warehouse(str(settings.warehouse), extractions, run_id)
    dbt_summary = build_warehouse_models(str(settings.warehouse), str(settings.build_dir))
    quality = validate_data_quality(str(settings.warehouse), str(settings.build_dir), run_id)
    unregistered = find_unregistered_agencies(str(settings.warehouse))
    problems = [
        (e.path.name, p.severity, p.message, p.line) for e in extractions for p in e.problems
    ]
    return RunReport(run_id, settings.warehouse, len(paths), summary, dbt_summary, quality, problems, unregistered)
