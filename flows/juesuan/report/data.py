"""What the report shows, read from the warehouse: agencies, documents with their verdicts, findings and tables."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import duckdb
from pypinyin import Style, lazy_pinyin

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
    checks: dict[str, list[dict]]            # document_id → dq_results rows
    tables: dict[str, list[dict]]            # document_id → raw.document_tables rows
    table_rows: dict[tuple[str, str], list[dict]] = field(default_factory=dict)  # (document_id, table_key) → rows
    not_loaded: list[dict] = field(default_factory=list)
    load_notes: dict[str, list[dict]] = field(default_factory=dict)  # document_id → warnings from reading it


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


def _pivot_rows(rows: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """raw.table_rows (one row per measure) → one row per printed line with its measures side by side."""
    out: dict[tuple[str, str], dict[int, dict]] = defaultdict(dict)
    for r in rows:
        line = out[(r["sha256"], r["table_key"])].setdefault(r["row_index"], {
            "code": r["code"], "name": r["name"], "side": r["side"], "page": r["page"],
            "source_line": r["source_line"], "measures": {}})
        line["measures"][r["measure"]] = r["amount"] if r["amount"] is not None else r["printed"]
    return {key: [lines[i] for i in sorted(lines)] for key, lines in out.items()}


def read_report_data(con: duckdb.DuckDBPyConnection) -> ReportData:
    """Read every table the report needs in one pass."""
    agencies = sorted(_records(con, "select * from dim_agency"), key=lambda a: pinyin_key(a["agency_name"]))
    # document_id is the sha256 of the file's bytes, the raw layer's key.
    documents = _records(con, "select * from dim_document order by fiscal_year desc nulls last, file_name")
    checks = _group(_records(con, "select * from dq_results order by rule_id, table_key"), "document_id") \
        if _exists(con, "dq_results") else {}
    for rows_of_document in checks.values():
        for check in rows_of_document:
            for column in OPTIONAL_CHECK_COLUMNS:  # the provenance columns, where this warehouse has them
                check.setdefault(column, None)
    for doc in documents:
        outcomes = {c["outcome"] for c in checks.get(doc["document_id"], [])}
        doc["verdict"] = verdict(outcomes)
        doc["verdict_class"] = VERDICT_CLASSES[doc["verdict"]]
        doc["kind_label"] = KIND_LABELS.get(doc["document_kind"], doc["document_kind"])
        counts = defaultdict(int)
        for c in checks.get(doc["document_id"], []):
            counts[c["outcome"]] += 1
        doc["counts"] = dict(counts)
        doc["checks_run"] = sum(counts.values())
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
    shas = [d["document_id"] for d in documents]
    rows = _records(con, "select * from raw.table_rows where sha256 in (select unnest(?::varchar[])) "
                         "order by sha256, table_key, row_index", [shas]) if shas else []
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
        checks=checks,
        tables=_group(_records(con, "select * from raw.document_tables order by sha256, coalesce(page, 0), "
                                    "source_line"), "sha256"),
        table_rows=_pivot_rows(rows),
        not_loaded=_records(con, "select file, error_code, message, severity from raw.load_errors where not loaded "
                                 "order by file"),
        load_notes=_group(_records(con, "select sha256, severity, error_code, message, source_line, table_key "
                                        "from raw.load_errors where loaded and sha256 is not null "
                                        "order by sha256, source_line nulls first"), "sha256"),
    )

