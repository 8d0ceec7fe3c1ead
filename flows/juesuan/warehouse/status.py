"""`juesuan status`: the last runs, documents by outcome, files not loaded, findings by severity."""

from __future__ import annotations

from pathlib import Path

import duckdb

from .query import QueryError, connect_locked, format_result


def _has_column(con, table: str, column: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.columns where table_name = ? "
                            "and column_name = ?", [table, column]).fetchall()[0][0])


def _sections(con, last_runs: int) -> list[tuple[str, str]]:
    # A check the extraction may have misread (suspect_extraction) is not a finding against the document.
    suspect = "suspect_extraction" if _has_column(con, "dq_document_summary", "suspect_extraction") else "0"
    return [
        ("last runs", f"""select run_id, strftime(finished_at, '%Y-%m-%d %H:%M:%S') as finished, status, files,
                                 extracted, reused, documents, failed_files, checks_failed
                          from meta.runs order by finished_at desc limit {int(last_runs)}"""),
        ("documents by outcome", f"""
            select case when failures > 0 then 'findings' when {suspect} > 0 then 'suspect extraction'
                        when checks_run = 0 then 'no checks apply' else 'adds up' end as outcome,
                   count(*) as documents
            from dq_document_summary group by 1 order by 1"""),
        ("files not loaded", """select file, error_code, message from raw.load_errors where not loaded
                                order by file"""),
        ("findings by severity", """select severity, family, count(*) as failing_checks from dq_results
                                    where outcome = 'fail' group by all order by 1, 2"""),
    ]


def _rows(con, sql: str) -> tuple[list[str], list[tuple]]:
    result = con.execute(sql)
    return [d[0] for d in result.description], result.fetchall()


def status_data(warehouse: Path, last_runs: int = 5) -> dict[str, list[dict]]:
    """Each section of the status as a list of records (for --json), plus the named documents with findings."""
    con = connect_locked(warehouse)
    try:
        out = {}
        for title, sql in _sections(con, last_runs):
            columns, rows = _rows(con, sql)
            out[title.replace(" ", "_")] = [dict(zip(columns, row, strict=True)) for row in rows]
        out["documents_with_findings"] = _flagged_documents(con)
        return out
    except duckdb.Error as exc:
        raise QueryError(str(exc)) from exc
    finally:
        con.close()


def status_text(warehouse: Path, last_runs: int = 5) -> str:
    """A few small tables about the published warehouse."""
    con = connect_locked(warehouse)
    try:
        sections = []
        for title, sql in _sections(con, last_runs):
            columns, rows = _rows(con, sql)
            sections.append(f"{title}\n{format_result(columns, rows, 'table')}")
        flagged = _flagged_documents(con)
        if flagged:
            columns = list(flagged[0])
            sections.append("documents with findings\n" + format_result(
                columns, [tuple(d.values()) for d in flagged], "table"))
        return "\n".join(sections)
    except duckdb.Error as exc:
        raise QueryError(str(exc)) from exc
    finally:
        con.close()


def _flagged_documents(con) -> list[dict]:
    suspect = "suspect_extraction" if _has_column(con, "dq_document_summary", "suspect_extraction") else "0"
    columns, rows = _rows(con, f"""
        select file_name, agency_name, fiscal_year, failures, {suspect} as suspect_extraction
        from dq_document_summary where failures > 0 or {suspect} > 0 order by file_name""")
    return [dict(zip(columns, row, strict=True)) for row in rows]


def run_outcomes(warehouse: Path) -> dict[str, list[dict]]:
    """The documents with findings and the files not loaded, from the published warehouse (empty if none)."""
    try:
        con = connect_locked(warehouse)
    except QueryError:
        return {"documents_with_findings": [], "files_not_loaded": []}
    try:
        columns, rows = _rows(con, "select file, error_code, message from raw.load_errors where not loaded "
                                   "order by file, error_code")
        return {"documents_with_findings": _flagged_documents(con),
                "files_not_loaded": [dict(zip(columns, row, strict=True)) for row in rows]}
    finally:
        con.close()
