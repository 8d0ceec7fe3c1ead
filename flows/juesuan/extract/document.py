"""One document's extraction: facts about it, every standard table found, and what went wrong."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from ..settings import EXTRACTOR_VERSION
from .evidence import cross_evidence, related_hints
from .finder import (
    TableRegion,
    document_unit,
    explain_missing,
    find_tables,
    rows_before_title,
    titles_before_rows,
)
from .header import header_centers
from .locate import locate_figures
from .metadata import (
    BUDGET,
    DEPT_SELF_EVALUATION,
    FINAL_ACCOUNTS,
    PROJECT_SELF_EVALUATION,
    detect_agency,
    detect_kind,
    detect_year,
    template_placeholder,
)
from .numbers import is_amount, is_broken_figure, is_decimal, parse_amount, to_wan
from .performance import (
    DepartmentResult,
    ProjectForm,
    extract_department_form,
    extract_department_result,
    extract_labelled_project,
    extract_project_forms,
)
from .project_text import extract_text_project_forms
from .prose import Metric, ProseFact, extract_metrics, extract_prose_facts, prose_stream
from .readers import RawDocument, ReadError, read_document
from .specs import TABLES, TABLES_BY_KEY, TableSpec
from .statements import Statement, document_statements
from .tables.coded import parse_coded_table
from .tables.economic import parse_economic_table
from .tables.items import parse_items_table
from .tables.summary import parse_summary_table
from .tables.three_public import parse_three_public_table

# Row parsers by row kind; coded tables are parsed in _parse_region (they also take PDF header positions).
PARSERS = {
    "summary": parse_summary_table,
    "economic": parse_economic_table,
    "three_public": parse_three_public_table,
    "items": parse_items_table,
}
# Tables every final-accounts document has had since 2019; the others depend on the year and locality.
CORE_TABLES = (
    "income_expenditure_summary", "income_by_function", "expenditure_by_function", "fiscal_appropriation_summary",
    "general_budget_expenditure", "general_budget_basic_by_economic", "three_public",
)
AMOUNT_FIELDS = {"amount", "total", "basic", "project", "remit_to_superior", "operating", "subsidy_to_subsidiary",
                 "fiscal_appropriation", "superior_subsidy", "business_income", "operating_income",
                 "subsidiary_remittance", "other_income", "general_budget", "gov_fund", "soe_capital",
                 "opening_balance", "income", "expenditure_total", "closing_balance", "budget_initial", "budget",
                 "actual", "personnel", "public", "budget_prior"}


@dataclass
class Problem:
    """Something wrong with a document: where, what, and whether it stops the document loading."""

    severity: str  # error | warning
    code: str
    message: str
    line: int | None = None
    table: str | None = None

    def as_dict(self) -> dict:
        return {"severity": self.severity, "code": self.code, "message": self.message, "line": self.line,
                "table": self.table}


@dataclass
class Extraction:
    """The result of extracting one file: loadable when `document` is set and no fatal problem was found."""

    path: Path
    sha256: str | None  # None when the file could not be read at all
    document: dict | None = None
    tables: dict[str, dict] = field(default_factory=dict)
    prose: list[ProseFact] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    projects: list[ProjectForm] = field(default_factory=list)
    department: DepartmentResult | None = None
    problems: list[Problem] = field(default_factory=list)
    fatal: bool = False

    def as_json(self) -> dict:
        return {"document": self.document, "tables": self.tables, "prose": [vars(f) for f in self.prose],
                "projects": [{**vars(p), "indicators": [vars(i) for i in p.indicators]} for p in self.projects],
                "department": vars(self.department) if self.department else None,
                "metrics": [vars(m) for m in self.metrics],
                "errors": [p.as_dict() for p in self.problems]}


def _printed_measures(region: TableRegion) -> TableSpec:
    """The region's spec without the optional columns its header does not print (人员经费 / 公用经费 …)."""
    spec = region.spec
    if not any(m.optional for m in spec.measures):
        return spec
    header = ""
    for line in region.lines[:20]:
        if re.search(r"\d\.\d", line.compact):
            break
        header += line.compact
    printed = {m.key for m in spec.measures if not m.optional or any(label in header for label in m.labels)}
    if any(label in header for label in spec.unkept_columns) and not any(line.positional for line in region.lines[:20]):
        # Without tab/pipe cells the figures are placed by the row identities, which a printed column the spec does
        # not keep (上年结转 781.60, or 一般公共预算 repeating 财政拨款's 小计) would take part in unseen: the sources
        # would be misread, so only the measures every layout prints are kept.
        printed = {m.key for m in spec.measures if not m.optional}
    incomplete = {m.group for m in spec.measures if m.optional and m.key not in printed}
    kept = tuple(m for m in spec.measures if m.key in printed and (not m.optional or m.group not in incomplete))
    return replace(spec, measures=kept)


def _parse_region(
    region: TableRegion, doc: RawDocument, tables: dict[str, dict], doc_unit: str
) -> tuple[list[dict], list[str]]:
    spec = region.spec = _printed_measures(region)
    if spec.row_kind == "coded":
        # A budget header grouping columns (基本支出 over 小计 | 人员经费 | 公用经费) puts a header word's centre
        # away from its column's: there the row identities place the figures, as for plain text. Optional columns
        # printed each under its own label (上缴上级支出, 事业单位经营支出) are placed by position like the rest.
        grouped = any(m.optional and m.group for m in spec.measures)  # only kept when printed, under a group header
        centers = header_centers(region.lines[:20], spec) if doc.source_format == "pdf" and not grouped else None
        # Other tables are in 万元 by now; this table's figures are still in its own unit.
        scale = Decimal(10000) if (region.unit or doc_unit) == "元" else Decimal(1)
        evidence = {k: v * scale for k, v in cross_evidence(spec, tables).items()}
        hints = {k: v * scale for k, v in related_hints(spec, tables).items()}
        return parse_coded_table(region, centers or None, evidence, hints)
    return PARSERS[spec.row_kind](region)


def _parse_order(specs) -> list[TableSpec]:
    """Tables whose figures are evidence for others first: summaries, then coded tables after their related ones."""
    ordered = [s for s in specs if s.row_kind != "coded"]
    coded = [s for s in specs if s.row_kind == "coded"]
    while coded:
        # Tables related both ways: the first listed goes first (and is read again, see extract_file).
        ready = next((s for s in coded if not any(r in {c.key for c in coded} for r in s.related)), coded[0])
        ordered.append(ready)
        coded.remove(ready)
    return ordered


def _broken_figures(region: TableRegion) -> list[Problem]:
    """Figures that cannot be read: tokens mixing digits with other marks, in a table's data lines."""
    problems = []
    for line in region.lines:
        if line.compact.startswith(("注", "说明")):
            break
        for token in line.tokens:
            text = token.text
            if is_broken_figure(text):
                problems.append(Problem("error", "unreadable_figure",
                                        f"{region.spec.key}: figure {text!r} cannot be read as a number",
                                        line.number, region.spec.key))
    return problems


_CODE_BRACKETS = re.compile(r"^[]】）)]+(?=[\u4e00-\u9fff])")


def _without_code_brackets(row: dict) -> dict:
    """The row with its name's leftover code bracket removed: [301]工资福利支出 is read as [ | 301 | ]工资福利支出."""
    name = row.get("name")
    if name and _CODE_BRACKETS.match(name) and row.get("code"):
        row["name"] = _CODE_BRACKETS.sub("", name)
    return row


def _row_key(spec: TableSpec, row: dict):
    """What identifies a row within its table (the facts' grain); None where print position does."""
    if spec.row_kind == "summary":
        return None
    if spec.row_kind == "economic":
        return row.get("code") or row.get("name"), row.get("group")
    if spec.row_kind == "coded":
        return row.get("code") or row.get("name")
    return row.get("name")


def drop_repeated_rows(spec: TableSpec, rows: list[dict]) -> tuple[list[dict], list[str]]:
    """Keep the first row for each key: a repeat with the same figures is a continuation page's copy; one with
    different figures is a misread layout, reported."""
    kept: dict = {}
    out, warnings = [], []
    for row in rows:
        key = _row_key(spec, row)
        if key is None or key not in kept:
            if key is not None:
                kept[key] = row
            out.append(row)
            continue
        first = kept[key]
        figures = {k: v for k, v in row.items() if k in AMOUNT_FIELDS | {"count"}}
        first_figures = {k: v for k, v in first.items() if k in AMOUNT_FIELDS | {"count"}}
        if all(v is None for v in first_figures.values()) and any(v is not None for v in figures.values()):
            # The first printed no figure: a header word read as a row (合计 alone in a wrapped header).
            out[next(i for i, r in enumerate(out) if r is first)] = kept[key] = row
            continue
        if figures != first_figures:
            warnings.append(f"{spec.key}: {key} read twice with different figures (lines {first['source_line']} and "
                            f"{row['source_line']}); kept line {first['source_line']}")
    return out, warnings


def _to_wan_row(row: dict, unit: str) -> dict:
    if unit != "元":
        return row
    return {k: (to_wan(v, unit) if k in AMOUNT_FIELDS and isinstance(v, Decimal) else v) for k, v in row.items()}


def _rows_print_figures(rows: list[dict]) -> bool:
    return any(
        isinstance(v, Decimal) and v != 0 for row in rows for k, v in row.items() if k in AMOUNT_FIELDS | {"count"}
    )


# A document whose tables print this share of their figures (of at least so many) on lines holding nothing else is
# a reading-order rendering: measured on the corpus, such renderings print 92-100 % so, all others at most 29 %
# (a layout printing some figures below their labels).
APART_SHARE, MIN_FIGURES_APART = 0.6, 20


def _printed_amount(text: str) -> bool:
    """A token that can only be an amount: with decimals or thousands separators (an integer may be a code, a
    行次 or a 栏次 column number, even in a table in 元)."""
    return is_decimal(text) or ("," in text and is_amount(text))


def _figures_apart(doc: RawDocument, regions: dict[str, TableRegion]) -> tuple[int, int]:
    """How many of the tables' figures stand on lines of figures alone, and how many there are, in a text without
    positions (三公 tables are left out: their rows print no label)."""
    apart = figures = 0
    if doc.source_format == "pdf":
        return 0, 0
    for key, region in regions.items():
        if key == "three_public":
            continue
        for line in region.lines:
            if "，" in line.text or "。" in line.text:
                continue
            printed = sum(1 for token in line.tokens if _printed_amount(token.text))
            figures += printed
            apart += printed if printed and printed == len(line.tokens) else 0
    return apart, figures


def _region_prints_figures(region: TableRegion) -> bool:
    """True when a line of the table's region (not a sentence of prose) prints a non-zero amount."""
    return any(
        _printed_amount(token.text) and parse_amount(token.text) != 0
        for line in region.lines if "，" not in line.text and "。" not in line.text
        for token in line.tokens
    )


def _table_entry(spec: TableSpec, region: TableRegion | None, rows: list[dict], unit: str, unplaced: bool) -> dict:
    if region is None:
        return {"title": spec.title, "present": False, "empty": None, "rows": []}
    has_figures = _rows_print_figures(rows)
    return {
        "title": region.title,
        "present": True,
        "empty": None if unplaced and not has_figures else not has_figures,  # None: figures printed, not placed
        "declared_empty": region.declared_empty,
        "unit": None if spec.row_kind == "items" else region.unit or unit,
        "source_line": region.title_line.number,
        "page": region.title_line.page,
        "rows": [_to_wan_row(row, region.unit or unit) for row in rows] if spec.row_kind != "items" else rows,
    }


def _read_table(spec: TableSpec, region: TableRegion | None, doc: RawDocument, tables: dict[str, dict],
                unit: str) -> tuple[dict, list[Problem]]:
    """One standard table's entry (see _table_entry), with the problems its reading met."""
    if region is None:
        return _table_entry(spec, None, [], unit, False), []
    rows, warnings = _parse_region(region, doc, tables, unit)
    rows = [_without_code_brackets(row) for row in rows]
    warnings += rows_before_title(doc, region)
    rows, repeats = drop_repeated_rows(spec, rows)
    locate_figures(doc, region, rows)
    warnings += repeats
    if not _rows_print_figures(rows) and _region_prints_figures(region):
        # Figures printed apart from their rows (a text layer that lists each column on its own): the table is
        # not empty, it was not read.
        warnings.append(f"unplaced: {spec.key} prints figures, but none could be tied to its rows")
    problems = [Problem("warning", "layout", w, table=spec.key) for w in warnings] + _broken_figures(region)
    unplaced = any(w.startswith("unplaced") for w in warnings)
    return _table_entry(spec, region, rows, unit, unplaced), problems


def extract_file(path: Path, pdf_engine: str = "pdfium") -> Extraction:
    """Extract one file (PDFs read with `pdf_engine`, see readers.PDF_ENGINES); never raises for a bad document:
    problems are recorded on the result."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        result = Extraction(path, None, fatal=True)
        result.problems.append(Problem("error", "file_missing",
                                       "the file was removed or renamed after the run listed it; not extracted"))
        return result
    except OSError as exc:
        result = Extraction(path, None, fatal=True)
        result.problems.append(Problem("error", "unreadable_file", f"cannot read the file: {exc.strerror or exc}"))
        return result
    result = Extraction(path, hashlib.sha256(data).hexdigest())
    try:
        doc = read_document(path, pdf_engine, data)
    except ReadError as exc:
        result.problems.append(Problem("error", "unreadable_file", str(exc)))
        result.fatal = True
        return result
    for warning in doc.warnings:
        result.problems.append(Problem("warning", "encoding", warning))
    if not doc.lines:
        result.problems.append(Problem("error", "no_text", "the file has no extractable text (a scanned PDF?)"))
        result.fatal = True
        return result
    agency = detect_agency(doc)
    placeholder = template_placeholder(doc, agency)
    if placeholder is not None:
        result.problems.append(Problem(
            "error", "template",
            f"a blank template, not a report: the agency is printed as a placeholder ({placeholder}); not loaded"))
        result.fatal = True
        return result
    reordered = titles_before_rows(doc)
    if reordered is not doc:
        doc, agency = reordered, detect_agency(reordered)  # the votes look at where each line stands
    regions = find_tables(doc)
    kind = detect_kind(doc, len(regions), Counter(region.spec.phase for region in regions.values()))
    if kind is None:
        result.problems.append(Problem(
            "error", "not_a_report",
            "not a final-accounts, budget or self-evaluation document: no standard table, no 部门决算, 部门预算 or 绩效自评 title"))
        result.fatal = True
        return result
    year = detect_year(doc)
    if agency is None:
        result.problems.append(Problem("error", "no_agency", "no agency name found (部门：…, 填报单位名称：…, or a title)"))
    if year is None:
        result.problems.append(Problem("error", "no_year", "no fiscal year found in titles or 年度 fields"))
    result.fatal = agency is None or year is None
    unit = document_unit(regions, doc)
    # The specs the document's titles found (a budget's are not the final accounts'): their order of evidence.
    order = _parse_order([regions[s.key].spec if s.key in regions else s for s in TABLES])
    table_problems: dict[str, list[Problem]] = {}
    apart, figures = _figures_apart(doc, regions)
    if figures >= MIN_FIGURES_APART and apart >= APART_SHARE * figures:
        # A reading-order rendering (pdftotext without -layout, pdfminer's text boxes) prints each column of
        # figures apart from the labels it belongs to: read by order, every figure would be a guess, and a wrong
        # one would be published as the publisher's error. The tables are named, unread.
        why = (f"{apart} of the tables' {figures} figures stand on lines of their own, apart from their labels (a "
               "reading-order text rendering, such as pdftotext without -layout): not read; the PDF, or a rendering "
               "that keeps each printed line (pdftotext -layout), reads it")
        result.problems.append(Problem("warning", "figures_apart_from_labels", why))
        for spec in order:
            region = regions.get(spec.key)
            result.tables[spec.key] = _table_entry(spec, region, [], unit, unplaced=True)
            table_problems[spec.key] = [] if region is None else [
                Problem("warning", "layout", f"unplaced: {spec.key} not read: {why}", table=spec.key)]
        order = []
    for spec in order:
        result.tables[spec.key], table_problems[spec.key] = _read_table(spec, regions.get(spec.key), doc,
                                                                         result.tables, unit)
    # Tables that are evidence for each other (a budget's 支出总表 and 一般公共预算支出表): the one read first is
    # read again where it left a placement to guess, now that the other is read.
    position = {spec.key: i for i, spec in enumerate(order)}
    for spec in order:
        if any(position.get(r, -1) > position[spec.key] for r in spec.related) and any(
                row.get("placement") == "inferred" for row in result.tables[spec.key]["rows"]):
            result.tables[spec.key], table_problems[spec.key] = _read_table(spec, regions.get(spec.key), doc,
                                                                             result.tables, unit)
    result.problems.extend(p for problems in table_problems.values() for p in problems)
    result.tables = {spec.key: result.tables[spec.key] for spec in TABLES}  # print order of the specs
    if kind == BUDGET:
        absent = [key for key in CORE_TABLES if key not in regions]
        if absent:
            # Some budgets publish the tables apart from the 情况说明: loaded with what they carry, saying so.
            result.problems.append(Problem(
                "warning", "missing_tables",
                f"budget without {len(absent)} standard table(s): {', '.join(absent)}"
                + (" (it carries only the narrative; the tables are published elsewhere)" if not regions else "")))
    if kind == FINAL_ACCOUNTS:
        missing = [key for key in CORE_TABLES if key not in regions]
        for key in missing:
            spec = TABLES_BY_KEY[key]
            result.problems.append(Problem(
                "error", "missing_tables",
                f"final accounts without the standard table {key} ({spec.title}): {explain_missing(doc, spec)}",
                table=key))
    prose = prose_stream(doc, regions)
    result.prose = extract_prose_facts(prose)
    result.metrics = extract_metrics(prose)
    result.statements = document_statements(doc, regions, prose)
    department = extract_department_result(doc) if kind != BUDGET else None
    form = extract_department_form(doc) if kind == DEPT_SELF_EVALUATION else None
    if form is not None:
        # The one-page form's figures stand where the prose states none.
        for name in ("budget", "executed", "execution_rate", "budget_line", "score", "score_line"):
            if getattr(department, name) is None:
                setattr(department, name, getattr(form, name))
    # A budget's 绩效目标表 are targets, not self-evaluations: nothing of a budget is read as one.
    result.projects = extract_project_forms(doc) + extract_text_project_forms(doc) if kind != BUDGET else []
    if kind == BUDGET:
        pass
    elif kind == PROJECT_SELF_EVALUATION and not result.projects:
        labelled = extract_labelled_project(doc, department.score)
        result.projects = [labelled] if labelled else []
        result.problems.extend(Problem("warning", "layout", f"project form: {why}") for why in
                               (labelled.skipped if labelled else []))
    else:
        result.department = department
    result.document = {
        "file": path.name,
        "source_file": str(path.resolve()),
        "agency": agency,
        "fiscal_year": year,
        "kind": kind,
        "unit": unit,
        "source_format": doc.source_format,
        "sha256": result.sha256,
        "pages": doc.pages,
        "lines": doc.lines[-1].number,
        "bytes": len(data),
        "extractor_version": EXTRACTOR_VERSION,
    }
    return result
