"""Loading extractions into the warehouse's `raw` schema: one Arrow batch per table, one transaction per run."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from ..extract.document import AMOUNT_FIELDS, Extraction

AMOUNT = pa.decimal128(20, 6)  # 万元 with room for 元 converted exactly (1 元 = 0.0001 万元)
NON_MEASURE_FIELDS = {"code", "name", "side", "group", "kind", "line_no", "printed", "source_line", "page",
                      "placement"}

DDL = """
create schema if not exists raw;
create table if not exists raw.documents (
    sha256 varchar primary key, file varchar not null, kind varchar not null, agency varchar, fiscal_year integer,
    unit varchar, source_format varchar not null, pages integer, lines integer, bytes bigint,
    extractor_version varchar not null, run_id varchar not null, loaded_at timestamp not null
);
create table if not exists raw.document_tables (
    sha256 varchar not null, table_key varchar not null, title varchar, present boolean not null, empty boolean,
    declared_empty boolean, unit varchar, source_line integer, page integer, row_count integer not null,
    primary key (sha256, table_key)
);
create table if not exists raw.table_rows (
    sha256 varchar not null, table_key varchar not null, row_index integer not null, code varchar, name varchar,
    side varchar, row_group varchar, line_no integer, measure varchar not null, amount decimal(20, 6),
    printed varchar, is_count boolean not null, source_line integer, page integer, placement varchar,
    primary key (sha256, table_key, row_index, measure)
);
create table if not exists raw.prose_facts (
    sha256 varchar not null, fact_index integer not null, subject varchar not null, amount decimal(20, 6) not null,
    unit varchar not null, amount_wan decimal(20, 6) not null, printed varchar not null, source_line integer,
    sentence integer, share_pct decimal(9, 3), share_base varchar, share_printed varchar, change_direction varchar,
    change_delta decimal(20, 6), change_pct decimal(9, 3), change_pct_direction varchar, change_printed varchar,
    budget decimal(20, 6), budget_pct decimal(9, 3), budget_printed varchar, context varchar,
    primary key (sha256, fact_index)
);
create table if not exists raw.performance_projects (
    sha256 varchar not null, project_index integer not null, project_name varchar not null,
    supervising_department varchar, implementing_unit varchar, budget_initial decimal(20, 6), budget decimal(20, 6),
    executed decimal(20, 6), execution_weight decimal(9, 3), execution_rate decimal(9, 3),
    execution_score decimal(9, 3), goal_expected varchar, goal_achieved varchar, total_weight decimal(9, 3),
    total_score decimal(9, 3), source_line integer, primary key (sha256, project_index)
);
create table if not exists raw.performance_indicators (
    sha256 varchar not null, project_index integer not null, indicator_index integer not null, level1 varchar,
    level2 varchar, indicator_name varchar not null, target_text varchar, target_comparator varchar,
    target_value decimal(20, 6), target_unit varchar, actual_text varchar, actual_value decimal(20, 6),
    actual_unit varchar, weight decimal(9, 3), score decimal(9, 3), deviation varchar, source_line integer,
    primary key (sha256, project_index, indicator_index)
);
create table if not exists raw.performance_department (
    sha256 varchar primary key, score decimal(9, 3), grade varchar, budget decimal(20, 6), executed decimal(20, 6),
    execution_rate decimal(9, 3), total_expenditure decimal(20, 6), total_expenditure_printed varchar,
    staffing_authorized integer, staffing_actual integer, source_line integer
);
create table if not exists raw.prose_metrics (
    sha256 varchar not null, metric_index integer not null, label varchar not null, value decimal(20, 6) not null,
    unit varchar not null, printed varchar not null, source_line integer, primary key (sha256, metric_index)
);
create table if not exists raw.load_errors (
    file varchar not null, sha256 varchar, severity varchar not null, error_code varchar not null,
    message varchar not null, source_line integer, table_key varchar, loaded boolean not null,
    run_id varchar not null, recorded_at timestamp not null
);
"""

# A build file made with another raw schema is not reused: the run starts afresh and extracts every document.
RAW_SCHEMA_VERSION = hashlib.sha256(DDL.encode()).hexdigest()[:16]

DOCUMENTS = pa.schema([
    ("sha256", pa.string()), ("file", pa.string()), ("kind", pa.string()), ("agency", pa.string()),
    ("fiscal_year", pa.int32()), ("unit", pa.string()), ("source_format", pa.string()), ("pages", pa.int32()),
    ("lines", pa.int32()), ("bytes", pa.int64()), ("extractor_version", pa.string()), ("run_id", pa.string()),
    ("loaded_at", pa.timestamp("us")),
])
DOCUMENT_TABLES = pa.schema([
    ("sha256", pa.string()), ("table_key", pa.string()), ("title", pa.string()), ("present", pa.bool_()),
    ("empty", pa.bool_()), ("declared_empty", pa.bool_()), ("unit", pa.string()), ("source_line", pa.int32()),
    ("page", pa.int32()), ("row_count", pa.int32()),
])
TABLE_ROWS = pa.schema([
    ("sha256", pa.string()), ("table_key", pa.string()), ("row_index", pa.int32()), ("code", pa.string()),
    ("name", pa.string()), ("side", pa.string()), ("row_group", pa.string()), ("line_no", pa.int32()),
    ("measure", pa.string()), ("amount", AMOUNT), ("printed", pa.string()), ("is_count", pa.bool_()),
    ("source_line", pa.int32()), ("page", pa.int32()), ("placement", pa.string()),
])
PCT = pa.decimal128(9, 3)
PROSE_FACTS = pa.schema([
    ("sha256", pa.string()), ("fact_index", pa.int32()), ("subject", pa.string()), ("amount", AMOUNT),
    ("unit", pa.string()), ("amount_wan", AMOUNT), ("printed", pa.string()), ("source_line", pa.int32()),
    ("sentence", pa.int32()), ("share_pct", PCT), ("share_base", pa.string()), ("share_printed", pa.string()),
    ("change_direction", pa.string()), ("change_delta", AMOUNT), ("change_pct", PCT),
    ("change_pct_direction", pa.string()), ("change_printed", pa.string()), ("budget", AMOUNT),
    ("budget_pct", PCT), ("budget_printed", pa.string()), ("context", pa.string()),
])
D9 = pa.decimal128(9, 3)
PERFORMANCE_PROJECTS = pa.schema([
    ("sha256", pa.string()), ("project_index", pa.int32()), ("project_name", pa.string()),
    ("supervising_department", pa.string()), ("implementing_unit", pa.string()), ("budget_initial", AMOUNT),
    ("budget", AMOUNT), ("executed", AMOUNT), ("execution_weight", D9), ("execution_rate", D9),
    ("execution_score", D9), ("goal_expected", pa.string()), ("goal_achieved", pa.string()), ("total_weight", D9),
    ("total_score", D9), ("source_line", pa.int32()),
])
PERFORMANCE_INDICATORS = pa.schema([
    ("sha256", pa.string()), ("project_index", pa.int32()), ("indicator_index", pa.int32()), ("level1", pa.string()),
    ("level2", pa.string()), ("indicator_name", pa.string()), ("target_text", pa.string()),
    ("target_comparator", pa.string()), ("target_value", AMOUNT), ("target_unit", pa.string()),
    ("actual_text", pa.string()), ("actual_value", AMOUNT), ("actual_unit", pa.string()), ("weight", D9),
    ("score", D9), ("deviation", pa.string()), ("source_line", pa.int32()),
])
PERFORMANCE_DEPARTMENT = pa.schema([
    ("sha256", pa.string()), ("score", D9), ("grade", pa.string()), ("budget", AMOUNT), ("executed", AMOUNT),
    ("execution_rate", D9), ("total_expenditure", AMOUNT), ("total_expenditure_printed", pa.string()),
    ("staffing_authorized", pa.int32()), ("staffing_actual", pa.int32()), ("source_line", pa.int32()),
])
PROSE_METRICS = pa.schema([
    ("sha256", pa.string()), ("metric_index", pa.int32()), ("label", pa.string()), ("value", AMOUNT),
    ("unit", pa.string()), ("printed", pa.string()), ("source_line", pa.int32()),
])
LOAD_ERRORS = pa.schema([
    ("file", pa.string()), ("sha256", pa.string()), ("severity", pa.string()), ("error_code", pa.string()),
    ("message", pa.string()), ("source_line", pa.int32()), ("table_key", pa.string()), ("loaded", pa.bool_()),
    ("run_id", pa.string()), ("recorded_at", pa.timestamp("us")),
])


@dataclass
class LoadSummary:
    """What one load put in the warehouse."""

    documents: int
    table_rows: int
    failed_files: list[str]
    errors: int
    warnings: int


def _q(value, places: str = "0.000001") -> Decimal | None:
    """A figure at the column's scale (amounts to 10⁻⁶ 万元, scores and rates to 10⁻³), or None."""
    return None if value is None else Decimal(value).quantize(Decimal(places))


def _row_records(extraction: Extraction) -> list[dict]:
    records = []
    for table_key, table in extraction.tables.items():
        for index, row in enumerate(table["rows"]):
            printed = row.get("printed", {})
            is_count = table_key == "state_assets" or row.get("kind") == "count"
            for measure, value in row.items():
                if measure in NON_MEASURE_FIELDS or (measure not in AMOUNT_FIELDS and measure != "count"):
                    continue
                records.append({
                    "sha256": extraction.sha256, "table_key": table_key, "row_index": index,
                    "code": row.get("code"), "name": row.get("name"), "side": row.get("side"),
                    "row_group": row.get("group") or row.get("kind"), "line_no": row.get("line_no"),
                    "measure": measure, "amount": _q(value), "printed": printed.get(measure),
                    "is_count": is_count, "source_line": row.get("source_line"), "page": row.get("page"),
                    "placement": row.get("placement"),
                })
    return records


def _prose_records(extraction: Extraction) -> list[dict]:
    return [
        {"sha256": extraction.sha256, "fact_index": index, "subject": fact.subject, "amount": _q(fact.value),
         "unit": fact.unit, "amount_wan": _q(fact.value_wan), "printed": fact.value_text,
         "source_line": fact.source_line, "sentence": fact.sentence, "share_pct": _q(fact.share_pct, "0.001"),
         "share_base": fact.share_base, "share_printed": fact.share_text, "change_direction": fact.change_direction,
         "change_delta": _q(fact.change_delta), "change_pct": _q(fact.change_pct, "0.001"),
         "change_pct_direction": fact.change_pct_direction, "change_printed": fact.change_text,
         "budget": _q(fact.budget), "budget_pct": _q(fact.budget_pct, "0.001"), "budget_printed": fact.budget_text,
         "context": fact.context}
        for index, fact in enumerate(extraction.prose)
    ]



def _performance_records(extraction: Extraction) -> tuple[list[dict], list[dict], list[dict]]:
    """Project forms, their indicators, and the department-wide result of one document."""
    sha = extraction.sha256
    projects, indicators, department = [], [], []
    for p_index, form in enumerate(extraction.projects):
        projects.append({
            "sha256": sha, "project_index": p_index, "project_name": form.project_name,
            "supervising_department": form.supervising_department, "implementing_unit": form.implementing_unit,
            "budget_initial": _q(form.budget_initial), "budget": _q(form.budget), "executed": _q(form.executed),
            "execution_weight": _q(form.execution_weight, "0.001"), "execution_rate": _q(form.execution_rate, "0.001"),
            "execution_score": _q(form.execution_score, "0.001"), "goal_expected": form.goal_expected,
            "goal_achieved": form.goal_achieved, "total_weight": _q(form.total_weight, "0.001"),
            "total_score": _q(form.total_score, "0.001"), "source_line": form.source_line,
        })
        for i_index, item in enumerate(form.indicators):
            indicators.append({
                "sha256": sha, "project_index": p_index, "indicator_index": i_index, "level1": item.level1,
                "level2": item.level2, "indicator_name": item.name, "target_text": item.target_text,
                "target_comparator": item.target_comparator, "target_value": _q(item.target_value),
                "target_unit": item.target_unit, "actual_text": item.actual_text,
                "actual_value": _q(item.actual_value), "actual_unit": item.actual_unit,
                "weight": _q(item.weight, "0.001"), "score": _q(item.score, "0.001"), "deviation": item.deviation,
                "source_line": item.source_line,
            })
    result = extraction.department
    if result is not None and (result.score is not None or result.budget is not None
                               or result.total_expenditure is not None):
        department.append({
            "sha256": sha, "score": _q(result.score, "0.001"), "grade": result.grade, "budget": _q(result.budget),
            "executed": _q(result.executed), "execution_rate": _q(result.execution_rate, "0.001"),
            "total_expenditure": _q(result.total_expenditure),
            "total_expenditure_printed": result.total_expenditure_printed,
            "staffing_authorized": result.staffing.get("编制数"), "staffing_actual": result.staffing.get("实有人数"),
            "source_line": result.score_line or result.total_expenditure_line,
        })
    return projects, indicators, department


def duplicates_of(extractions: list[Extraction], kept: dict[str, str] | None = None) -> dict[Path, Path]:
    """Files whose content (sha256) repeats an earlier file's (or a kept document's): file → the file loaded."""
    first: dict[str, Path] = {sha: Path(name) for sha, name in (kept or {}).items()}
    repeats: dict[Path, Path] = {}
    for extraction in sorted(extractions, key=lambda e: str(e.path)):
        if extraction.sha256 in first:
            repeats[extraction.path] = first[extraction.sha256]
        else:
            first[extraction.sha256] = extraction.path
    return repeats


def load_extractions(
    warehouse: Path, extractions: list[Extraction], run_id: str, kept: dict[str, str] | None = None
) -> LoadSummary:
    """Make the raw schema hold exactly the kept documents (sha256 → file, already loaded) and this run's
    extractions, in one transaction: rows of changed or removed files leave, new rows arrive."""
    kept = kept or {}
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    repeats = duplicates_of(extractions, kept)
    documents, document_tables, rows, prose, errors = [], [], [], [], []
    projects, indicators, department, metrics = [], [], [], []
    failed: list[str] = []
    for extraction in extractions:
        loaded = extraction.document is not None and not extraction.fatal and extraction.path not in repeats
        for problem in extraction.problems:
            errors.append({
                "file": extraction.path.name, "sha256": extraction.sha256, "severity": problem.severity,
                "error_code": problem.code, "message": problem.message, "source_line": problem.line,
                "table_key": problem.table, "loaded": loaded, "run_id": run_id, "recorded_at": now,
            })
        if extraction.path in repeats:
            errors.append({
                "file": extraction.path.name, "sha256": extraction.sha256, "severity": "warning",
                "error_code": "duplicate_file", "loaded": False, "source_line": None, "table_key": None,
                "message": f"same content as {repeats[extraction.path].name}; loaded once, from that file",
                "run_id": run_id, "recorded_at": now,
            })
            continue
        if not loaded:
            failed.append(extraction.path.name)
            continue
        doc = extraction.document
        documents.append({**{k: doc[k] for k in ("sha256", "file", "kind", "agency", "fiscal_year", "unit",
                                                 "source_format", "pages", "lines", "bytes", "extractor_version")},
                          "run_id": run_id, "loaded_at": now})
        for key, table in extraction.tables.items():
            document_tables.append({
                "sha256": extraction.sha256, "table_key": key, "title": table["title"], "present": table["present"],
                "empty": table.get("empty"), "declared_empty": table.get("declared_empty"), "unit": table.get("unit"),
                "source_line": table.get("source_line"), "page": table.get("page"), "row_count": len(table["rows"]),
            })
        rows.extend(_row_records(extraction))
        prose.extend(_prose_records(extraction))
        for target, records in zip((projects, indicators, department), _performance_records(extraction), strict=True):
            target.extend(records)
        metrics.extend({"sha256": extraction.sha256, "metric_index": i, "label": m.label, "value": _q(m.value),
                        "unit": m.unit, "printed": m.printed, "source_line": m.source_line}
                       for i, m in enumerate(extraction.metrics))
    batches = {
        "raw.documents": pa.Table.from_pylist(documents, DOCUMENTS),
        "raw.document_tables": pa.Table.from_pylist(document_tables, DOCUMENT_TABLES),
        "raw.table_rows": pa.Table.from_pylist(rows, TABLE_ROWS),
        "raw.prose_facts": pa.Table.from_pylist(prose, PROSE_FACTS),
        "raw.performance_projects": pa.Table.from_pylist(projects, PERFORMANCE_PROJECTS),
        "raw.performance_indicators": pa.Table.from_pylist(indicators, PERFORMANCE_INDICATORS),
        "raw.performance_department": pa.Table.from_pylist(department, PERFORMANCE_DEPARTMENT),
        "raw.prose_metrics": pa.Table.from_pylist(metrics, PROSE_METRICS),
        "raw.load_errors": pa.Table.from_pylist(errors, LOAD_ERRORS),
    }
    keep = pa.table({"sha256": pa.array(sorted(kept), pa.string())})
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(DDL)
        con.execute("create or replace table raw.schema_info as select ? as version", [RAW_SCHEMA_VERSION])
        con.register("keep", keep)
        con.execute("begin transaction")
        try:
            for table, batch in batches.items():
                # Errors of files that failed to load carry no kept sha256: they go, and are found again.
                con.execute(f"delete from {table} where sha256 is null or sha256 not in (select sha256 from keep)")
                con.register("batch", batch)
                con.execute(f"insert into {table} by name select * from batch")
                con.unregister("batch")
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        counts = con.execute("""select (select count(*) from raw.documents), (select count(*) from raw.table_rows),
                                   (select count(*) from raw.load_errors where severity = 'error'),
                                   (select count(*) from raw.load_errors where severity = 'warning')""").fetchone()
    return LoadSummary(documents=counts[0], table_rows=counts[1], failed_files=failed, errors=counts[2],
                       warnings=counts[3])
