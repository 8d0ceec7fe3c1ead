"""The pipeline flow: discover → extract changed documents (in parallel) → load → dbt build and docs → validate
→ publish."""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from .discover import Inputs, read_inputs, up_to_date
from .extract.document import extract_file
from .extract.guarded import GuardedExtractor
from .isolated import PreparedProcess
from .quality.validate import QualitySummary, prepare, validate_warehouse
from .report.html import write_report
from .settings import EXTRACTOR_VERSION, load_settings
from .warehouse import runs
from .warehouse.connection import connect
from .warehouse.dbt import DbtSummary, build_models, generate_docs
from .warehouse.load import RAW_SCHEMA_VERSION, LoadSummary, load_staged, repeated_files
from .warehouse.parquet import export_parquet
from .warehouse.plausible import printable
from .warehouse.publish import (
    build_lock,
    discard,
    inputs_fingerprint,
    publish,
    published_pages,
    recover_pages,
    start_build,
    start_pages,
)
from .warehouse.staging import DocumentOutcome, clear, extract_batch, staging_path


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
    """Have callback(done, total, file) called as each batch of documents is extracted (the CLI's progress bar)."""
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


@task(name="extract-batch", task_run_name="extract batch {batch}", cache_policy=NO_CACHE)
def extract_documents(paths: list[str], staging: str, batch: int, run_id: str, duplicates: dict[str, str],
                      in_place: bool = False) -> list[DocumentOutcome]:
    """Extract a batch of files and stage their rows as Parquet. Locally each document goes to a guarded worker
    process (its time and memory budget); on a Dask cluster the task already runs in a worker of its own."""
    extract = extract_file if in_place else _process_pool().extract
    return extract_batch(paths, staging, batch, run_id, duplicates, extract)


@task(name="load-warehouse", cache_policy=NO_CACHE)
def load_warehouse(warehouse: str, staging: str, kept: dict[str, str], failed: list[str]) -> LoadSummary:
    """Bring the raw schema up to date from the staged batches, keeping unchanged documents, in one transaction."""
    return load_staged(Path(warehouse), Path(staging), kept, failed)


@task(name="build-models", cache_policy=NO_CACHE)
def build_warehouse_models(warehouse: str, build_dir: str, run_id: str, published: str | None = None) -> DbtSummary:
    """dbt build (seeds, models, tests), in process; models kept by document only for what this run loaded."""
    return build_models(Path(warehouse), Path(build_dir), run_id, Path(published) if published else None)


@task(name="generate-dbt-docs", cache_policy=NO_CACHE)
def generate_dbt_docs(warehouse: str, pages: str, published: str | None) -> bool:
    """dbt docs as one static page, after the checks so their results are in the catalog; or the published page
    carried over when the models are unchanged. True when generated."""
    return generate_docs(Path(warehouse), Path(pages), Path(published) if published else None)


@task(name="export-parquet", cache_policy=NO_CACHE)
def export_lake(warehouse: str, out_dir: str) -> dict[str, int]:
    """The published warehouse's raw tables and models as Parquet partitioned by fiscal year and kind."""
    return export_parquet(Path(warehouse), Path(out_dir))


_checks_process: PreparedProcess | None = None


def _prepare_checks(build_dir: str, extracted: int, kept: int) -> None:
    """Start the checks' process now, so that it imports GX and makes its context (about 5 s) while dbt builds
    here; not when this run extracted more documents than it kept: such a build is long enough that the 5 s hardly
    count (1 % at 10,000 documents), and its models, built from that many new documents, are where a run's memory
    peaks (the prepared process holds about 0.25 GB)."""
    global _checks_process
    if extracted <= kept:
        _checks_process = PreparedProcess(prepare, Path(build_dir))


def _close_checks() -> None:
    global _checks_process
    if _checks_process is not None:
        _checks_process.close()
        _checks_process = None


@task(name="validate-warehouse", cache_policy=NO_CACHE)
def validate_data_quality(warehouse: str, build_dir: str, run_id: str) -> QualitySummary:
    """Every consistency check, validated by the GX suites; dq_results and the data docs written. In a process of
    its own (prepared while dbt built, see _prepare_checks): what GX and pandas grow there (a family's check rows at
    a time) is returned when it ends, not kept by this process for the stages after."""
    global _checks_process
    process, _checks_process = _checks_process or PreparedProcess(), None
    return process.run(validate_warehouse, Path(warehouse), Path(build_dir), run_id)


@task(name="write-report", cache_policy=NO_CACHE)
def write_html_report(warehouse: str, build_dir: str, raw_dir: str | None = None, previous: str | None = None) -> str:
    """The static HTML report with charts, from the marts and the data-quality results; pages whose inputs did not
    change since the published report (`previous`, its pages folder) are copied from it."""
    return str(write_report(Path(warehouse), Path(build_dir) / "report", Path(raw_dir) if raw_dir else None,
                            Path(previous) / "report" if previous else None))


@task(name="find-unregistered-agencies", cache_policy=NO_CACHE)
def find_unregistered_agencies(warehouse: str) -> list[str]:
    """Agencies loaded under the unknown region because the agency register does not list them."""
    with connect(warehouse, read_only=True) as con:
        return [name for (name,) in con.sql("select agency_name from dim_agency where not is_registered order by 1").fetchall()]


def _workers() -> int:
    return int(os.environ.get("JUESUAN_WORKERS") or max(1, min(os.cpu_count() or 1, 4)))


def batch_size(documents: int, workers: int) -> int:
    """Documents per extraction task: about four batches per worker, so work spreads evenly and progress shows,
    and at most 200, so a batch's rows stay small and the orchestrator sees few tasks (JUESUAN_BATCH_SIZE)."""
    if os.environ.get("JUESUAN_BATCH_SIZE"):
        return max(1, int(os.environ["JUESUAN_BATCH_SIZE"]))
    return max(1, min(200, math.ceil(documents / (4 * max(1, workers)))))


def _extract_all(to_extract: list[str], staging: Path, run_id: str, duplicates: dict[str, str],
                 in_place: bool, workers: int) -> list[DocumentOutcome]:
    """Extract every file in batches, as Prefect tasks on the flow's task runner; outcomes in file order."""
    size = batch_size(len(to_extract), workers)
    batches = [to_extract[i:i + size] for i in range(0, len(to_extract), size)]
    futures = [extract_documents.submit(paths, str(staging), number, run_id,
                                        {p: duplicates[p] for p in paths if p in duplicates}, in_place)
               for number, paths in enumerate(batches)]
    outcomes: list[DocumentOutcome] = []
    try:
        for future in as_completed(futures):
            outcomes.extend(future.result())
            if _progress is not None:
                _progress(len(outcomes), len(to_extract), outcomes[-1].name)
    finally:
        _close_pool()
    order = {path: i for i, path in enumerate(to_extract)}
    return sorted(outcomes, key=lambda o: order[o.path])


def dask_runner(address: str):
    """A prefect-dask task runner: `local:N` starts a local cluster of N worker processes, else a scheduler's
    address (tcp://host:8786)."""
    from prefect_dask import DaskTaskRunner

    if address.startswith("local"):
        workers = int(address.partition(":")[2] or _workers())
        return DaskTaskRunner(cluster_class="distributed.LocalCluster",
                              cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": None})
    return DaskTaskRunner(address=address)


def run_pipeline(raw: str | None = None, warehouse: str | None = None, build: str | None = None,
                 dask: str | None = None, parquet: str | None = None, force: bool = False) -> RunReport:
    """Run the flow; its extraction on a Dask cluster when one is given (`dask`, or JUESUAN_DASK_ADDRESS)."""
    address = dask or os.environ.get("JUESUAN_DASK_ADDRESS")
    flow_ = pipeline.with_options(task_runner=dask_runner(address)) if address else pipeline
    return flow_(raw=raw, warehouse=warehouse, build=build, parquet=parquet, force=force)


@flow(name="juesuan-pipeline", task_runner=ThreadPoolTaskRunner(max_workers=_workers()))
def pipeline(raw: str | None = None, warehouse: str | None = None, build: str | None = None,
             parquet: str | None = None, force: bool = False) -> RunReport:
    """Build the warehouse from the input folder into a new file, and publish it when every step succeeded;
    with `parquet` (or JUESUAN_PARQUET), also export it there as partitioned Parquet.

    force: rebuild even when nothing changed, extracting every document again."""
    settings = load_settings(raw, warehouse, build)
    parquet = parquet or os.environ.get("JUESUAN_PARQUET")
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
        published = published_pages(settings.build_dir)
        pages = str(start_pages(settings.build_dir, run_id))
        staging = staging_path(building)
        clear(staging)
        try:
            extracting = set(to_extract)
            duplicates = {str(path): str(first) for path, first in
                          repeated_files([(Path(p), sha) for p, sha in files if p in extracting], kept).items()}
            in_place = not isinstance(get_run_context().task_runner, ThreadPoolTaskRunner)
            with _stage("extract"):
                outcomes = _extract_all(to_extract, staging, run_id, duplicates, in_place, _workers())
            failed = [o.name for o in outcomes if o.failed]
            with _stage("load"):
                summary = load_warehouse(str(building), str(staging), kept, failed)
            clear(staging)
            _prepare_checks(pages, len(to_extract), len(kept))
            with _stage("dbt"):
                dbt_summary = build_warehouse_models(str(building), pages, run_id,
                                                     str(published) if published else None)
            with _stage("checks"):
                quality = validate_data_quality(str(building), pages, run_id)
            with _stage("docs"):
                generate_dbt_docs(str(building), pages, str(published) if published else None)
            unregistered = find_unregistered_agencies(str(building))
            with _stage("report"):
                write_html_report(str(building), pages, str(settings.raw_dir), str(published) if published else None)
            problems = vanished + [(o.name, severity, printable(message), line)
                                   for o in outcomes for severity, message, line in o.problems]
            report = RunReport(run_id, served, len(files), summary, dbt_summary, quality, problems, unregistered,
                               extracted=[o.name for o in outcomes], reused=sorted(kept.values()))
            runs.record_run(building, {
                "run_id": run_id, "started_at": started, "finished_at": runs.now(),
                "status": "failed" if report.failed else "succeeded", "files": len(files),
                "extracted": len(outcomes), "reused": len(kept), "documents": summary.documents,
                "failed_files": len(summary.failed_files), "load_errors": summary.errors,
                "load_warnings": summary.warnings, "checks": quality.checks,
                "checks_passed": quality.outcomes["pass"], "checks_rounding": quality.outcomes["rounding"],
                "checks_failed": quality.outcomes["fail"], "inputs_fingerprint": fingerprint,
            })
            with _stage("publish"):
                publish(building, served, Path(pages), settings.build_dir)
            quality.docs_index = settings.build_dir / "dq" / "index.html"  # where it is published
            if parquet:
                export_lake(str(served), str(Path(parquet).resolve()))
        except BaseException:
            # The served warehouse and pages stay as they were; this run's pages folder is left for its logs
            # (dbt's are in <pages>/dbt/logs) and removed by the next run.
            _close_checks()
            discard(building)
            clear(staging)
            raise
    return report
