"""Running the Great Expectations suites over the checks, writing dq_results and building the data docs."""

from __future__ import annotations

import importlib.util
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from ..settings import PROJECT_ROOT
from ..warehouse.connection import connect
from ..warehouse.stream import Follow, grouped
from .annotate import COLOURS, annotate_pdfs
from .catalog import families, rules
from .checks import CHECK_COLUMNS, SQL_CHECK_MODELS, check_models_sql, register_catalog, unknown_rules
from .docs import write_index
from .offline import localize_site

# dq_results: its columns, in order, with their types.
RESULTS = {
    "rule_id": "varchar", "family": "varchar", "severity": "varchar", "document_id": "varchar", "file_name": "varchar",
    "agency_name": "varchar", "fiscal_year": "integer", "table_key": "varchar", "row_code": "varchar",
    "row_name": "varchar", "column_name": "varchar", "expected": "decimal(24, 6)", "actual": "decimal(24, 6)",
    "difference": "decimal(24, 6)", "tolerance": "decimal(24, 6)", "outcome": "varchar", "source_line": "integer",
    "detail": "varchar", "page": "integer", "printed_text": "varchar", "bbox_x0": "double", "bbox_top": "double",
    "bbox_x1": "double", "bbox_bottom": "double", "source_file": "varchar", "run_id": "varchar",
}


class DataQualityEngineError(RuntimeError):
    """An expectation raised instead of returning a result: a bug, not a finding."""


@dataclass
class QualitySummary:
    """Outcome counts of one validation run."""

    checks: int = 0
    validated: int = 0  # check rows the GX suites validated this run (all, or those computed and the kept non-passes)
    outcomes: Counter = field(default_factory=Counter)
    failed_expectations: list[str] = field(default_factory=list)
    docs_index: Path | None = None


def _suites_module():
    spec = importlib.util.spec_from_file_location("juesuan_expectation_suites", PROJECT_ROOT / "expectations" / "suites.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _raised(info) -> str | None:
    """The error message when an expectation raised, else None.

    GX reports a clean run as {"raised_exception": False, ...}, and a metric that raised as a dict keyed by the
    metric's id whose value carries the traceback; both shapes are read here.
    """
    if not info:
        return None
    if "raised_exception" in info:
        return (info.get("exception_message") or "an exception") if info["raised_exception"] else None
    for detail in info.values():
        if isinstance(detail, dict) and (detail.get("exception_message") or detail.get("exception_traceback")):
            return detail.get("exception_message") or detail["exception_traceback"].strip().splitlines()[-1]
    return None


INDEX_COLUMNS = ["file_name", "page", "source_line", "rule_id", "printed_text"]


def _frame(con: duckdb.DuckDBPyConnection, family: str, scope: str) -> pd.DataFrame:
    """One family's check rows that this run validates, as the DataFrame its suite reads: only the columns the
    expectations test and name their unexpected rows by, since the rows can be millions and GX holds them in pandas."""
    # The excess in exact decimals, then as a float: its sign is the outcome's, whatever the float rounding.
    frame = con.sql(f"""
        select rule_id, outcome, file_name, page, source_line, printed_text,
               (abs(difference) - tolerance)::double as excess_over_tolerance
        from dq_results where family = $family and ({scope})""", params={"family": family}).to_arrow_table().to_pandas()
    frame["page"] = frame["page"].astype("Int64")
    frame["source_line"] = frame["source_line"].astype("Int64")
    return frame


def _context(site: Path):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX sets some of its loggers to INFO itself (one announces the ephemeral docs site on every run): its
    # warnings and errors still show, its chatter stays out of the run's output.
    for name in [n for n in logging.root.manager.loggerDict if n.split(".")[0] == "great_expectations"]:
        logging.getLogger(name).setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.add_data_docs_site(site_name="juesuan", site_config={
        "class_name": "SiteBuilder",
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site.resolve())},
    })
    return context


# The context prepare() made in this process, by its data-docs folder, for the validation that follows it here.
_prepared: dict[Path, tuple] = {}


def prepare(build_dir: Path) -> None:
    """Import GX and make the context and suites validate_warehouse(…, build_dir, …) will use (about 5 s), in the
    process that will run it, while the stages before it run elsewhere."""
    site = build_dir / "dq" / "gx"
    _prepared[site] = (_context(site), _suites_module())


def gx_run_identifier(run_id: str):
    """GX's run identifier for our run id, with its time given: GX otherwise parses the name as a date, and a run id
    that reads as a huge year (e.g. 4031482841) overflows dateutil."""
    import datetime

    from great_expectations.core.run_identifier import RunIdentifier

    return RunIdentifier(run_name=run_id, run_time=datetime.datetime.now(datetime.UTC))


def validate_warehouse(warehouse: Path, build_dir: Path, run_id: str) -> QualitySummary:
    """Compute every check into dq_results, validate each family's suite, and build the data docs.

    The check rows stay in the warehouse (millions at scale): written there by SQL, read out a family at a time for
    GX, and a document at a time for the index page.
    """

    site = build_dir / "dq" / "gx"
    with connect(warehouse) as con:
        rechecking = _rechecking(con)
        _store_results(con, rechecking, run_id)
    # Read with a connection of its own: the one that wrote holds the new table's blocks (hundreds of MB at scale).
    with connect(warehouse, read_only=True) as con:
        # The kept checks were validated by the run that made them, with these suites (same code): of them only
        # those that did not pass could be unexpected, so only those are validated again. Every expectation then
        # fails or passes as over all checks, and names every document it fails on.
        scope = f"document_id in ({RECHECKED}) or outcome <> 'pass'" if rechecking else "true"
        outcomes = Counter(dict(con.sql("select outcome, count(*) from dq_results group by 1").fetchall()))
        summary = QualitySummary(checks=sum(outcomes.values()), outcomes=outcomes,
                                 validated=con.sql(f"select count(*) from dq_results where {scope}").fetchall()[0][0])
        context, suites = _prepared.pop(site, None) or (_context(site), _suites_module())
        catalog = rules()
        run = gx_run_identifier(run_id)
        for family in families():
            summary.failed_expectations += _validate_family(context, suites, catalog, family,
                                                            _frame(con, family, scope), not rechecking, run)
        context.build_data_docs()
        localize_site(site)
        summary.docs_index = _write_pages(con, build_dir / "dq", site, catalog, run_id, summary.validated)
    return summary


def _validate_family(context, suites, catalog: dict, family: str, frame: pd.DataFrame, every_check: bool,
                     run) -> list[str]:
    """Run one family's suite over its frame; the expectations that failed, each with the documents and pages."""
    # A data source of its own for each family, removed after: GX keeps every batch it validated for as long as the
    # data source lives (with all families', the checks stage held every check row in pandas at once).
    datasource = context.data_sources.add_pandas("checks")
    try:
        return _run_suite(context, datasource, suites, catalog, family, frame, every_check, run)
    finally:
        context.data_sources.delete("checks")


def _run_suite(context, datasource, suites, catalog: dict, family: str, frame: pd.DataFrame, every_check: bool,
               run) -> list[str]:
    import great_expectations as gx

    suite = context.suites.add(suites.build_suite(family, [r for r in catalog.values() if r.family == family]))
    batch = datasource.add_dataframe_asset(family).add_batch_definition_whole_dataframe(
        "all checks" if every_check else "checks computed this run, and the kept ones that did not pass")
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=family, data=batch, suite=suite))
    # No data-docs action per checkpoint: each would render the whole site again; it is built once after.
    checkpoint = context.checkpoints.add(gx.Checkpoint(
        name=f"{family}_checkpoint", validation_definitions=[definition], actions=[],
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": INDEX_COLUMNS}))
    result = checkpoint.run(batch_parameters={"dataframe": frame}, run_id=run)
    failed = []
    for validation in result.run_results.values():
        for expectation in validation.results:
            message = _raised(expectation.exception_info)
            if message is not None:
                raise DataQualityEngineError(f"{family}: {expectation.expectation_config.type} raised: {message}")
            if not expectation.success:
                rule = (expectation.expectation_config.meta or {}).get("rule", expectation.expectation_config.type)
                where = sorted({f"{i['file_name']} p.{i['page']}" if pd.notna(i.get("page")) else i["file_name"]
                                for i in expectation.result.get("unexpected_index_list") or []})
                failed.append(f"{family}: {rule}" + (f" on {'; '.join(where)}" if where else ""))
    return failed


def _write_pages(con: duckdb.DuckDBPyConnection, dq_dir: Path, site: Path, catalog: dict, run_id: str,
                 validated: int) -> Path:
    """The annotated PDFs and the index page, from dq_results: they show the checks that did not pass (read a
    document at a time); the passes are counted."""
    documents = con.sql("select document_id, file_name, agency_name, fiscal_year from dim_document"
                        ).to_arrow_table().to_pylist()
    counts = Counter({(file_name, outcome): n for file_name, outcome, n in con.sql(
        "select file_name, outcome, count(*) from dq_results group by all").fetchall()})
    # The findings the annotated PDFs mark (few: the publisher's errors and possible misreadings on a page).
    findings_on_pages = con.sql(f"select * from dq_results where outcome in ({', '.join(map(repr, COLOURS))}) "
                                "and page is not null").to_arrow_table().to_pylist()
    links = annotate_pdfs(findings_on_pages, dq_dir)
    notable = Follow(grouped(con, "select * from dq_results where outcome <> 'pass' order by file_name", "file_name"))
    return write_index(dq_dir, site, documents, notable.take, counts, catalog, run_id, links, validated)


# The documents whose checks this run computes (dbt's intermediate.int_checked_documents: those of the agency-years
# the run changed, and of the year after), when it does not check them all.
RECHECKED = "select document_id from intermediate.int_checked_documents"


def _rechecking(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this run checks only the documents of RECHECKED, the others keeping their rows of dq_results; not
    when there are none yet, or they were made by other code (checks, rules or models: dbt then rebuilt every
    check too)."""
    from ..warehouse.publish import code_fingerprint

    state = con.sql("select 1 from duckdb_tables() where schema_name = 'meta' and table_name = 'checks_state'")
    return bool(state.fetchall()) and con.sql("select code_fingerprint from meta.checks_state").fetchall() == [
        (code_fingerprint(),)]


def _store_results(con: duckdb.DuckDBPyConnection, rechecking: bool, run_id: str) -> None:
    """Replace dq_results (one row per check: those the check models computed, and when `rechecking` only for the
    documents of RECHECKED, with the stored rows of the other documents still loaded) and the per-document summary
    view, in one transaction, within the warehouse."""
    from ..warehouse.publish import code_fingerprint

    register_catalog(con)
    within = f"where document_id in ({RECHECKED})" if rechecking else ""
    kept = f"""union all select {len(SQL_CHECK_MODELS)} as model_order, {', '.join(CHECK_COLUMNS)} from dq_results
               where document_id in (select document_id from dim_document)
                 and document_id not in ({RECHECKED})""" if rechecking else ""
    columns = ", ".join(f"cast({name} as {sql_type}) as {name}" for name, sql_type in RESULTS.items())
    con.execute("begin transaction")
    con.execute(f"""
        create or replace table dq_results_next as
        select {columns} from (
            select checks.*, rule_catalog.family, rule_catalog.severity, $run_id as run_id
            from ({check_models_sql(within)} {kept}) as checks left join rule_catalog using (rule_id))""",
        {"run_id": run_id})
    unknown_rules(con, "dq_results_next")
    con.execute("drop table if exists dq_results")
    con.execute("alter table dq_results_next rename to dq_results")
    # Which code made them: a later run keeps the rows of unchanged documents only when made by the same code.
    con.execute("create schema if not exists meta")
    con.execute("create or replace table meta.checks_state as select ? as code_fingerprint", [code_fingerprint()])
    con.execute("""
        create or replace view dq_document_summary as
        select
            dim_document.document_id, dim_document.file_name, dim_document.agency_name,
            dim_document.fiscal_year, dim_document.document_kind,
            count(dq_results.rule_id) as checks_run,
            count(*) filter (where outcome = 'pass') as passed,
            count(*) filter (where outcome = 'rounding') as rounding,
            count(*) filter (where outcome = 'fail') as failures,
            count(*) filter (where outcome = 'suspect_extraction') as suspect_extraction,
            count(*) filter (where outcome = 'fail' and severity = 'error') as failed_errors,
            count(*) filter (where outcome = 'fail' and severity = 'warning') as failed_warnings,
        from dim_document
        left join dq_results on dim_document.document_id = dq_results.document_id
        group by all
    """)
    con.execute("commit")
    con.unregister("rule_catalog")
