"""Running the Great Expectations suites over the checks, writing dq_results and building the data docs."""

from __future__ import annotations

import importlib.util
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..settings import PROJECT_ROOT
from ..warehouse.connection import connect
from .annotate import annotate_pdfs
from .catalog import families, rules
from .checks import CHECK_COLUMNS, check_rows
from .docs import write_index
from .offline import localize_site

RESULTS = pa.schema([
    ("rule_id", pa.string()), ("family", pa.string()), ("severity", pa.string()), ("document_id", pa.string()),
    ("file_name", pa.string()), ("agency_name", pa.string()), ("fiscal_year", pa.int32()), ("table_key", pa.string()),
    ("row_code", pa.string()), ("row_name", pa.string()), ("column_name", pa.string()),
    ("expected", pa.decimal128(24, 6)), ("actual", pa.decimal128(24, 6)), ("difference", pa.decimal128(24, 6)),
    ("tolerance", pa.decimal128(24, 6)), ("outcome", pa.string()), ("source_line", pa.int32()), ("detail", pa.string()),
    ("page", pa.int32()), ("printed_text", pa.string()), ("bbox_x0", pa.float64()), ("bbox_top", pa.float64()),
    ("bbox_x1", pa.float64()), ("bbox_bottom", pa.float64()), ("source_file", pa.string()),
    ("run_id", pa.string()),
])


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


def _frame(checks: pa.Table) -> pd.DataFrame:
    """One family's check rows as the DataFrame its suite validates."""
    # The excess in exact decimals, then as a float: its sign is the outcome's, whatever the float rounding.
    excess = pc.subtract(pc.abs(checks["difference"]), checks["tolerance"]).cast(pa.float64())
    frame = checks.select(["rule_id", "family", "document_id", "file_name", "page", "source_line", "table_key",
                           "row_code", "row_name", "column_name", "expected", "actual", "difference", "tolerance",
                           "outcome", "printed_text"]).append_column("excess_over_tolerance", excess).to_pandas()
    for column in ("expected", "actual", "difference", "tolerance"):
        frame[column] = frame[column].astype(float)
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


def gx_run_identifier(run_id: str):
    """GX's run identifier for our run id, with its time given: GX otherwise parses the name as a date, and a run id
    that reads as a huge year (e.g. 4031482841) overflows dateutil."""
    import datetime

    from great_expectations.core.run_identifier import RunIdentifier

    return RunIdentifier(run_name=run_id, run_time=datetime.datetime.now(datetime.UTC))


def validate_warehouse(warehouse: Path, build_dir: Path, run_id: str) -> QualitySummary:
    """Compute every check, validate each family's suite, store dq_results, and build the data docs."""
    import great_expectations as gx

    with connect(warehouse, read_only=True) as con:
        recheck = _documents_to_check(con)
        checks = validated = check_rows(con, recheck)
        if recheck is not None:
            kept = _kept_checks(con, recheck).cast(checks.schema)
            checks = pa.concat_tables([checks, kept])
            # The kept checks were validated by the run that made them, with these suites (same code): of them only
            # those that did not pass could be unexpected, so only those are validated again. Every expectation
            # then fails or passes as over all checks, and names every document it fails on.
            validated = pa.concat_tables([validated, kept.filter(pc.not_equal(kept["outcome"], "pass"))])
        documents = con.sql("select document_id, file_name, agency_name, fiscal_year from dim_document").to_arrow_table().to_pylist()
    site = build_dir / "dq" / "gx"
    context = _context(site)
    catalog = rules()
    suites = _suites_module()
    datasource = context.data_sources.add_pandas("checks")
    summary = QualitySummary(checks=checks.num_rows, validated=validated.num_rows, outcomes=Counter(
        {r["values"]: r["counts"] for r in pc.value_counts(checks["outcome"]).to_pylist()}))
    run = gx_run_identifier(run_id)
    for family in families():
        suite = context.suites.add(suites.build_suite(family, [r for r in catalog.values() if r.family == family]))
        batch = datasource.add_dataframe_asset(family).add_batch_definition_whole_dataframe(
            "all checks" if recheck is None else "checks computed this run, and the kept ones that did not pass")
        definition = context.validation_definitions.add(gx.ValidationDefinition(name=family, data=batch, suite=suite))
        # No data-docs action per checkpoint: each would render the whole site again; it is built once below.
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=f"{family}_checkpoint", validation_definitions=[definition], actions=[],
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": INDEX_COLUMNS}))
        frame = _frame(validated.filter(pc.equal(validated["family"], family)))
        result = checkpoint.run(batch_parameters={"dataframe": frame}, run_id=run)
        for validation in result.run_results.values():
            for expectation in validation.results:
                message = _raised(expectation.exception_info)
                if message is not None:
                    raise DataQualityEngineError(f"{family}: {expectation.expectation_config.type} raised: {message}")
                if not expectation.success:
                    rule = (expectation.expectation_config.meta or {}).get("rule", expectation.expectation_config.type)
                    where = sorted({f"{i['file_name']} p.{i['page']}" if pd.notna(i.get("page")) else i["file_name"]
                                    for i in expectation.result.get("unexpected_index_list") or []})
                    summary.failed_expectations.append(f"{family}: {rule}" + (f" on {'; '.join(where)}" if where else ""))
    context.build_data_docs()
    _store_results(warehouse, checks, run_id)
    localize_site(site)
    # The page and the annotated PDFs show the checks that did not pass; the passes are counted.
    notable = checks.filter(pc.not_equal(checks["outcome"], "pass")).to_pylist()
    counts = Counter({(r["file_name"], r["outcome"]): r["outcome_count"] for r in checks.group_by(
        ["file_name", "outcome"]).aggregate([("outcome", "count")]).to_pylist()})
    links = annotate_pdfs(notable, build_dir / "dq")
    summary.docs_index = write_index(build_dir / "dq", site, documents, notable, counts, catalog, run_id, links,
                                     validated.num_rows)
    return summary


def _documents_to_check(con: duckdb.DuckDBPyConnection) -> list[str] | None:
    """The documents whose checks this run computed (dbt's intermediate.int_checked_documents: those of the
    agency-years the run changed, and of the year after); None for all of them. The other documents keep their rows
    of dq_results. All are checked when there are none yet, or they were made by other code (checks, rules or
    models: dbt then rebuilt every check too).
    """
    from ..warehouse.publish import code_fingerprint

    state = con.sql("select 1 from duckdb_tables() where schema_name = 'meta' and table_name = 'checks_state'")
    if not state.fetchall() or con.sql("select code_fingerprint from meta.checks_state").fetchall() != [
            (code_fingerprint(),)]:
        return None
    return [d for (d,) in con.sql("select document_id from intermediate.int_checked_documents").fetchall()]


def _kept_checks(con: duckdb.DuckDBPyConnection, recheck: list[str]) -> pa.Table:
    """The stored check rows of the documents still loaded that this run does not check again."""
    con.register("rechecked", pa.table({"document_id": pa.array(recheck, pa.string())}))
    rows = con.sql(f"""
        select {', '.join(CHECK_COLUMNS)}, family, severity from dq_results
        where document_id in (select document_id from dim_document)
          and document_id not in (select document_id from rechecked)
    """).to_arrow_table()
    con.unregister("rechecked")
    return rows


def _store_results(warehouse: Path, checks: pa.Table, run_id: str) -> None:
    """Replace dq_results (one row per check) and the per-document summary view, in one transaction."""
    from ..warehouse.publish import code_fingerprint

    results = checks.append_column("run_id", pa.array([run_id] * checks.num_rows, pa.string()))
    results = results.select(RESULTS.names).cast(RESULTS)
    with connect(warehouse) as con:
        con.register("results", results)
        con.execute("begin transaction")
        con.execute("create or replace table dq_results as select * from results")
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
