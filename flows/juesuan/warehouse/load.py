"""Loading extractions into the warehouse's `raw` schema: one Arrow batch per table, one transaction per run."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from ..extract.document import AMOUNT_FIELDS, Extraction
from .connection import connect
from .plausible import AMOUNT_BOUND_WAN, Screen, printable

AMOUNT = pa.decimal128(20, 6)  # 万元 with room for 元 converted exactly (1 元 = 0.0001 万元)
NON_MEASURE_FIELDS = {"code", "name", "side", "group", "kind", "line_no", "printed", "source_line", "page",
                      "placement", "boxes"}

DDL = """
create schema if not exists raw;
create table if not exists raw.documents (
    sha256 varchar primary key, file varchar not null, kind varchar not null, agency varchar, fiscal_year integer,
    unit varchar, source_format varchar not null, pages integer, lines integer, bytes bigint,
    extractor_version varchar not null, run_id varchar not null, loaded_at timestamp not null, source_file varchar
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
    bbox_x0 double, bbox_top double, bbox_x1 double, bbox_bottom double,
    primary key (sha256, table_key, row_index, measure)
);
create table if not exists raw.prose_facts (
    sha256 varchar not null, fact_index integer not null, subject varchar not null, amount decimal(20, 6) not null,
    unit varchar not null, amount_wan decimal(20, 6) not null, printed varchar not null, source_line integer,
    sentence integer, share_pct decimal(9, 3), share_base varchar, share_printed varchar, change_direction varchar,
    change_delta decimal(20, 6), change_pct decimal(9, 3), change_pct_direction varchar, change_printed varchar,
    budget decimal(20, 6), budget_pct decimal(9, 3), budget_printed varchar, context varchar,
    is_change boolean, page integer, printed_text varchar, bbox_x0 double, bbox_top double, bbox_x1 double,
    bbox_bottom double, primary key (sha256, fact_index)
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
create table if not exists raw.document_statements (
    sha256 varchar not null, statement_index integer not null, kind varchar not null, printed_text varchar,
    page integer, source_line integer, bbox_x0 double, bbox_top double, bbox_x1 double, bbox_bottom double,
    year integer, agency varchar, table_key varchar, word varchar, left_value decimal(20, 6),
    right_value decimal(20, 6), primary key (sha256, statement_index)
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
    ("loaded_at", pa.timestamp("us")), ("source_file", pa.string()),
])
BBOX = [("bbox_x0", pa.float64()), ("bbox_top", pa.float64()), ("bbox_x1", pa.float64()),
        ("bbox_bottom", pa.float64())]
DOCUMENT_TABLES = pa.schema([
    ("sha256", pa.string()), ("table_key", pa.string()), ("title", pa.string()), ("present", pa.bool_()),
    ("empty", pa.bool_()), ("declared_empty", pa.bool_()), ("unit", pa.string()), ("source_line", pa.int32()),
    ("page", pa.int32()), ("row_count", pa.int32()),
])
TABLE_ROWS = pa.schema([
    ("sha256", pa.string()), ("table_key", pa.string()), ("row_index", pa.int32()), ("code", pa.string()),
    ("name", pa.string()), ("side", pa.string()), ("row_group", pa.string()), ("line_no", pa.int32()),
    ("measure", pa.string()), ("amount", AMOUNT), ("printed", pa.string()), ("is_count", pa.bool_()),
    ("source_line", pa.int32()), ("page", pa.int32()), ("placement", pa.string()), *BBOX,
])
PCT = pa.decimal128(9, 3)
PROSE_FACTS = pa.schema([
    ("sha256", pa.string()), ("fact_index", pa.int32()), ("subject", pa.string()), ("amount", AMOUNT),
    ("unit", pa.string()), ("amount_wan", AMOUNT), ("printed", pa.string()), ("source_line", pa.int32()),
    ("sentence", pa.int32()), ("share_pct", PCT), ("share_base", pa.string()), ("share_printed", pa.string()),
    ("change_direction", pa.string()), ("change_delta", AMOUNT), ("change_pct", PCT),
    ("change_pct_direction", pa.string()), ("change_printed", pa.string()), ("budget", AMOUNT),
    ("budget_pct", PCT), ("budget_printed", pa.string()), ("context", pa.string()), ("is_change", pa.bool_()),
    ("page", pa.int32()), ("printed_text", pa.string()), *BBOX,
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
DOCUMENT_STATEMENTS = pa.schema([
    ("sha256", pa.string()), ("statement_index", pa.int32()), ("kind", pa.string()), ("printed_text", pa.string()),
    ("page", pa.int32()), ("source_line", pa.int32()), *BBOX, ("year", pa.int32()), ("agency", pa.string()),
    ("table_key", pa.string()), ("word", pa.string()), ("left_value", AMOUNT), ("right_value", AMOUNT),
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


def _bbox(box) -> dict:
    """The bbox columns of a figure's box (x0, top, x1, bottom), or nulls where the format keeps no position."""
    return dict(zip(("bbox_x0", "bbox_top", "bbox_x1", "bbox_bottom"), box or (None,) * 4, strict=True))


# The fields of an extracted row that are its figures, one raw.table_rows record each.
_MEASURES = (AMOUNT_FIELDS | {"count"}) - NON_MEASURE_FIELDS
_NO_BOX = _bbox(None)


def _row_records(extraction: Extraction, screen: Screen) -> list[dict]:
    records = []
    for table_key, table in extraction.tables.items():
        for index, row in enumerate(table["rows"]):
            printed, boxes, line = row.get("printed", {}), row.get("boxes") or {}, row.get("source_line")
            line_fields = None  # what every figure of the row shares, made for its first figure
            for measure, value in row.items():
                if measure not in _MEASURES:
                    continue
                amount = screen.amount(value, f"{table_key}: {row.get('code') or row.get('name')} {measure}",
                                       printed.get(measure), line, table_key)
                if amount is None and value is not None:
                    continue  # a misreading is reported, never loaded
                if line_fields is None:
                    line_fields = {
                        "sha256": extraction.sha256, "table_key": table_key, "row_index": index,
                        "code": row.get("code"), "name": row.get("name"), "side": row.get("side"),
                        "row_group": row.get("group") or row.get("kind"),
                        "is_count": table_key == "state_assets" or row.get("kind") == "count", "source_line": line,
                        "page": row.get("page"), "placement": row.get("placement")}
                box = boxes.get(measure)
                records.append({
                    **line_fields,
                    "line_no": screen.integer(row.get("line_no"), f"{table_key}: 行次", line=line, table=table_key),
                    "measure": measure, "amount": amount, "printed": printed.get(measure),
                    **(_bbox(box) if box else _NO_BOX)})
    return records


def _prose_records(extraction: Extraction, screen: Screen) -> list[dict]:
    records = []
    for fact in extraction.prose:
        line, where = fact.source_line, f"prose: {fact.subject}"
        if not (screen.amount_ok(fact.value, fact.unit) and screen.amount_ok(fact.value_wan)):
            screen.amount(fact.value, where, fact.value_text, line, unit=fact.unit)
            continue
        records.append(
            {"sha256": extraction.sha256, "fact_index": len(records), "subject": fact.subject,
             "amount": screen.amount(fact.value, where, fact.value_text, line, unit=fact.unit), "unit": fact.unit,
             "amount_wan": screen.amount(fact.value_wan, where, fact.value_text, line), "printed": fact.value_text,
             "source_line": line, "sentence": fact.sentence,
             "share_pct": screen.rate(fact.share_pct, f"{where} share", fact.share_text, line),
             "share_base": fact.share_base, "share_printed": fact.share_text, "change_direction": fact.change_direction,
             "change_delta": screen.amount(fact.change_delta, f"{where} change", fact.change_text, line),
             "change_pct": screen.rate(fact.change_pct, f"{where} change", fact.change_text, line),
             "change_pct_direction": fact.change_pct_direction, "change_printed": fact.change_text,
             "budget": screen.amount(fact.budget, f"{where} budget", fact.budget_text, line),
             "budget_pct": screen.rate(fact.budget_pct, f"{where} budget", fact.budget_text, line),
             "budget_printed": fact.budget_text, "context": fact.context, "is_change": fact.is_change,
             "page": fact.page, "printed_text": fact.printed_text, **_bbox(fact.bbox)})
    return records


def _metric_records(extraction: Extraction, screen: Screen) -> list[dict]:
    records = []
    for metric in extraction.metrics:
        value = screen.amount(metric.value, f"metric: {metric.label}", metric.printed, metric.source_line)
        if value is not None:
            records.append({"sha256": extraction.sha256, "metric_index": len(records), "label": metric.label,
                            "value": value, "unit": metric.unit, "printed": metric.printed,
                            "source_line": metric.source_line})
    return records


def _performance_records(extraction: Extraction, screen: Screen) -> tuple[list[dict], list[dict], list[dict]]:
    """Project forms, their indicators, and the department-wide result of one document."""
    sha = extraction.sha256
    projects, indicators, department = [], [], []
    for p_index, form in enumerate(extraction.projects):
        line, where = form.source_line, f"project form {form.project_name}"
        def amount(value, what, where=where, line=line):
            return screen.amount(value, f"{where}: {what}", value, line)

        def rate(value, what, where=where, line=line):
            return screen.rate(value, f"{where}: {what}", value, line)

        projects.append({
            "sha256": sha, "project_index": p_index, "project_name": form.project_name,
            "supervising_department": form.supervising_department, "implementing_unit": form.implementing_unit,
            "budget_initial": amount(form.budget_initial, "年初预算数"), "budget": amount(form.budget, "全年预算数"),
            "executed": amount(form.executed, "执行数"),
            "execution_weight": rate(form.execution_weight, "分值"), "execution_rate": rate(form.execution_rate, "执行率"),
            "execution_score": rate(form.execution_score, "得分"), "goal_expected": form.goal_expected,
            "goal_achieved": form.goal_achieved, "total_weight": rate(form.total_weight, "总分值"),
            "total_score": rate(form.total_score, "总分"), "source_line": line,
        })
        for i_index, item in enumerate(form.indicators):
            at = f"{where}: indicator {item.name}"
            indicators.append({
                "sha256": sha, "project_index": p_index, "indicator_index": i_index, "level1": item.level1,
                "level2": item.level2, "indicator_name": item.name, "target_text": item.target_text,
                "target_comparator": item.target_comparator,
                "target_value": screen.amount(item.target_value, at, item.target_text, item.source_line),
                "target_unit": item.target_unit, "actual_text": item.actual_text,
                "actual_value": screen.amount(item.actual_value, at, item.actual_text, item.source_line),
                "actual_unit": item.actual_unit,
                "weight": screen.rate(item.weight, f"{at} 分值", item.weight, item.source_line),
                "score": screen.rate(item.score, f"{at} 得分", item.score, item.source_line),
                "deviation": item.deviation, "source_line": item.source_line,
            })
    result = extraction.department
    if result is not None and (result.score is not None or result.budget is not None
                               or result.total_expenditure is not None):
        line = result.score_line or result.total_expenditure_line
        where, at = "department result", result.budget_line or line
        department.append({
            "sha256": sha, "score": screen.rate(result.score, f"{where}: score", result.score, result.score_line),
            "grade": result.grade, "budget": screen.amount(result.budget, f"{where}: budget", result.budget, at),
            "executed": screen.amount(result.executed, f"{where}: executed", result.executed, at),
            "execution_rate": screen.rate(result.execution_rate, f"{where}: execution rate", result.execution_rate,
                                          at),
            "total_expenditure": screen.amount(result.total_expenditure, f"{where}: spending",
                                               result.total_expenditure_printed, result.total_expenditure_line),
            "total_expenditure_printed": result.total_expenditure_printed,
            "staffing_authorized": screen.integer(result.staffing.get("编制数"), f"{where}: 编制数", line=line),
            "staffing_actual": screen.integer(result.staffing.get("实有人数"), f"{where}: 实有人数", line=line),
            "source_line": line,
        })
    return projects, indicators, department


def duplicates_of(extractions: list[Extraction], kept: dict[str, str] | None = None) -> dict[Path, Path]:
    """Files whose content (sha256) repeats an earlier file's (or a kept document's): file → the file loaded."""
    return repeated_files([(e.path, e.sha256) for e in extractions], kept)


def repeated_files(files: list[tuple[Path, str | None]], kept: dict[str, str] | None = None) -> dict[Path, Path]:
    """Of (path, sha256) pairs, those whose content repeats an earlier path's (or a kept document's): → that file."""
    first: dict[str, Path] = {sha: Path(name) for sha, name in (kept or {}).items()}
    repeats: dict[Path, Path] = {}
    for path, sha in sorted(files, key=lambda pair: str(pair[0])):
        if sha is None:
            continue  # not read at all: nothing to compare
        if sha in first:
            repeats[Path(path)] = first[sha]
        else:
            first[sha] = Path(path)
    return repeats


SCHEMAS = {
    "raw.documents": DOCUMENTS, "raw.document_tables": DOCUMENT_TABLES, "raw.table_rows": TABLE_ROWS,
    "raw.prose_facts": PROSE_FACTS, "raw.performance_projects": PERFORMANCE_PROJECTS,
    "raw.performance_indicators": PERFORMANCE_INDICATORS, "raw.performance_department": PERFORMANCE_DEPARTMENT,
    "raw.prose_metrics": PROSE_METRICS, "raw.document_statements": DOCUMENT_STATEMENTS,
}


def _error(extraction: Extraction, run_id: str, now, severity: str, code: str, message: str, loaded: bool,
           line: int | None = None, table: str | None = None) -> dict:
    return {"file": printable(extraction.path.name), "sha256": extraction.sha256, "severity": severity,
            "error_code": code, "message": printable(message), "source_line": line, "table_key": table,
            "loaded": loaded, "run_id": run_id, "recorded_at": now}


def _document_batches(extraction: Extraction, run_id: str, now) -> tuple[dict[str, pa.Table], Screen]:
    """One document's rows as Arrow tables, its figures screened; raises when they cannot be typed."""
    doc, screen = extraction.document, Screen()
    documents = [{**{k: doc[k] for k in ("sha256", "kind", "agency", "fiscal_year", "unit", "source_format",
                                         "pages", "lines", "bytes", "extractor_version")},
                  "file": printable(doc["file"]), "source_file": printable(doc.get("source_file")), "run_id": run_id,
                  "loaded_at": now}]
    document_tables = [{
        "sha256": extraction.sha256, "table_key": key, "title": table["title"], "present": table["present"],
        "empty": table.get("empty"), "declared_empty": table.get("declared_empty"), "unit": table.get("unit"),
        "source_line": table.get("source_line"), "page": table.get("page"), "row_count": len(table["rows"]),
    } for key, table in extraction.tables.items()]
    projects, indicators, department = _performance_records(extraction, screen)
    records = {
        "raw.documents": documents, "raw.document_tables": document_tables,
        "raw.table_rows": _row_records(extraction, screen), "raw.prose_facts": _prose_records(extraction, screen),
        "raw.performance_projects": projects, "raw.performance_indicators": indicators,
        "raw.performance_department": department, "raw.prose_metrics": _metric_records(extraction, screen),
        "raw.document_statements": [
            {"sha256": extraction.sha256, "statement_index": i, "kind": st.kind, "printed_text": st.printed_text,
             "page": st.page, "source_line": st.source_line, **_bbox(st.bbox), "year": st.year, "agency": st.agency,
             "table_key": st.table_key, "word": st.word,
             "left_value": screen.amount(st.left, "comparison: budget", st.left, st.source_line),
             "right_value": screen.amount(st.right, "comparison: final", st.right, st.source_line)}
            for i, st in enumerate(extraction.statements)],
    }
    return {table: pa.Table.from_pylist(rows, SCHEMAS[table]) if rows else _EMPTY[table]
            for table, rows in records.items()}, screen


def document_tables(extraction: Extraction, run_id: str, now, duplicate_of: Path | None = None
                    ) -> tuple[dict[str, pa.Table], bool]:
    """One document's rows for every raw table, raw.load_errors included, and whether it loads. Its rows are typed
    on their own: a document whose rows cannot be loaded is listed in raw.load_errors, never raises."""
    loaded = extraction.document is not None and not extraction.fatal and duplicate_of is None
    batches, screen, errors = {}, None, []
    if loaded:
        try:
            batches, screen = _document_batches(extraction, run_id, now)
        except Exception as exc:  # noqa: BLE001 - whatever it is, it stops this document only
            loaded, batches = False, {}
            errors.append(_error(extraction, run_id, now, "error", "load_failed",
                                 f"the document's rows could not be loaded ({type(exc).__name__}: {exc}); "
                                 "its figures are not in the warehouse", False))
    for problem in extraction.problems:
        errors.append(_error(extraction, run_id, now, problem.severity, problem.code, problem.message, loaded,
                             problem.line, problem.table))
    if duplicate_of is not None:
        errors.append(_error(extraction, run_id, now, "warning", "duplicate_file",
                             f"same content as {duplicate_of.name}; loaded once, from that file", False))
    if loaded:
        for where, printed, value, line, table in screen.misreadings:
            shown = f"printed {printed!r}" if printed is not None else f"read as {value}"
            if printed is not None and printed != value:
                shown += f", read as {value}"
            errors.append(_error(extraction, run_id, now, "error", "implausible_figure",
                                 f"{where}: {shown}: more integer digits than any budget has (a figure of "
                                 f"{AMOUNT_BOUND_WAN:,.0f} 万元 or more); a misreading, not loaded", True, line, table))
    batches["raw.load_errors"] = pa.Table.from_pylist(errors, LOAD_ERRORS) if errors else _EMPTY["raw.load_errors"]
    return batches, loaded


# Every raw table a load writes, raw.load_errors included, with its Arrow schema.
RAW_TABLES = {**SCHEMAS, "raw.load_errors": LOAD_ERRORS}
_EMPTY = {table: schema.empty_table() for table, schema in RAW_TABLES.items()}  # Arrow tables are immutable


def load_extractions(
    warehouse: Path, extractions: list[Extraction], run_id: str, kept: dict[str, str] | None = None
) -> LoadSummary:
    """Make the raw schema hold exactly the kept documents (sha256 → file, already loaded) and this run's
    extractions, in one transaction: rows of changed or removed files leave, new rows arrive. Each document is
    typed on its own: one whose rows cannot be loaded is listed in raw.load_errors and the others load."""
    kept = kept or {}
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    repeats = duplicates_of(extractions, kept)
    parts: dict[str, list[pa.Table]] = {table: [] for table in RAW_TABLES}
    failed: list[str] = []
    for extraction in extractions:
        tables, loaded = document_tables(extraction, run_id, now, repeats.get(extraction.path))
        if not loaded and extraction.path not in repeats:
            failed.append(printable(extraction.path.name))
        for table, batch in tables.items():
            parts[table].append(batch)
    batches = {table: pa.concat_tables(tables) if tables else RAW_TABLES[table].empty_table()
               for table, tables in parts.items()}

    def insert(con: duckdb.DuckDBPyConnection, table: str) -> None:
        con.register("batch", batches[table])
        con.execute(f"insert into {table} by name select * from batch")
        con.unregister("batch")

    return replace_raw(warehouse, kept, insert, failed)


def load_staged(warehouse: Path, staging: Path, kept: dict[str, str], failed: list[str]) -> LoadSummary:
    """Like load_extractions, from the Parquet batches the extraction staged (staging/<table>/*.parquet):
    DuckDB streams them in, so no process holds more than a batch."""

    # One load time for the run's documents: each batch stamped its own start, so which of two readings of one
    # report ranked as current (the later loaded) depended on which batch a worker happened to start first.
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def insert(con: duckdb.DuckDBPyConnection, table: str) -> None:
        folder = staging / table
        if not (folder.is_dir() and any(folder.glob("*.parquet"))):
            return
        batches = str(folder / "*.parquet")
        if table == "raw.documents":
            con.execute("insert into raw.documents by name select * replace (cast(? as timestamp) as loaded_at) "
                        "from read_parquet(?)", [loaded_at, batches])
        else:
            con.execute(f"insert into {table} by name select * from read_parquet(?)", [batches])

    return replace_raw(warehouse, kept, insert, failed)


def replace_raw(warehouse: Path, kept: dict[str, str], insert, failed: list[str]) -> LoadSummary:
    """In one transaction: delete every row not of a kept document, then insert(con, table) into each raw table."""
    keep = pa.table({"sha256": pa.array(sorted(kept), pa.string())})
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with connect(warehouse) as con:
        con.execute(DDL)
        con.execute("create or replace table raw.schema_info as select ? as version", [RAW_SCHEMA_VERSION])
        con.register("keep", keep)
        con.execute("begin transaction")
        try:
            for table in RAW_TABLES:
                # Errors of files that failed to load carry no kept sha256: they go, and are found again.
                con.execute(f"delete from {table} where sha256 is null or sha256 not in (select sha256 from keep)")
                insert(con, table)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        counts = con.execute("""select (select count(*) from raw.documents), (select count(*) from raw.table_rows),
                                   (select count(*) from raw.load_errors where severity = 'error'),
                                   (select count(*) from raw.load_errors where severity = 'warning')""").fetchone()
    return LoadSummary(documents=counts[0], table_rows=counts[1], failed_files=failed, errors=counts[2],
                       warnings=counts[3])
