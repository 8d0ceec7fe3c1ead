"""What the report shows, read from the warehouse: agencies, documents with their verdicts, findings and tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import duckdb
from pypinyin import Style, lazy_pinyin

from ..warehouse.stream import Follow, grouped

KIND_LABELS = {
    "final_accounts": "部门决算",
    "budget": "部门预算",
    "dept_self_evaluation": "部门整体绩效自评",
    "project_self_evaluation": "项目绩效自评",
}
ADMIN_LEVELS = {"province": "省级", "city": "市级", "county": "县级", "district": "区级", "unknown": "未登记"}
# The verdict of a document from the outcomes of its checks, most serious first.
VERDICTS = {"fail": "有问题", "suspect_extraction": "疑似识别错误", "pass": "通过", "none": "无适用检查"}
OPTIONAL_CHECK_COLUMNS = ("page", "printed_text", "source_file", "detail")
VERDICT_CLASSES = {"有问题": "fail", "疑似识别错误": "suspect", "通过": "pass", "无适用检查": "none"}


def pinyin_key(name: str) -> tuple:
    """Sort key: the name's pinyin (tone-less), then the name itself for ties."""
    return (" ".join(lazy_pinyin(name or "", style=Style.NORMAL)).lower(), name or "")


def verdict(outcomes: set[str]) -> str:
    """通过 when every check passes or rounds; 有问题 on any failure; 疑似识别错误 when a check doubts the reading."""
    if "fail" in outcomes:
        return VERDICTS["fail"]
    if "suspect_extraction" in outcomes:
        return VERDICTS["suspect_extraction"]
    if outcomes:
        return VERDICTS["pass"]
    return VERDICTS["none"]


@dataclass
class ReportData:
    """Everything the pages are rendered from, grouped for the templates."""

    agencies: list[dict]
    documents: list[dict]
    documents_by_agency: dict[str, list[dict]]
    overview: dict[str, list[dict]]          # agency_id → years of mart_agency_year_overview
    classes: dict[str, list[dict]]           # agency_id → rows of mart_function_class_trend
    performance: dict[str, list[dict]]       # agency_id → years of fct_department_performance
    projects: dict[str, list[dict]]          # agency_id → project self-evaluations
    budget_vs_final: dict[str, list[dict]] | None  # agency_id → rows; None when the mart is not in the warehouse
    not_loaded: list[dict] = field(default_factory=list)


@dataclass
class DocumentDetails:
    """What one document's page shows besides its summary: read a document at a time, never all at once."""

    checks: list[dict]                       # its dq_results rows that did not pass
    tables: list[dict]                       # its raw.document_tables rows
    rows: dict[str, list[dict]]              # table_key → printed lines with their measures
    notes: list[dict]                        # warnings from reading it


def _records(con, sql: str, params=None) -> list[dict]:
    return con.sql(sql, params=params).to_arrow_table().to_pylist()


def _exists(con, name: str) -> bool:
    return bool(con.sql("select count(*) from information_schema.tables where table_name = ?",
                        params=[name]).fetchall()[0][0])


def _group(rows: list[dict], key: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        out[row[key]].append(row)
    return out


def _pivot_rows(rows: list[tuple]) -> dict[str, list[dict]]:
    """One document's raw.table_rows (one row per measure, as tuples of _ROW_COLUMNS) →
    table_key → one row per printed line with its measures side by side."""
    out: dict[str, dict[int, dict]] = defaultdict(dict)
    for _, table_key, row_index, code, name, side, page, source_line, measure, amount, printed in rows:
        lines = out[table_key]
        line = lines.get(row_index)
        if line is None:
            line = lines[row_index] = {"code": code, "name": name, "side": side, "page": page,
                                       "source_line": source_line, "measures": {}}
        line["measures"][measure] = amount if amount is not None else printed
    return {key: [lines[i] for i in sorted(lines)] for key, lines in out.items()}


def read_report_data(con: duckdb.DuckDBPyConnection) -> ReportData:
    """Read every table the report needs in one pass."""
    agencies = sorted(_records(con, "select * from dim_agency"), key=lambda a: pinyin_key(a["agency_name"]))
    # document_id is the sha256 of the file's bytes, the raw layer's key.
    documents = _records(con, "select * exclude (loaded_at) from dim_document "
                              "order by fiscal_year desc nulls last, file_name")
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    if _exists(con, "dq_results"):
        for row in _records(con, "select document_id, outcome, count(*) as n from dq_results group by all"):
            counts[row["document_id"]][row["outcome"]] = row["n"]
    for doc in documents:
        doc["counts"] = counts.get(doc["document_id"], {})
        doc["verdict"] = verdict(set(doc["counts"]))
        doc["verdict_class"] = VERDICT_CLASSES[doc["verdict"]]
        doc["kind_label"] = KIND_LABELS.get(doc["document_kind"], doc["document_kind"])
        doc["checks_run"] = sum(doc["counts"].values())
    by_agency = _group(documents, "agency_id")
    for agency in agencies:
        docs = by_agency.get(agency["agency_id"], [])
        agency["region"] = " · ".join(x for x in (agency["province"], agency["city"], agency["county"],
                                                  agency["district"]) if x)
        agency["level_label"] = ADMIN_LEVELS.get(agency["admin_level"], agency["admin_level"])
        agency["kinds"] = sorted({d["document_kind"] for d in docs})
        agency["years"] = sorted({d["fiscal_year"] for d in docs if d["fiscal_year"]})
        agency["pinyin"] = pinyin_key(agency["agency_name"])[0]
        agency["verdicts"] = {v: sum(1 for d in docs if d["verdict"] == v) for v in VERDICTS.values()}
    budget_vs_final = None
    if _exists(con, "mart_budget_vs_final_by_function"):
        budget_vs_final = _group(_records(con, """
            select m.*, a.agency_id as _agency_id from mart_budget_vs_final_by_function m
            left join dim_agency a on m.agency in (a.agency_name, a.agency_id)
            order by fiscal_year, function_code"""), "_agency_id")
    return ReportData(
        agencies=agencies,
        documents=documents,
        documents_by_agency=by_agency,
        overview=_group(_records(con, "select * from mart_agency_year_overview order by fiscal_year"), "agency_id"),
        classes=_group(_records(con, "select * from mart_function_class_trend order by fiscal_year, class_code"),
                       "agency_id"),
        performance=_group(_records(con, "select * from fct_department_performance order by fiscal_year"),
                           "agency_id") if _exists(con, "fct_department_performance") else {},
        projects=_group(_records(con, """
            select * from fct_project_performance order by fiscal_year, project_name"""), "agency_id") if _exists(con, "fct_project_performance") else {},
        budget_vs_final=budget_vs_final,
        not_loaded=_records(con, "select file, error_code, message, severity from raw.load_errors where not loaded "
                                 "order by file"),
    )


# A printed figure as _pivot_rows reads it: the columns of the "rows" source below, read as tuples in this order.
_ROW_COLUMNS = ("sha256", "table_key", "row_index", "code", "name", "side", "page", "source_line", "measure", "amount",
                "printed")
# What a document's page shows besides its summary, source by source: (query, the document's key column). A page
# shows none of the run ids and load times, which change with every run: they are left out, so a page whose content
# would not change is copied from the published report (html._Pages). Of the checks, a page lists those that did
# not pass (the passes, nine in ten of the rows, are counted in its summary); of the printed lines, what it prints.
_DETAIL_SOURCES = {
    "checks": ("select * exclude (run_id) from dq_results where outcome <> 'pass'", "document_id"),
    "tables": ("select * from raw.document_tables", "sha256"),
    "rows": (f"select {', '.join(_ROW_COLUMNS)} from raw.table_rows", "sha256"),
    "notes": ("select sha256, severity, error_code, message, source_line, table_key from raw.load_errors "
              "where loaded and sha256 is not null", "sha256"),
}
# Documents whose details are read at once: each chunk's rows are sorted by the warehouse and streamed from it, so
# its memory follows the chunk, not the warehouse (a chunk scans each source once: a few tenths of a second at 10,000
# documents).
DETAIL_CHUNK = 500
_DETAIL_ORDER = {
    "checks": "document_id, rule_id, table_key, source_line, column_name, row_code, row_name, expected, actual, detail",
    "tables": "sha256, coalesce(page, 0), source_line nulls last, table_key",
    "rows": "sha256, table_key, row_index",
    "notes": "sha256, source_line nulls first, table_key nulls first, error_code, message, severity",
}


def _sources(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    return {name: source for name, source in _DETAIL_SOURCES.items() if name != "checks" or _exists(con, "dq_results")}


def detail_digests(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """document_id → a digest of everything document_details gives for it, computed in the warehouse without
    reading the rows out: a page whose digest did not change need not be read or rendered again."""
    digests: dict[str, list[str]] = defaultdict(list)
    for name, (sql, key) in _sources(con).items():
        # A sum of row hashes: independent of the rows' order, and a repeated row still counts.
        for document_id, count, total in con.sql(
                f"select {key}, count(*), sum(hash(t))::varchar from ({sql}) t group by {key}").fetchall():
            digests[document_id].append(f"{name}:{count}:{total}")
    return {document_id: " ".join(sorted(parts)) for document_id, parts in digests.items()}


def document_details(con: duckdb.DuckDBPyConnection, document_ids: list[str]) -> Iterator[tuple[str, DocumentDetails]]:
    """Each document's checks, tables, printed lines and reading notes, for `document_ids` in sorted order: the
    sources are read for DETAIL_CHUNK documents at a time, each in order, so memory holds a chunk's rows (and the
    warehouse sorts no more) whatever the warehouse's size."""
    wanted = sorted(document_ids)
    sources = _sources(con)
    empty = Follow(iter(()))
    for start in range(0, len(wanted), DETAIL_CHUNK):
        chunk = wanted[start:start + DETAIL_CHUNK]
        streams = {name: Follow(grouped(con, f"select * from ({sql}) where {key} in (select unnest($ids)) "
                                             f"order by {_DETAIL_ORDER[name]}", key, {"ids": chunk},
                                        tuples=name == "rows"))
                   for name, (sql, key) in sources.items()}
        checks, tables, rows, notes = (streams.get(name, empty) for name in ("checks", "tables", "rows", "notes"))
        for document_id in chunk:
            its_checks = checks.take(document_id)
            for check in its_checks:
                for column in OPTIONAL_CHECK_COLUMNS:  # the provenance columns, where this warehouse has them
                    check.setdefault(column, None)
            yield document_id, DocumentDetails(its_checks, tables.take(document_id),
                                               _pivot_rows(rows.take(document_id)), notes.take(document_id))
