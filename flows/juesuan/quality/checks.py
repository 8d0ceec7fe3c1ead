"""The consistency checks of the rule catalog over the warehouse: one row per comparison.

Every rule is computed set-based in SQL by the dbt models of dbt_project/models/quality/ (they appear in the
lineage). Each check compares an expected value (what the parts, or another table, say) with the printed actual
value; its outcome is pass (equal), rounding (within the tolerance printed figures allow), fail (the publisher's
error) or suspect_extraction (a failure on figures extraction was unsure of).
"""

from __future__ import annotations

from collections.abc import Collection

import duckdb
import pyarrow as pa

from .catalog import rules

# The check models dbt builds in the warehouse (dbt_project/models/quality/), set-based over every document.
SQL_CHECK_MODELS = ("quality.chk_table_rules", "quality.chk_document_rules", "quality.chk_prose_rules",
                    "quality.chk_performance_rules")


# The columns of a check row (dq_results without run, family and severity).
CHECK_COLUMNS = ("rule_id", "document_id", "file_name", "agency_name", "fiscal_year", "table_key", "row_code",
                 "row_name", "column_name", "expected", "actual", "difference", "tolerance", "outcome", "source_line",
                 "detail", "page", "printed_text", "bbox_x0", "bbox_top", "bbox_x1", "bbox_bottom", "source_file")


def register_catalog(con: duckdb.DuckDBPyConnection) -> None:
    """The rule catalog (rule_id, family, severity) as the view `rule_catalog` of this connection."""
    catalog = rules()
    con.register("rule_catalog", pa.table({
        "rule_id": pa.array(list(catalog), pa.string()),
        "family": pa.array([r.family for r in catalog.values()], pa.string()),
        "severity": pa.array([r.severity for r in catalog.values()], pa.string())}))


def check_models_sql(within: str = "") -> str:
    """SQL of every check model's rows, each with its model's place in SQL_CHECK_MODELS (`model_order`), limited by
    the `where` clause `within` when given."""
    columns = ", ".join(CHECK_COLUMNS)
    return " union all ".join(f"select {order} as model_order, {columns} from {model} {within}"
                              for order, model in enumerate(SQL_CHECK_MODELS))


def unknown_rules(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Raise KeyError naming the rules of `table`'s rows (a table or view of this connection, or a registered Arrow
    table) that the catalog does not list: their family, joined from it, is null."""
    unknown = [rule for (rule,) in con.sql(f"select distinct rule_id from {table} where family is null order by 1"
                                           ).fetchall()]
    if unknown:
        raise KeyError(f"rules not in expectations/rules.yml: {unknown}")


def check_rows(con: duckdb.DuckDBPyConnection, only: Collection[str] | None = None) -> pa.Table:
    """Every check row of the SQL check models (of the documents of `only`, else of all), with each rule's family
    and severity from the catalog, as one Arrow table: for one document or a few (a whole warehouse's checks are
    written by quality.validate within the warehouse, never read out at once)."""
    register_catalog(con)
    if only is not None:
        con.register("checked", pa.table({"document_id": pa.array(sorted(only), pa.string())}))
    within = "where document_id in (select document_id from checked)" if only is not None else ""
    table = con.sql(f"""select checks.* exclude (model_order), rule_catalog.family, rule_catalog.severity
                        from ({check_models_sql(within)}) as checks left join rule_catalog using (rule_id)
                        order by model_order, document_id, rule_id, source_line""").to_arrow_table()
    con.unregister("rule_catalog")
    if only is not None:
        con.unregister("checked")
    con.register("check_rows_read", table)
    try:
        unknown_rules(con, "check_rows_read")
    finally:
        con.unregister("check_rows_read")
    return table


def run_checks(con: duckdb.DuckDBPyConnection, only: Collection[str] | None = None) -> list[dict]:
    """Every check row of the SQL check models (of the documents of `only`, else of all) as dicts, with each
    rule's family and severity: for one document, or a few."""
    return check_rows(con, only).to_pylist()
