"""One document checked now: extracted, loaded into a scratch DuckDB, its consistency checks run, the verdict given.

No warehouse is built or touched, no Prefect, no dbt, no Great Expectations: the raw rows go through the same
loader, the same staging/intermediate model SQL and the same check models (rendered without dbt) as a full run.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# The check models (quality/checks.py SQL_CHECK_MODELS); each brings the models and seeds it refs.
CHECKED_MODELS = ["chk_table_rules", "chk_document_rules", "chk_prose_rules", "chk_performance_rules"]


class UnusableDocument(Exception):
    """The file cannot be checked (unreadable, not a report, no agency or year); the message says why."""


@dataclass
class Verdict:
    """What checking one document found."""

    file: str
    agency: str | None
    fiscal_year: int | None
    kind: str | None
    checks: list[dict] = field(default_factory=list)  # one per comparison, as dq_results
    problems: list[dict] = field(default_factory=list)  # extraction problems (warnings, unreadable figures)

    @property
    def findings(self) -> list[dict]:
        """Comparisons the printed figures fail: the publisher's errors (or a misreading, which the page shows)."""
        return [c for c in self.checks if c["outcome"] == "fail"]

    @property
    def clean(self) -> bool:
        return not self.findings

    @property
    def unread_tables(self) -> list[str]:
        """Tables the document prints whose figures could not be tied to their rows: nothing was checked there.
        (A table with some figures left unplaced, a sparse 三公 row, is read and says so in its own warning.)"""
        return sorted({p["table"] for p in self.problems if p.get("table") and p["code"] == "layout"
                       and p["message"].startswith(f"unplaced: {p['table']} ")})

    def as_json(self) -> dict:
        counts = {o: sum(1 for c in self.checks if c["outcome"] == o)
                  for o in ("pass", "rounding", "fail", "suspect_extraction")}
        return {"file": self.file, "agency": self.agency, "fiscal_year": self.fiscal_year, "kind": self.kind,
                "verdict": "clean" if self.clean else "findings", "checks": len(self.checks), "outcomes": counts,
                "findings": self.findings, "unread_tables": self.unread_tables, "problems": self.problems}


class _NoPandas:
    """An import finder refusing pandas: nothing here needs it, but pyarrow imports it (about as long as all the
    rest of a check takes) only to ask whether the rows it is given are a DataFrame; refused, it says no."""

    def find_spec(self, name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"{name} is not loaded by `juesuan check`", name=name)
        return None


@contextlib.contextmanager
def _without_pandas():
    finder = _NoPandas()
    if "pandas" not in sys.modules:  # where pandas is already loaded (a test session) nothing changes
        sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)


def check_document(path: Path) -> Verdict:
    """Extract `path` and run its document checks; raises UnusableDocument when it cannot be checked."""
    if not path.is_file():
        raise UnusableDocument(f"{path}: no such file")
    with _without_pandas():
        return _check(path)


def _check(path: Path) -> Verdict:
    from ..extract.document import extract_file
    from ..warehouse.connection import connect
    from ..warehouse.load import load_extractions
    from .checks import run_checks
    from .sql_models import create_models

    extraction = extract_file(path)
    problems = [p.as_dict() for p in extraction.problems]
    if extraction.fatal or extraction.document is None:
        reasons = "; ".join(p["message"] for p in problems if p["severity"] == "error") or "it could not be read"
        raise UnusableDocument(f"{path.name}: cannot be checked: {reasons}")
    pages = _pages_by_line(extraction)
    with tempfile.TemporaryDirectory(prefix="juesuan-check-") as scratch:
        warehouse = Path(scratch) / "check.duckdb"
        load_extractions(warehouse, [extraction], run_id="check")
        with connect(warehouse, threads=1) as con:
            create_models(con, CHECKED_MODELS)
            checks = run_checks(con)
    for check in checks:
        check["page"] = check.get("page") or pages.get(check.get("source_line"))
    doc = extraction.document
    return Verdict(path.name, doc["agency"], doc["fiscal_year"], doc["kind"], checks, problems)


def _pages_by_line(extraction) -> dict[int, int]:
    """The page of every source line a table row or a prose figure was read from."""
    pages: dict[int, int] = {}
    for table in extraction.tables.values():
        for row in table["rows"]:
            if row.get("source_line") is not None and row.get("page") is not None:
                pages[row["source_line"]] = row["page"]
    for fact in extraction.prose:
        line, page = getattr(fact, "source_line", None), getattr(fact, "page", None)
        if line is not None and page is not None:
            pages.setdefault(line, page)
    return pages


def _figure(value) -> str:
    return "—" if value is None else f"{value.normalize():f}" if hasattr(value, "normalize") else str(value)


def verdict_text(verdict: Verdict) -> str:
    """The verdict and each finding, for a terminal."""
    counts = verdict.as_json()["outcomes"]
    head = (f"{verdict.file}: {verdict.agency or '?'} {verdict.fiscal_year or '?'} ({verdict.kind}) — "
            f"{len(verdict.checks)} checks: {counts['pass']} pass, {counts['rounding']} within rounding, "
            f"{counts['fail']} fail" + (f", {counts['suspect_extraction']} suspect extraction"
                                        if counts["suspect_extraction"] else ""))
    lines = [head]
    if verdict.clean and verdict.unread_tables:
        lines.append(f"verdict: no finding in what could be read — {len(verdict.unread_tables)} table(s) not read: "
                     f"{', '.join(verdict.unread_tables)}")
    elif verdict.clean:
        lines.append("verdict: clean — every printed figure agrees with the others it should")
    else:
        lines.append(f"verdict: {len(verdict.findings)} finding(s) — printed figures that do not add up")
        for f in verdict.findings:
            row = " ".join(str(x) for x in (f.get("row_code"), f.get("row_name")) if x) or "—"
            where = f"page {f['page']}" if f.get("page") else "page ?"
            where += f", line {f['source_line']}" if f.get("source_line") else ""
            lines.append(f"  {f['rule_id']} [{f['severity']}] {f['table_key']} · {row} · {f['column_name']}: "
                         f"expected {_figure(f['expected'])}, printed {_figure(f['actual'])} "
                         f"(difference {_figure(f['difference'])}, tolerance {_figure(f['tolerance'])}) — {where}"
                         + (f" — {f['detail']}" if f.get("detail") else ""))
    for c in (c for c in verdict.checks if c["outcome"] == "suspect_extraction"):
        # Failures on figures the extraction was unsure of: most likely our misreading, so not a finding.
        lines.append(f"  suspect extraction: {c['rule_id']} {c['table_key']} · {c.get('row_name') or '—'}: expected "
                     f"{_figure(c['expected'])}, read {_figure(c['actual'])} — {c.get('detail') or ''}")
    errors = [p for p in verdict.problems if p["severity"] == "error" or p["code"] == "figures_apart_from_labels"]
    for p in errors:
        lines.append(f"  extraction: {p['code']}: {p['message']}")
    return "\n".join(lines)
