"""The pipeline flow: discover → extract changed documents (in parallel) → load → dbt build and docs → validate
→ publish."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from .discover import Inputs, read_inputs, up_to_date
from .extract.document import Extraction
from .extract.guarded import GuardedExtractor
from .quality.validate import QualitySummary, validate_warehouse
from .report.html import write_report
from .settings import EXTRACTOR_VERSION, load_settings
from .warehouse import runs
from .warehouse.dbt import DbtSummary, build_models, generate_docs
from .warehouse.load import RAW_SCHEMA_VERSION, LoadSummary, load_extractions
from .warehouse.plausible import printable
from .warehouse.publish import (
    build_lock,
    discard,
    inputs_fingerprint,
    publish,
    recover_pages,
    start_build,
    start_pages,
)


@dataclass
class RunReport:
    """What a pipeline run did, for the closing summary and the exit status."""

    run_id: str
    warehouse: Path
    files: int
    load: LoadSummary | None = None
    dbt: DbtSummary | None = None
    quality: QualitySummary | None = None
    problems: list[tuple[str, str, str, int | None]] = field(default_factory=list)  # file, severity, message, line
    unregistered_agencies: list[str] = field(default_factory=list)
    extracted: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    up_to_date: bool = False  # nothing changed since the served build: nothing was rebuilt

    @property
    def failed(self) -> bool:
        if self.up_to_date:
            return False
        return bool(self.load.failed_files) or any(severity == "error" for _, severity, _, _ in self.problems)


@task(name="discover-documents")
def discover_documents(raw_dir: str) -> Inputs:
    """List the files the run will read, with the sha256 of each."""
    return read_inputs(Path(raw_dir))


_pool: GuardedExtractor | None = None
_progress: Callable[[int, int, str], None] | None = None
_stages: Callable[[str, str], None] | None = None
STAGES = ("extract", "load", "dbt", "checks", "docs", "report", "publish")


def on_progress(callback: Callable[[int, int, str], None] | None) -> None:
    """Have callback(done, total, file) called as each document is extracted (the CLI's progress bar)."""
    global _progress
    _progress = callback


def on_stage(callback: Callable[[str, str], None] | None) -> None:
    """Have callback(stage, "start" | "done") called around each of STAGES (the CLI's progress display)."""
    global _stages
    _stages = callback


@contextmanager
def _stage(name: str):
    if _stages is not None:
        _stages(name, "start")
    yield
    if _stages is not None:
        _stages(name, "done")


def _process_pool() -> GuardedExtractor:
    """One set of extraction processes per flow run (parsing is CPU-bound, so threads would share one core), each
    document under the per-document time and memory budget (JUESUAN_DOC_TIMEOUT, JUESUAN_DOC_MEMORY_MB)."""
    global _pool
    if _pool is None:
        _pool = GuardedExtractor(_workers())
    return _pool


def _close_pool() -> None:
    global _pool
    if _pool is not None:
        _pool.close()
        _pool = None


def _extract_run_name() -> str:
    from prefect.runtime import task_run

    # A file name need not be valid UTF-8: Prefect's API only takes text it can encode.
    return f"extract {printable(str(task_run.parameters.get('path')))}"


@task(name="extract-document", task_run_name=_extract_run_name, cache_policy=NO_CACHE)
def extract_document(path: str) -> Extraction:
    """Extract one file in a worker process; bad input, a timeout, running out of memory or the file vanishing
    become problems on the result, never an exception."""
    return _process_pool().extract(Path(path))


@task(name="load-warehouse", cache_policy=NO_CACHE)
def load_warehouse(warehouse: str, extractions: list[Extraction], run_id: str, kept: dict[str, str]) -> LoadSummary:
    """Bring the raw schema up to date with this run's extractions, keeping unchanged documents, in one transaction."""
    return load_extractions(Path(warehouse), extractions, run_id, kept)


@task(name="build-models", cache_policy=NO_CACHE)
def build_warehouse_models(warehouse: str, build_dir: str) -> DbtSummary:
    """dbt build (seeds, models, tests), in process."""
    return build_models(Path(warehouse), Path(build_dir))


@task(name="generate-dbt-docs", cache_policy=NO_CACHE)
def generate_dbt_docs(warehouse: str, build_dir: str) -> None:
    """dbt docs as one static page, after the checks so their results are in the catalog."""
    generate_docs(Path(warehouse), Path(build_dir))


@task(name="validate-warehouse", cache_policy=NO_CACHE)
def validate_data_quality(warehouse: str, build_dir: str, run_id: str) -> QualitySummary:
    """Every consistency check, validated by the GX suites; dq_results and the data docs written."""
    return validate_warehouse(Path(warehouse), Path(build_dir), run_id)


@task(name="write-report", cache_policy=NO_CACHE)
def write_html_report(warehouse: str, build_dir: str, raw_dir: str | None = None) -> str:
    """The static HTML report with charts, from the marts and the data-quality results."""
    return str(write_report(Path(warehouse), Path(build_dir) / "report", Path(raw_dir) if raw_dir else None))


@task(name="find-unregistered-agencies", cache_policy=NO_CACHE)
def find_unregistered_agencies(warehouse: str) -> list[str]:
    """Agencies loaded under the unknown region because the agency register does not list them."""
    with duckdb.connect(warehouse, read_only=True) as con:
        return [name for (name,) in con.sql("select agency_name from dim_agency where not is_registered order by 1").fetchall()]


def _workers() -> int:
    return int(os.environ.get("JUESUAN_WORKERS") or max(1, min(os.cpu_count() or 1, 4)))


@flow(name="juesuan-pipeline", task_runner=ThreadPoolTaskRunner(max_workers=_workers()))
def pipeline(raw: str | None = None, warehouse: str | None = None, build: str | None = None,
             force: bool = False) -> RunReport:
    """Build the warehouse from the input folder into a new file, and publish it when every step succeeded.

    force: rebuild even when nothing changed, extracting every document again."""
    settings = load_settings(raw, warehouse, build)
    served = settings.warehouse
    run_id = uuid.uuid4().hex[:12]
    started = runs.now()
    with build_lock(served):
        previous = runs.read_previous(served)
        recover_pages(settings.build_dir, previous.last_run["run_id"] if previous.last_run else None)
        inputs = discover_documents(str(settings.raw_dir))
        files = [(str(path), sha) for path, sha in inputs.files]
        fingerprint = inputs_fingerprint(inputs.names(settings.raw_dir))
        vanished = [(printable(path.name), "warning", "removed from the input folder while the run was reading it; not loaded",
                     None) for path in inputs.vanished]
        if not force and up_to_date(settings, inputs):
            return RunReport(run_id, served, len(files), up_to_date=True, reused=[Path(p).name for p, _ in files])
        # A document is reused when the same bytes under the same name were loaded by this extractor version
        # into a raw schema of this shape.
        # --force extracts every document again but still builds on the served file, keeping the run history.
        same_schema = previous.raw_schema == RAW_SCHEMA_VERSION
        kept = {sha: Path(path).name for path, sha in files
                if same_schema and not force and previous.documents.get(sha) == (Path(path).name, EXTRACTOR_VERSION)}
        to_extract = [path for path, sha in files if sha not in kept or kept[sha] != Path(path).name]
        building = start_build(served, carry_over=same_schema)
        # Every page of this run is written into its own folder, published with the warehouse or not at all.
        pages = str(start_pages(settings.build_dir, run_id))
        try:
            extractions = []
            with _stage("extract"):
                try:
                    for future in extract_document.map(to_extract):
                        extractions.append(future.result())
                        if _progress is not None:
                            _progress(len(extractions), len(to_extract), printable(extractions[-1].path.name))
                finally:
                    _close_pool()
            with _stage("load"):
                summary = load_warehouse(str(building), extractions, run_id, kept)
            with _stage("dbt"):
                dbt_summary = build_warehouse_models(str(building), pages)
            with _stage("checks"):
                quality = validate_data_quality(str(building), pages, run_id)
            with _stage("docs"):
                generate_dbt_docs(str(building), pages)
            unregistered = find_unregistered_agencies(str(building))
            with _stage("report"):
                write_html_report(str(building), pages, str(settings.raw_dir))
            problems = vanished + [(printable(e.path.name), p.severity, printable(p.message), p.line)
                                   for e in extractions for p in e.problems]
            report = RunReport(run_id, served, len(files), summary, dbt_summary, quality, problems, unregistered,
                               extracted=[printable(e.path.name) for e in extractions], reused=sorted(kept.values()))
            runs.record_run(building, {
                "run_id": run_id, "started_at": started, "finished_at": runs.now(),
                "status": "failed" if report.failed else "succeeded", "files": len(files),
                "extracted": len(extractions), "reused": len(kept), "documents": summary.documents,
                "failed_files": len(summary.failed_files), "load_errors": summary.errors,
                "load_warnings": summary.warnings, "checks": quality.checks,
                "checks_passed": quality.outcomes["pass"], "checks_rounding": quality.outcomes["rounding"],
                "checks_failed": quality.outcomes["fail"], "inputs_fingerprint": fingerprint,
            })
            with _stage("publish"):
                publish(building, served, Path(pages), settings.build_dir)
            quality.docs_index = settings.build_dir / "dq" / "index.html"  # where it is published
        except BaseException:
            # The served warehouse and pages stay as they were; this run's pages folder is left for its logs
            # (dbt's are in <pages>/dbt/logs) and removed by the next run.
            discard(building)
            raise
    return report
