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


def _records(con, sql: str) -> list[dict]:
    return con.sql(sql).to_arrow_table().to_pylist()


# The check models dbt builds in the warehouse (dbt_project/models/quality/), set-based over every document.
SQL_CHECK_MODELS = ("quality.chk_table_rules", "quality.chk_document_rules", "quality.chk_prose_rules",
                    "quality.chk_performance_rules")


# The columns of a check row (dq_results without run, family and severity).
CHECK_COLUMNS = ("rule_id", "document_id", "file_name", "agency_name", "fiscal_year", "table_key", "row_code",
                 "row_name", "column_name", "expected", "actual", "difference", "tolerance", "outcome", "source_line",
                 "detail", "page", "printed_text", "bbox_x0", "bbox_top", "bbox_x1", "bbox_bottom", "source_file")


def run_checks(con: duckdb.DuckDBPyConnection, only: Collection[str] | None = None) -> list[dict]:
    """Every check row of the SQL check models (of the documents of `only`, else of all), with each rule's family
    and severity from the catalog."""
    catalog = rules()
    out = []
    if only is not None:
        con.register("checked", pa.table({"document_id": pa.array(sorted(only), pa.string())}))
    within = "where document_id in (select document_id from checked)" if only is not None else ""
    for model in SQL_CHECK_MODELS:
        for row in _records(con, f"select {', '.join(CHECK_COLUMNS)} from {model} {within} "
                                    "order by document_id, rule_id, source_line"):
            rule = catalog[row["rule_id"]]
            out.append({**row, "family": rule.family, "severity": rule.severity})
    if only is not None:
        con.unregister("checked")
    return out
