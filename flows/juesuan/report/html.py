"""The static HTML report built by every run: an overview of agencies, a page per agency and per document.

Chinese first, English beside it; charts drawn by the vendored ECharts; every asset copied next to the pages so
they open offline, from a file:// URL or from `juesuan docs --serve`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from ..extract.specs import TITLE_SPECS
from ..warehouse.connection import connect
from . import charts
from .data import (
    KIND_LABELS,
    VERDICTS,
    ReportData,
    detail_digests,
    document_details,
    pinyin_key,
    read_report_data,
)

HERE = Path(__file__).parent
ASSETS = ("echarts.min.js", "echarts.LICENSE.txt", "echarts.NOTICE.txt", "report.css", "report.js")
OUTCOME_LABELS = {"fail": "有问题", "suspect_extraction": "疑似识别错误", "rounding": "舍入差异", "pass": "通过"}
# The report's folder sits beside the data-quality pages and dbt's docs in the build folder it is given.
LINKS = {"dq": "../dq/index.html", "dbt": "../dbt/target/static_index.html"}
# Each measure's place in the table specs, first seen first: the order of a table's columns on its page.
_MEASURE_KEYS = [m.key for spec in TITLE_SPECS for m in (*spec.measures, *spec.expenditure_measures)]
MEASURE_RANKS = {key: index for index, key in reversed(list(enumerate(_MEASURE_KEYS)))}
# What each page was rendered from (a digest of its template inputs), kept beside the pages for the next run.
PAGES_STATE = ".pages.json"
# From this many document pages to render, a second process shares their rendering: below, its start (about a
# second of imports) costs more than it saves.
PARALLEL_FROM = 400
# Document pages are shared out this many at a time (each chunk reads its details with queries of its own): the two
# processes finish within a chunk of each other, about a second's rendering.
SHARED_CHUNK = 250


def amount(value) -> str:
    """A figure as printed: thousands separators, two places, more only when the value has them."""
    if value is None or value == "":
        return ""
    if not isinstance(value, (Decimal, int, float)):
        return str(value)
    value = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if value.is_finite() and value.adjusted() < 24:
        cents = value.quantize(_CENT)
        if cents == value:  # most figures: two places or fewer (the warehouse keeps six, mostly zeros)
            return f"{cents:,.2f}"
    places = max(2, -value.normalize().as_tuple().exponent) if value == value else 2
    return f"{value:,.{places}f}"


_CENT = Decimal("0.01")


def table_rows(rows: list[dict], measures: list[str]) -> Markup:
    """A table's printed lines as rows of its page (code, name, each measure, the source line), exactly as the
    template printed them cell by cell: a document page holds thousands of cells, and Jinja's work per cell was
    most of the report's time at scale."""
    return Markup("".join(
        f'<tr><td>{escape(row["code"] or "")}</td><td>{escape(row["name"] or "")}</td>\n'
        + "".join(f'<td class="num">{_measure_cell(row["measures"].get(m))}</td>' for m in measures)
        + f'<td class="num">{row["source_line"] or ""}</td></tr>' for row in rows))  # a line number or none


def _measure_cell(value) -> str:
    """A measure's cell: none empty, a number as amount() prints it (digits, separators and a sign: nothing to
    escape, and escaping a million cells was a fifth of the report's time), else the printed text, escaped."""
    if value is None:
        return ""
    if isinstance(value, (Decimal, int)):
        return amount(value)
    return escape(amount(value))


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["j2", "html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["amount"] = amount
    env.filters["table_rows"] = table_rows
    return env


def _copy_assets(out_dir: Path) -> None:
    target = out_dir / "assets"
    target.mkdir(parents=True, exist_ok=True)
    for name in ASSETS:
        shutil.copyfile(HERE / "assets" / name, target / name)


def _place(source: Path, target: Path) -> None:
    """Put a file (a source document, a page of the previous report) beside the pages: a hard link when the file
    system allows, else a copy. Neither is written again in place: a run writes its pages into a folder of its own."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _source_files(sources: Path | None) -> dict[str, Path]:
    if sources is None or not sources.is_dir():
        return {}
    return {p.name: p for p in sorted(sources.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def _annotated_files(out_dir: Path) -> dict[str, Path]:
    """Annotated PDFs the data-quality step wrote (<build>/dq/annotated/), by the stem of their source."""
    folder = out_dir.parent / "dq" / "annotated"
    return {p.stem: p for p in sorted(folder.glob("*.pdf"))} if folder.is_dir() else {}


def _annotated_for(file_name: str, annotated: dict[str, Path]) -> Path | None:
    stem = Path(file_name).stem
    if stem in annotated:
        return annotated[stem]
    return next((path for name, path in annotated.items() if name.startswith(stem)), None)


def _verdict_sentence(doc: dict) -> str:
    counts = doc["counts"]
    if doc["verdict"] == VERDICTS["fail"]:
        return (f"{counts.get('fail', 0)} 项检查不符（共 {doc['checks_run']} 项）。"
                f"{counts.get('fail', 0)} of {doc['checks_run']} checks fail.")
    if doc["verdict"] == VERDICTS["suspect_extraction"]:
        return (f"{counts.get('suspect_extraction', 0)} 项检查的数字可能识别有误，需要对照原文核实。"
                f"{counts.get('suspect_extraction', 0)} checks point at a figure that was probably misread: "
                "compare with the document.")
    if doc["verdict"] == VERDICTS["pass"]:
        return (f"全部 {doc['checks_run']} 项检查通过（{counts.get('rounding', 0)} 项在舍入容差内）。"
                f"All {doc['checks_run']} checks pass ({counts.get('rounding', 0)} within the rounding tolerance).")
    return "没有适用于本文档的勾稽检查。No consistency check applies to this document."


def _agency_charts(data: ReportData, agency: dict, docs: list[dict]) -> dict:
    aid = agency["agency_id"]
    overview = data.overview.get(aid, [])
    years = [y["fiscal_year"] for y in overview]
    bvf = (data.budget_vs_final or {}).get(aid, [])
    return {
        "classes": charts.function_classes("chart-classes", years, data.classes.get(aid, [])),
        "basic_project": charts.basic_project("chart-basic-project", overview),
        "three_public": charts.three_public("chart-three-public", overview),
        "budget_vs_final": charts.budget_vs_final("chart-budget-vs-final", bvf),
        "scores": charts.performance_scores("chart-scores", data.performance.get(aid, [])),
        "outcomes": charts.check_outcomes("chart-outcomes", docs),
    }


def _budget_sentence(data: ReportData, agency: dict) -> str:
    if data.budget_vs_final is None:
        return ("预算与决算对比尚不可用：仓库中还没有预算对比表。"
                "Budget versus final is not available: the warehouse has no budget comparison yet.")
    return ("没有同一年度的预算和决算可供对比。No year with both a budget and final accounts for this agency.")


def write_report(warehouse: Path, out_dir: Path, sources: Path | None = None, previous: Path | None = None) -> Path:
    """Write the report into out_dir (index.html, agencies/, documents/, assets/) and return index.html.

    sources: the input folder; its documents are placed beside the pages so findings can link to their page.
    previous: the last published report; a page whose inputs and code are unchanged is copied from it, not rendered.
    """
    with connect(warehouse, read_only=True) as con:
        data = read_report_data(con)
        _write_pages(con, data, out_dir, sources, previous, warehouse)
    return _write_index(data, out_dir)


class _Pages:
    """Writes pages, taking from the previous report each page rendered there from the same inputs by the same
    code (rendering is most of the report's cost: one changed document should not render a thousand pages), as a
    hard link (copying 0.4 GB of pages at 10,000 documents took a third of such a report's time)."""

    def __init__(self, out_dir: Path, previous: Path | None):
        self.out_dir, self.previous = out_dir, previous
        self.code = _report_code()
        state = {}
        if previous is not None and (previous / PAGES_STATE).is_file():
            state = json.loads((previous / PAGES_STATE).read_text(encoding="utf-8"))
        self.reusable = state.get("pages", {}) if state.get("code") == self.code else {}
        self.digests: dict[str, str] = {}

    def copied(self, relative: str, inputs: dict) -> bool:
        """Take the page at `relative` from the previous report if it was rendered there from the same inputs;
        False when the caller must render it."""
        digest = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()
        self.digests[relative] = digest
        if self.reusable.get(relative) == digest and (self.previous / relative).is_file():
            _place(self.previous / relative, self.out_dir / relative)
            return True
        return False

    def write(self, relative: str, inputs: dict, render) -> None:
        """Write the page at `relative` from `inputs` with render(), unless the previous report holds it as is."""
        if not self.copied(relative, inputs):
            (self.out_dir / relative).write_text(render(), encoding="utf-8")

    def save(self) -> None:
        (self.out_dir / PAGES_STATE).write_text(json.dumps({"code": self.code, "pages": self.digests}),
                                                encoding="utf-8")


def _report_code() -> str:
    """A hash of the code pages are rendered with: the warehouse's code, the report's templates and modules."""
    from ..warehouse.publish import code_fingerprint

    digest = hashlib.sha256(code_fingerprint().encode())
    for path in sorted(p for p in HERE.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(HERE)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _write_pages(con: duckdb.DuckDBPyConnection, data: ReportData, out_dir: Path, sources: Path | None,
                 previous: Path | None = None, warehouse: Path | None = None) -> None:
    """The agency pages and one page per document (its details streamed from the warehouse). With `warehouse` (the
    file `con` reads) and many pages to render, a second process renders some of the document pages."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for generated in ("agencies", "documents", "files"):
        shutil.rmtree(out_dir / generated, ignore_errors=True)  # pages of documents no longer loaded go too
    _copy_assets(out_dir)
    env = _environment()
    common = _common()
    pages = _Pages(out_dir, previous if previous is not None and previous.resolve() != out_dir.resolve() else None)
    for doc in data.documents:
        doc["page_name"] = f"{doc['document_id'][:12]}.html"
    agency_ids = {a["agency_id"] for a in data.agencies}

    sources_by_name = _source_files(sources)
    annotated = _annotated_files(out_dir)
    (out_dir / "documents").mkdir()
    # A document page is rendered from its summary, its links and its details; the details are digested in the
    # warehouse, and only the pages whose digest changed read their details and are rendered.
    digests = detail_digests(con)
    summaries: dict[str, dict] = {}
    for doc in data.documents:
        document_id = doc["document_id"]
        source_link = None
        source = sources_by_name.get(doc["file_name"])
        if source is not None:
            _place(source, out_dir / "files" / doc["document_id"][:12] / source.name)
            source_link = f"../files/{doc['document_id'][:12]}/{source.name}"
        marked = _annotated_for(doc["file_name"], annotated)
        summary = dict(
            root="../", doc=doc, source_link=source_link,
            # A page anchor means something only in a PDF: a text source gets the page number without a link.
            page_base=source_link if source_link and source_link.lower().endswith(".pdf") else None,
            annotated_link=os.path.relpath(marked, out_dir / "documents") if marked else None,
            agency_page=doc["agency_id"] in agency_ids, verdict_sentence=_verdict_sentence(doc))
        if not pages.copied(f"documents/{doc['page_name']}", {**summary, "details": digests.get(document_id)}):
            summaries[document_id] = summary

    with contextlib.ExitStack() as stack:
        shared = None
        if warehouse is not None and len(summaries) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1:
            # Rendering is one core's work and the report is the last stage. A second process renders the chunks of
            # document pages from the last back while this one writes the agency pages and then renders from the
            # first on, each claiming its next chunk from the other's end: both finish within a chunk of each other.
            ids = sorted(summaries)
            chunks = [{i: summaries[i] for i in ids[start:start + SHARED_CHUNK]}
                      for start in range(0, len(ids), SHARED_CHUNK)]
            context = multiprocessing.get_context("spawn")
            claims = context.Array("i", [0, len(chunks)])  # the next chunk from the front, one past the back
            helper = stack.enter_context(ProcessPoolExecutor(1, mp_context=context, initializer=_keep_claims,
                                                             initargs=(claims,)))
            shared = helper.submit(render_claimed, warehouse, out_dir, chunks, common)
            stack.callback(_claim_all, claims)  # after an error here, the second process takes no further chunk
        _write_agency_pages(data, pages, env, common)
        if shared is None:
            _render_documents(con, env, out_dir, summaries, common)
        else:
            while (k := _claim(claims, from_back=False)) is not None:
                _render_documents(con, env, out_dir, chunks[k], common)
            shared.result()  # the second process's error, raised here
    pages.save()


def _write_agency_pages(data: ReportData, pages: _Pages, env: Environment, common: dict) -> None:
    """One page per agency: its documents, charts, overview, performance and budget against final accounts."""
    (pages.out_dir / "agencies").mkdir()
    for agency in data.agencies:
        docs = sorted(data.documents_by_agency.get(agency["agency_id"], []),
                      key=lambda d: (-(d["fiscal_year"] or 0), d["document_kind"], d["file_name"]))
        inputs = dict(
            root="../", agency=agency, documents=docs, charts=_agency_charts(data, agency, docs),
            overview=data.overview.get(agency["agency_id"], []),
            performance=data.performance.get(agency["agency_id"], []),
            projects=data.projects.get(agency["agency_id"], []),
            budget_sentence=_budget_sentence(data, agency),
            budget_rows=[{**r, "difference": r.get("difference"), "execution_rate": r.get("execution_rate"),
                          "missing_reason": r.get("missing_reason"), "function_name": r.get("function_name")}
                         for r in (data.budget_vs_final or {}).get(agency["agency_id"], [])])
        pages.write(f"agencies/{agency['agency_id']}.html", inputs,
                    lambda inputs=inputs: env.get_template("agency.html.j2").render(**inputs, **common))


_claims = None  # in the second process: the claims on the chunks it shares with the first


def _keep_claims(claims) -> None:
    global _claims
    _claims = claims


def _claim(claims, from_back: bool) -> int | None:
    """The index of the next chunk no process has claimed, from the front or the back; None when none is left."""
    with claims.get_lock():
        front, back = claims[0], claims[1]
        if front >= back:
            return None
        if from_back:
            claims[1] = back - 1
            return back - 1
        claims[0] = front + 1
        return front


def _claim_all(claims) -> None:
    with claims.get_lock():
        claims[0] = claims[1]


def render_claimed(warehouse: Path, out_dir: Path, chunks: list[dict[str, dict]], common: dict) -> None:
    """Render the chunks of document pages (document id → the page's inputs but its details) this second process
    claims, from the last back, reading their details from the warehouse."""
    env = _environment()
    with connect(warehouse, read_only=True) as con:
        while (k := _claim(_claims, from_back=True)) is not None:
            _render_documents(con, env, out_dir, chunks[k], common)


def _render_documents(con: duckdb.DuckDBPyConnection, env: Environment, out_dir: Path, summaries: dict[str, dict],
                      common: dict) -> None:
    """Write the page of each document of `summaries`, its details read from the warehouse a chunk at a time."""
    for document_id, details in document_details(con, list(summaries)):
        summary = summaries[document_id]
        checks, tables, rows = details.checks, details.tables, details.rows
        titles = {t["table_key"]: t["title"] for t in tables}
        table_pages = {t["table_key"]: t["page"] for t in tables if t["page"]}
        for check in checks:
            check["table_title"] = titles.get(check["table_key"]) or check["table_key"]
            # Where the check has no page of its own, the page its table starts on.
            check["link_page"] = check["page"] or table_pages.get(check["table_key"])
        findings = sorted((c for c in checks if c["outcome"] in ("fail", "suspect_extraction")),
                          key=lambda c: (c["outcome"] != "fail", c.get("page") or 0, c["rule_id"]))
        measure_names = {key: sorted({m for line in lines for m in line["measures"]}, key=_measure_order)
                         for key, lines in rows.items()}
        inputs = dict(
            **summary, checks=checks, findings=findings,
            rounding=[c for c in checks if c["outcome"] == "rounding"],
            tables=tables, rows=rows, notes=details.notes, measure_names=measure_names)
        (out_dir / "documents" / summary["doc"]["page_name"]).write_text(
            env.get_template("document.html.j2").render(**inputs, **common), encoding="utf-8")


def _measure_order(measure: str) -> tuple[int, str]:
    """Columns in the order the table specs list them (total first), whatever order the rows were read in."""
    return MEASURE_RANKS.get(measure, len(MEASURE_RANKS)), measure


def _common() -> dict:
    return {"links": LINKS, "built": datetime.now().strftime("%Y-%m-%d %H:%M"), "kind_labels": KIND_LABELS,
            "outcome_labels": OUTCOME_LABELS}


def _write_index(data: ReportData, out_dir: Path) -> Path:
    """The overview page: every agency and document, searchable, with the verdicts' chart."""
    env, common = _environment(), _common()
    agency_ids = {a["agency_id"] for a in data.agencies}
    regions = sorted({a["province"] for a in data.agencies if a["province"]}, key=pinyin_key)
    years = sorted({d["fiscal_year"] for d in data.documents if d["fiscal_year"]}, reverse=True)
    kinds = [(k, KIND_LABELS.get(k, k)) for k in sorted({d["document_kind"] for d in data.documents})]
    verdict_counts = {v: sum(1 for d in data.documents if d["verdict"] == v) for v in VERDICTS.values()}
    index = out_dir / "index.html"
    index.write_text(env.get_template("index.html.j2").render(
        root="", agencies=data.agencies, documents=data.documents, not_loaded=data.not_loaded,
        regions=regions, years=years, kinds=kinds,
        verdict_counts={v: n for v, n in verdict_counts.items() if n},
        verdict_chart=charts.verdicts("chart-verdicts", data.documents),
        agency_region={a["agency_id"]: a["province"] for a in data.agencies},
        agency_pinyin={a["agency_id"]: a["pinyin"] for a in data.agencies},
        agency_ids=agency_ids, **common), encoding="utf-8")
    return index
