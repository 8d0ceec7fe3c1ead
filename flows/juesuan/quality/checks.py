"""Computing every consistency check of the rule catalog over the warehouse: one row per comparison.

Each check compares an expected value (what the parts, or another table, say) with the printed actual value,
and its outcome is pass (equal), rounding (within the tolerance printed figures allow) or fail.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import pyarrow as pa

from ..extract.document import CORE_TABLES
from ..extract.numbers import rounding_tolerance
from .catalog import prose_subjects, rules

ZERO = Decimal(0)
HALF_CENT = Decimal("0.005")
MICRO = Decimal("0.000001")


@dataclass
class Document:
    """What the checks read about one document."""

    document_id: str
    file_name: str
    agency_name: str
    fiscal_year: int
    kind: str
    unit: str
    source_file: str | None = None
    tables: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    present: dict[str, bool] = field(default_factory=dict)
    declared_empty: dict[str, bool] = field(default_factory=dict)
    empty: dict[str, bool] = field(default_factory=dict)
    titles: dict[str, tuple] = field(default_factory=dict)  # table → (title as printed, page)
    prose: list[dict] = field(default_factory=list)
    projects: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    # Where each table figure was printed: (table, row_index, measure) → (printed text, page, bbox or None).
    figures: dict[tuple[str, int, str], tuple] = field(default_factory=dict)
    # Tables extraction warned about (a row read twice, figures it could not place): their failures are suspect.
    layout_tables: set[str] = field(default_factory=set)

    def rows(self, table: str) -> list[dict]:
        return self.tables.get(table, [])


def _records(con, sql: str) -> list[dict]:
    return con.sql(sql).to_arrow_table().to_pylist()


def read_documents(con: duckdb.DuckDBPyConnection, only: Collection[str] | None = None) -> list[Document]:
    """Every loaded document (or those of `only`) with its table rows (one column per measure) and its prose
    facts."""
    ids = [d for (d,) in con.sql("select document_id from dim_document").fetchall()] if only is None else only
    con.register("checked", pa.table({"document_id": pa.array(sorted(ids), pa.string())}))
    within = "document_id in (select document_id from checked)"
    docs = {
        d["document_id"]: Document(d["document_id"], d["file_name"], d["agency_name"], d["fiscal_year"],
                                   d["document_kind"], d["printed_unit"], d["source_file"])
        for d in _records(con, f"select * from dim_document where {within} order by file_name")
    }
    for f in _records(con, "select document_id, table_key, row_index, measure, printed_figure, page, bbox_x0, bbox_top,"
                           f" bbox_x1, bbox_bottom from staging.stg_raw__table_rows where {within}"):
        box = (f["bbox_x0"], f["bbox_top"], f["bbox_x1"], f["bbox_bottom"]) if f["bbox_x0"] is not None else None
        docs[f["document_id"]].figures[(f["table_key"], f["row_index"], f["measure"])] = (f["printed_figure"], f["page"], box)
    for e in _records(con, "select distinct document_id, table_key from staging.stg_raw__load_errors "
                           "where error_code = 'layout' and table_key is not null and document_id is not null"
                           f" and {within}"):
        if e["document_id"] in docs:
            docs[e["document_id"]].layout_tables.add(e["table_key"])
    for row in _records(con, f"select * from intermediate.int_table_rows_pivoted where {within} "
                             "order by document_id, table_key, row_index"):
        docs[row["document_id"]].tables[row["table_key"]].append(row)
    for row in _records(con, f"select * from staging.stg_raw__document_tables where {within}"):
        docs[row["document_id"]].present[row["table_key"]] = row["is_present"]
        docs[row["document_id"]].declared_empty[row["table_key"]] = row["is_declared_empty"]
        docs[row["document_id"]].empty[row["table_key"]] = row["is_empty"]
        docs[row["document_id"]].titles[row["table_key"]] = (row["printed_title"], row["page"])
    for fact in _records(con, f"select * from staging.stg_raw__prose_facts where {within} "
                              "order by document_id, fact_index"):
        docs[fact["document_id"]].prose.append(fact)
    for row in _records(con, f"select * from staging.stg_raw__performance_projects where {within} "
                             "order by document_id, project_index"):
        docs[row["document_id"]].projects.append(row)
    for row in _records(con, f"select * from staging.stg_raw__performance_indicators where {within} "
                             "order by document_id, project_index, indicator_index"):
        docs[row["document_id"]].indicators.append(row)
    con.unregister("checked")
    return list(docs.values())


class Checks:
    """Collects check rows for one document."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.rows: list[dict] = []
        # Figures printed in 元 are exact; in 万元 each is rounded to the cent.
        self.half_unit = HALF_CENT / 10000 if doc.unit == "元" else HALF_CENT

    def tolerance(self, n_terms: int) -> Decimal:
        return rounding_tolerance(n_terms) * (self.half_unit / HALF_CENT)

    def add(self, rule_id: str, table: str, row: dict | None, column: str, expected, actual, tolerance: Decimal,
            detail: str = "", *, code=None, name=None, line=None, parts: list[dict] = (), fact: dict | None = None,
            page=None, printed_text: str | None = None, compared: tuple[str, ...] = ()) -> None:
        """Record one comparison; None values count as not printed (0).

        Where: a prose fact's page, clause and box; else the row's figure in `column` (its page, printed text and box).
        A failure on figures extraction was unsure of (a placement inferred from the identities, a table it warned
        about) is `suspect_extraction`, not the publisher's error. `compared`: tables the check compares with
        although none of their rows is in it (a code another table lacks), whose layout warnings count too.
        """
        expected = (expected if expected is not None else ZERO).quantize(MICRO)
        actual = (actual if actual is not None else ZERO).quantize(MICRO)
        tolerance = tolerance.quantize(MICRO)
        difference = actual - expected
        outcome = "pass" if difference == 0 else "rounding" if abs(difference) <= tolerance else "fail"
        # A prose statement compares one printed figure: only that figure's own placement can make it doubtful.
        doubts = self.doubts(table, [r for r in (row, *parts) if r], layout=fact is None, compared=compared)
        if outcome == "fail" and doubts:
            outcome = "suspect_extraction"
            detail = f"{detail} · extraction unsure: {doubts}"
        box = None
        if fact is not None:
            page = fact["page"]
            printed_text = fact["printed_text"] or f"{fact['printed_subject']}{fact['printed_figure']}"
            if fact["bbox_x0"] is not None:
                box = (fact["bbox_x0"], fact["bbox_top"], fact["bbox_x1"], fact["bbox_bottom"])
        elif row is not None:
            figure = self.doc.figures.get((row.get("table_key", table), row["row_index"], column))
            page = page if page is not None else (figure[1] if figure else row.get("page"))
            printed = figure[0] if figure and figure[0] else ""
            label = " ".join(str(x) for x in (row.get("subject_code"), row.get("printed_name")) if x)
            printed_text = printed_text or f"{label} {printed}".strip()
            box = figure[2] if figure else None
        rule = rules()[rule_id]
        self.rows.append({
            "rule_id": rule_id, "family": rule.family, "severity": rule.severity,
            "document_id": self.doc.document_id, "file_name": self.doc.file_name,
            "agency_name": self.doc.agency_name, "fiscal_year": self.doc.fiscal_year, "table_key": table,
            "row_code": code if code is not None else (row or {}).get("subject_code"),
            "row_name": name if name is not None else (row or {}).get("printed_name"),
            "column_name": column, "expected": expected, "actual": actual, "difference": difference,
            "tolerance": tolerance, "outcome": outcome,
            "source_line": line if line is not None else (row or {}).get("source_line"), "detail": detail,
            "page": page, "printed_text": printed_text, "source_file": self.doc.source_file,
            **dict(zip(("bbox_x0", "bbox_top", "bbox_x1", "bbox_bottom"), box or (None,) * 4, strict=True)),
        })

    def doubts(self, table: str, rows: list[dict], layout: bool = True, compared: tuple[str, ...] = ()) -> str:
        """Why extraction may have misread the figures of a check ('' when it read them plainly)."""
        reasons = []
        inferred = [r for r in rows if r.get("placement") == "inferred"]
        if inferred:
            reasons.append("column placement inferred for " + ", ".join(
                str(r.get("subject_code") or r.get("printed_name")) for r in inferred[:3]))
        tables = {r.get("table_key", table) for r in rows} | set(compared)
        warned = sorted(tables & self.doc.layout_tables) if layout else []
        if warned:
            reasons.append("layout warnings on " + ", ".join(warned))
        return "; ".join(reasons)

    def sum_check(self, rule_id: str, table: str, parent: dict | None, parts: list[dict], column: str,
                  detail: str = "", parent_value=None) -> None:
        """Parent's printed figure against the sum of its parts' printed figures."""
        values = [p.get(column) for p in parts]
        actual = parent_value if parent is None else parent.get(column)
        if actual is None and all(v is None for v in values):
            return  # nothing printed on either side
        present = [v for v in values if v is not None]
        self.add(rule_id, table, parent, column, sum(present, ZERO), actual, self.tolerance(len(present)), detail,
                 parts=parts)


def _table_value(doc: Document, table: str, line: str, measure: str, side: str | None):
    for row in doc.rows(table):
        if side is not None and row["summary_side"] != side:
            continue
        name = row["printed_name"] or ""
        if name == line or (table.endswith("summary") and name.startswith(line)):
            return row.get(measure), row
    return None, None


def _pct_tolerance(part: Decimal, base: Decimal, pct_text_decimals: int, half_unit: Decimal) -> Decimal:
    """How far a printed percentage may sit from part/base when both were rounded, plus its own rounding."""
    own = Decimal("0.5") * Decimal(10) ** -pct_text_decimals
    spread = 100 * (half_unit / base + abs(part) * half_unit / (base * base))
    return own + spread


def _printed_half(printed: str | None) -> Decimal:
    """Half the last printed digit of a prose amount, in 万元 ("18,976.76万元" → 0.005; "3,500元" → 0.00005)."""
    m = re.search(r"\d(?:\.(\d+))?\s*(万元|元)", printed or "")
    if m is None:
        return HALF_CENT
    half = Decimal(5) / Decimal(10) ** (len(m.group(1) or "") + 1)
    return half / 10000 if m.group(2) == "元" else half


def _decimals(clause: str | None) -> int:
    """Decimals of the percentage printed at the end of a clause ("下降5.8%" → 1)."""
    m = re.search(r"(\d+(?:\.(\d+))?)%\s*$", clause or "")
    return len(m.group(2) or "") if m else 2


def _emptied(doc: Document, table: str) -> bool:
    """The table is printed but holds no figure (or says 本表无数据)."""
    return bool(doc.present.get(table)) and bool(doc.empty.get(table) or doc.declared_empty.get(table))


_STATED_BASE = re.compile(r"(?:比|较|与)[^，。；]*?(?P<num>\d[\d,]*(?:\.\d+)?)(?P<unit>万元|元)$")


def _stated_base(subject: str) -> Decimal | None:
    """The base figure a change's own phrase prints (比上年预算数9,819.98万元 → 9819.98), in 万元; None when absent."""
    m = _STATED_BASE.search(subject or "")
    if m is None:
        return None
    base = Decimal(m.group("num").replace(",", ""))
    base = base / 10000 if m.group("unit") == "元" else base
    return base if base > 0 else None


def _subject_of(fact: dict, subjects) -> tuple[object, str | None]:
    """The first subject whose pattern matches the phrase, and the table line it names ({name} filled in)."""
    for subject in subjects:
        m = subject.pattern.search(fact["printed_subject"])
        if m and subject.context is not None and not subject.context.search(fact["printed_context"] or ""):
            continue
        if m:
            return subject, subject.line.format(**m.groupdict())
    return None, None


def prose_checks(checks: Checks, prior_documents: dict[tuple[str, int], Document]) -> None:
    """Prose against the tables, and prose against itself."""
    doc = checks.doc
    subjects, bases = prose_subjects()
    half = checks.half_unit
    for fact in doc.prose:
        subject, line_name = _subject_of(fact, subjects)
        where = {"name": fact["printed_subject"], "line": fact["source_line"], "code": None, "fact": fact}
        value, row = (_table_value(doc, subject.table, line_name, subject.measure, subject.side)
                      if subject is not None else (None, None))
        parts = [row] if row else []
        if subject is not None and _emptied(doc, subject.table) and fact["amount_wan"] and not fact["is_change"]:
            checks.add("DOC-EMPTIED", subject.table, None, subject.measure, ZERO, fact["amount_wan"], ZERO,
                       f"{fact['printed_figure']} stated for {subject.table} {line_name}, which is printed empty"
                       + (" (declared 本表无数据)" if doc.declared_empty.get(subject.table) else ""), **where)
        if value is not None and not fact["is_change"] and doc.kind in subject.kinds:
            # The table's figure and the prose's, each rounded to its own last printed digit (a document in 元 may
            # state 18,976.76万元 for the table's 189,767,551).
            tolerance = checks.tolerance(0) + _printed_half(fact["printed_figure"])
            checks.add("PROSE-AMOUNT", "prose", None, subject.measure, value, fact["amount_wan"],
                       tolerance, f"{fact['printed_figure']} vs {subject.table} {line_name}", parts=parts, **where)
        if fact["share_pct"] is not None and subject is not None and subject.share_of in bases:
            base_spec = bases[subject.share_of]
            base, base_row = _table_value(doc, base_spec.table, base_spec.line, base_spec.measure, base_spec.side)
            if base:
                expected = 100 * fact["amount_wan"] / base
                tolerance = _pct_tolerance(fact["amount_wan"], base, _decimals(fact["share_printed"]), half)
                checks.add("PROSE-SHARE", "prose", None, "share_pct", expected.quantize(Decimal("0.0001")),
                           fact["share_pct"], tolerance, f"{fact['printed_figure']}，{fact['share_printed']} of {base}",
                           parts=[base_row], **where)
        if fact["is_change"] and fact["change_pct"] is not None and value:
            # "收入支出总计减少56.95万元，下降1.87%": the current figure is the table's, the prior one it implies.
            sign = 1 if fact["change_direction"] == "increase" else -1
            prior = value - sign * fact["amount_wan"]
            if prior > 0:
                tolerance = _pct_tolerance(fact["amount_wan"], prior, _decimals(fact["change_printed"]), 2 * half)
                checks.add("PROSE-CHANGE", "prose", None, "change_pct",
                           (100 * fact["amount_wan"] / prior).quantize(Decimal("0.0001")), fact["change_pct"],
                           tolerance, f"{fact['change_printed']} on {value} ({subject.table} {line_name})",
                           parts=parts, **where)
        elif fact["is_change"] and fact["change_pct"] is not None and (base := _stated_base(fact["printed_subject"])):
            # "比2025年年初预算数9,819.98万元减少193.20万元，下降1.97%": the change on the base the sentence prints.
            tolerance = _pct_tolerance(fact["amount_wan"], base, _decimals(fact["change_printed"]), 2 * half)
            checks.add("PROSE-CHANGE", "prose", None, "change_pct", (100 * fact["amount_wan"] / base).quantize(
                Decimal("0.0001")), fact["change_pct"], tolerance, f"{fact['change_printed']} on the {base} printed "
                "before it", **where)
        elif not fact["is_change"] and fact["change_pct"] is not None and fact["change_delta_wan"] is not None:
            # A figure with its change clause ("支出2,940.05万元，比上年减少56.95万元，下降1.87%"): the prior it implies.
            sign = 1 if fact["change_direction"] == "increase" else -1
            prior = fact["amount_wan"] - sign * fact["change_delta_wan"]
            if prior > 0:
                expected = 100 * fact["change_delta_wan"] / prior
                tolerance = _pct_tolerance(fact["change_delta_wan"], prior, _decimals(fact["change_printed"]), 2 * half)
                checks.add("PROSE-CHANGE", "prose", None, "change_pct", expected.quantize(Decimal("0.0001")),
                           fact["change_pct"], tolerance, f"{fact['printed_figure']}，{fact['change_printed']}", **where)
            previous = prior_documents.get((doc.agency_name, doc.fiscal_year - 1))
            if subject is not None and previous is not None:
                before, _ = _table_value(previous, subject.table, line_name, subject.measure, subject.side)
                if before is not None:
                    checks.add("PROSE-PRIOR-YEAR", "prose", None, subject.measure, before, prior,
                               checks.tolerance(2), f"{fact['change_printed']} implies {prior}; "
                               f"{previous.file_name} prints {before}", **where)
        if fact["change_pct"] is not None and fact["change_direction"] in ("increase", "decrease"):
            words_agree = fact["change_pct_direction"] == fact["change_direction"]
            checks.add("PROSE-WORDS", "prose", None, "change_direction", ZERO, ZERO if words_agree else Decimal(1),
                       ZERO, f"{fact['change_printed']}", **where)
        if fact["budget_pct"] is not None and fact["budget_wan"]:
            expected = 100 * fact["amount_wan"] / fact["budget_wan"]
            tolerance = _pct_tolerance(fact["amount_wan"], fact["budget_wan"], _decimals(fact["budget_printed"]), half)
            checks.add("PROSE-BUDGET-RATE", "prose", None, "budget_pct", expected.quantize(Decimal("0.0001")),
                       fact["budget_pct"], tolerance, f"{fact['printed_figure']}，{fact['budget_printed']}", **where)


def unit_checks(checks: Checks) -> None:
    """The same printed number in 万元 and in 元 within one sentence."""
    by_sentence: dict[int, list[dict]] = defaultdict(list)
    for fact in checks.doc.prose:
        by_sentence[fact["sentence_index"]].append(fact)
    for facts in by_sentence.values():
        wan = [f for f in facts if f["printed_unit"] == "万元" and f["printed_amount"] != 0]
        for fact in (f for f in facts if f["printed_unit"] == "元" and f["printed_amount"] != 0):
            twin = next((w for w in wan if w["printed_amount"] == fact["printed_amount"]), None)
            if twin is not None:
                checks.add("UNIT-CONSISTENCY", "prose", None, "amount_wan", twin["amount_wan"], fact["amount_wan"],
                           ZERO, f"{twin['printed_subject']}{twin['printed_figure']} but "
                           f"{fact['printed_subject']}{fact['printed_figure']}: one unit is wrong",
                           name=fact["printed_subject"], line=fact["source_line"], code=None, fact=fact)


_COVERAGE = re.compile(r"涉及(?:一般公共预算)?(?:支出|资金)(?:总额)?$")
_PROJECT_COUNT = re.compile(r"(\d+)个项目")


def performance_checks(checks: Checks) -> None:
    """Project forms: scores add up, rates are executed over budget, scores stay within weights, coverage."""
    doc = checks.doc
    for project in doc.projects:
        where = {"name": project["project_name"], "line": project["source_line"], "code": None}
        items = [i for i in doc.indicators if i["project_index"] == project["project_index"]]
        scored = [i for i in items if i["score"] is not None]  # a 基础信息表 prints no indicator scores
        if scored and project["total_score"] is not None:
            parts = [i["score"] for i in scored] + [project["execution_score"] or ZERO]
            checks.add("PERF-SCORES", "performance_projects", None, "total_score", sum(parts, ZERO),
                       project["total_score"], ZERO, f"{len(items)} indicators + execution score", **where)
        if project["execution_rate"] is not None and project["budget"]:
            checks.add("PERF-RATE", "performance_projects", None, "execution_rate",
                       (100 * project["executed"] / project["budget"]).quantize(Decimal("0.0001")),
                       project["execution_rate"], Decimal("0.1"),
                       f"{project['executed']} / {project['budget']}", **where)
        for item in items + [{"indicator_name": "预算执行率", "weight": project["execution_weight"],
                              "score": project["execution_score"], "source_line": project["source_line"]}]:
            if item["weight"] is not None and item["score"] is not None:
                over = max(item["score"] - item["weight"], ZERO)
                checks.add("PERF-SCORE-CAP", "performance_indicators", None, "score", ZERO, over, ZERO,
                           f"score {item['score']} of weight {item['weight']}", name=item["indicator_name"],
                           line=item["source_line"], code=None)
    forms = [p for p in doc.projects if p["executed"] is not None]
    if not forms:
        return
    executed = sum((p["executed"] for p in forms), ZERO)
    for fact in doc.prose:
        counted = _PROJECT_COUNT.findall((fact["printed_context"] or "")[-120:])  # the clause's own count
        if _COVERAGE.search(fact["printed_subject"]) and counted and int(counted[-1]) == len(forms):
            checks.add("PERF-COVERAGE", "prose", None, "amount_wan", executed, fact["amount_wan"],
                       checks.tolerance(len(forms)), f"{len(forms)} project forms' 全年执行数 vs {fact['printed_figure']}",
                       name=fact["printed_subject"], line=fact["source_line"], code=None, fact=fact)


def completeness_checks(checks: Checks) -> None:
    """Every core table present (or declared empty) in a final-accounts document."""
    if checks.doc.kind != "final_accounts":
        return
    for table in CORE_TABLES:
        present = checks.doc.present.get(table, False)
        title, page = checks.doc.titles.get(table, (None, None))
        checks.add("DOC-COMPLETE", table, None, "present", Decimal(1), Decimal(1 if present else 0), ZERO,
                   "present" if present else "missing from the document", name=table, page=page,
                   printed_text=title if present and title else f"{table}: no such table in the document")


# The check models dbt builds in the warehouse (dbt_project/models/quality/), set-based over every document.
SQL_CHECK_MODELS = ("quality.chk_table_rules", "quality.chk_document_rules")


def sql_checks(con: duckdb.DuckDBPyConnection, only: Collection[str] | None = None) -> list[dict]:
    """The check rows of the SQL check models (of the documents of `only`, else all), with each rule's family and
    severity from the catalog."""
    catalog = rules()
    out = []
    if only is not None:
        con.register("checked", pa.table({"document_id": pa.array(sorted(only), pa.string())}))
    within = "where document_id in (select document_id from checked)" if only is not None else ""
    for model in SQL_CHECK_MODELS:
        for row in _records(con, f"select * from {model} {within} order by document_id, rule_id, source_line"):
            rule = catalog[row["rule_id"]]
            out.append({**row, "family": rule.family, "severity": rule.severity})
    if only is not None:
        con.unregister("checked")
    return out


def run_checks(con: duckdb.DuckDBPyConnection, only: Collection[str] | None = None) -> list[dict]:
    """Every check of every rule family over every loaded document (or those of `only`, which must hold every
    document of each agency and year it holds one of: a budget's prose is read against its final accounts): the
    SQL check models' rows and the rest."""
    documents = read_documents(con, only)
    finals = {(d.agency_name, d.fiscal_year): d for d in documents if d.kind == "final_accounts"}
    out: list[dict] = []
    for doc in documents:
        checks = Checks(doc)
        # The summary, tree, row, 三公, economic and cross-table identities are the dbt model
        # quality.chk_table_rules; the whole-document rules are quality.chk_document_rules.
        for family in (unit_checks, completeness_checks, performance_checks):
            family(checks)
        prose_checks(checks, finals)
        out.extend(checks.rows)
    return out + sql_checks(con, only)
