"""`juesuan status`: the last runs, documents by outcome, findings by severity."""

from __future__ import annotations

from pathlib import Path

from .query import connect_locked, format_result


def status_text(warehouse: Path, last_runs: int = 5) -> str:
    """A few small tables about the published warehouse."""
    con = connect_locked(warehouse)
    try:
        sections = []
        for title, sql in (
            ("last runs", f"""select run_id, strftime(finished_at, '%Y-%m-%d %H:%M:%S') as finished, status, files,
                                     extracted, reused, documents, failed_files, checks_failed
                              from meta.runs order by finished_at desc limit {int(last_runs)}"""),
            ("documents by outcome", """
                select case when failures > 0 then 'findings' when checks_run = 0 then 'no checks apply'
                            else 'adds up' end as outcome, count(*) as documents
                from dq_document_summary group by 1 order by 1"""),
            ("files not loaded", """select file, error_code, message from raw.load_errors where not loaded
                                    order by file"""),
            ("findings by severity", """select severity, family, count(*) as failing_checks from dq_results
                                        where outcome = 'fail' group by all order by 1, 2"""),
        ):
            result = con.execute(sql)
            columns = [d[0] for d in result.description]
            sections.append(f"{title}\n{format_result(columns, result.fetchall(), 'table')}")
        return "\n".join(sections)
    finally:
        con.close()
