"""The data-quality index page: documents with their outcome counts, their findings, and links into GX's docs."""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

STYLE = """
body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; margin: 2rem; color: #1b1f24; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2rem; font-size: 1.25rem; } h3 { font-size: 1.05rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.fail { color: #b42318; font-weight: 600; } .rounding { color: #9a6700; } .pass { color: #1a7f37; }
.suspect_extraction { color: #8250df; } td.quote { min-width: 14rem; max-width: 28rem; font-size: 0.85rem; }
td.page { white-space: nowrap; }
.muted { color: #57606a; }
"""


def _escape(value) -> str:
    if value is None:
        return ""
    return html.escape(f"{value.normalize():f}" if hasattr(value, "as_tuple") else str(value))


def _count(n: int, noun: str) -> str:
    """`1 finding`, `2 findings`."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _validation_pages(site: Path, dq_dir: Path) -> dict[str, str]:
    """The newest GX validation page of each family, as a link relative to the index page."""
    pages = {}
    for page in sorted((site / "validations").glob("*_rules/**/*.html"), key=lambda p: p.stat().st_mtime):
        family = page.relative_to(site / "validations").parts[0].removesuffix("_rules")
        pages[family] = page.relative_to(dq_dir).as_posix()
    return pages


def _page_cell(check: dict, links: dict[str, dict[str, str]]) -> str:
    """第 N 页, linked to the source PDF and its annotated copy at that page when the document is a PDF."""
    page = check.get("page")
    if page is None:
        return f"<span class='muted'>line {_escape(check['source_line'])}</span>"
    pdf = links.get(check["file_name"])
    if pdf is None:
        return f"第 {page} 页 <span class='muted'>(line {_escape(check['source_line'])})</span>"
    return (f"<a class='page-link' href='{html.escape(pdf['source'])}#page={page}'>第 {page} 页</a> · "
            f"<a class='annotated-link' href='{html.escape(pdf['annotated'])}#page={page}'>批注</a>")


def _findings_table(findings: list[dict], pages: dict[str, str], links: dict, css: str) -> list[str]:
    out = [f"<table class='findings {css}'><tr><th>rule</th><th>severity</th><th>page</th><th>printed text</th>"
           "<th>table</th><th>row</th><th>column</th><th>expected</th><th>printed</th><th>difference</th>"
           "<th>tolerance</th><th>detail</th></tr>"]
    for c in sorted(findings, key=lambda c: (c.get("page") or 0, c["source_line"] or 0, c["rule_id"])):
        link = pages.get(c["family"])
        rule = f"<a href='{link}'>{c['rule_id']}</a>" if link else c["rule_id"]
        out.append(
            f"<tr class='finding' data-outcome='{c['outcome']}' data-rule='{c['rule_id']}' "
            f"data-page='{_escape(c.get('page'))}'>"
            f"<td class='{c['outcome']}'>{rule}</td><td>{_escape(c['severity'])}</td><td class='page'>{_page_cell(c, links)}</td>"
            f"<td class='quote'>{_escape(c.get('printed_text'))}</td>"
            f"<td>{_escape(c['table_key'])}</td><td>{_escape(c['row_code'] or c['row_name'])}</td>"
            f"<td>{_escape(c['column_name'])}</td><td class='num'>{_escape(c['expected'])}</td>"
            f"<td class='num'>{_escape(c['actual'])}</td><td class='num'>{_escape(c['difference'])}</td>"
            f"<td class='num'>{_escape(c['tolerance'].quantize(c['tolerance'].__class__('0.0001')))}</td>"
            f"<td>{_escape(c['detail'])}</td></tr>")
    out.append("</table>")
    return out


def write_index(dq_dir: Path, site: Path, documents: list[dict], notable: Callable[[str], list[dict]], counts: Counter,
                catalog: dict, run_id: str, links: dict[str, dict[str, str]] | None = None,
                validated: int | None = None) -> Path:
    """Write dq_dir/index.html and return its path. notable(file name): the document's checks that did not pass,
    asked for in file-name order (read a document at a time); counts: checks by (file name, outcome); links maps a
    PDF's file name to its copies in dq_dir; validated: the checks the GX suites validated this run, when fewer
    than all (the others kept, validated when they were made)."""
    links = links or {}
    total = sum(counts.values())
    scope = (f" (this run validated {validated} of them: those computed again and the kept ones that did not pass)"
             if validated is not None and validated < total else "")
    pages = _validation_pages(site, dq_dir)
    outcomes: dict[str, Counter] = defaultdict(Counter)
    totals: Counter = Counter()
    for (file_name, outcome), n in counts.items():
        outcomes[file_name][outcome] += n
        totals[outcome] += n
    info = {d["file_name"]: d for d in documents}
    out = [f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>juesuan data quality</title>"
           f"<style>{STYLE}</style></head><body>",
           "<h1>juesuan · data quality</h1>",
           f"<p class='muted'>Run {html.escape(run_id)} · {total} checks over {len(info)} documents · "
           f"<span class='fail'>{_count(totals['fail'], 'finding')} in published reports</span> · "
           f"<span class='suspect_extraction'>{_count(totals['suspect_extraction'], 'possible misreading')}</span> · "
           f"<a href='gx/index.html'>Great Expectations data docs</a>{scope}</p>",
           "<h2 id='documents'>Documents</h2>",
           "<table id='document-outcomes'><tr><th>document</th><th>agency</th><th>year</th><th>checks</th>"
           "<th>pass</th><th>rounding</th><th>fail</th><th>suspect extraction</th><th>PDF</th></tr>"]
    for file_name in sorted(info):
        doc_counts = outcomes[file_name]
        first = info[file_name]
        anchor = f"doc-{first['document_id'][:12]}"
        pdf = links.get(file_name)
        pdf_cell = (f"<a href='{html.escape(pdf['annotated'])}'>annotated</a> · "
                    f"<a href='{html.escape(pdf['source'])}'>original</a>") if pdf else ""
        out.append(
            f"<tr data-document='{html.escape(file_name)}'><td><a href='#{anchor}'>{html.escape(file_name)}</a></td>"
            f"<td>{_escape(first['agency_name'])}</td><td>{_escape(first['fiscal_year'])}</td>"
            f"<td class='num'>{sum(doc_counts.values())}</td><td class='num pass'>{doc_counts['pass']}</td>"
            f"<td class='num rounding'>{doc_counts['rounding']}</td><td class='num fail'>{doc_counts['fail']}</td>"
            f"<td class='num suspect_extraction'>{doc_counts['suspect_extraction']}</td><td>{pdf_cell}</td></tr>")
    out.append("</table>")
    dq_dir.mkdir(parents=True, exist_ok=True)
    index = dq_dir / "index.html"
    with index.open("w", encoding="utf-8") as page:
        for file_name in sorted(info):
            # The page is written a document at a time: at scale its findings are far more than memory should hold.
            page.write("\n".join(out) + "\n")
            out.clear()
            doc_checks = notable(file_name)
            out.append(f"<h2 id='doc-{info[file_name]['document_id'][:12]}'>{html.escape(file_name)}</h2>")
            if not outcomes[file_name]:
                out.append("<p class='muted'>No consistency rule applies: the document has no standard table and no "
                           "figure the rules compare.</p>")
                continue
            failed = [c for c in doc_checks if c["outcome"] == "fail"]
            suspect = [c for c in doc_checks if c["outcome"] == "suspect_extraction"]
            rounding = [c for c in doc_checks if c["outcome"] == "rounding"]
            if failed:
                out.append(f"<h3 class='fail'>Errors in the published report ({len(failed)})</h3>")
                out.extend(_findings_table(failed, pages, links, "publisher"))
            else:
                out.append("<p class='pass'>No error found in the published report.</p>")
            if suspect:
                out.append(f"<h3 class='suspect_extraction'>Possible misreadings by the extractor ({len(suspect)})</h3>"
                           "<p class='muted'>These checks fail on figures extraction was unsure of (a column placement "
                           "inferred, layout warnings on the table): verify them on the page before citing them.</p>")
                out.extend(_findings_table(suspect, pages, links, "suspect"))
            if rounding:
                out.append(f"<details><summary class='rounding'>{len(rounding)} differences within rounding</summary>")
                out.extend(_findings_table(rounding, pages, links, "rounding"))
                out.append("</details>")
        out.append("<h2 id='rules'>Rule catalog</h2><table><tr><th>id</th><th>family</th><th>severity</th>"
                   "<th>tolerance</th><th>tables</th><th>description</th><th>suite</th></tr>")
        for rule in catalog.values():
            link = pages.get(rule.family)
            suite = f"<a href='{link}'>{rule.family}_rules</a>" if link else f"{rule.family}_rules"
            out.append(f"<tr><td>{rule.id}</td><td>{rule.family}</td><td>{rule.severity}</td><td>{rule.tolerance}</td>"
                       f"<td>{html.escape(', '.join(rule.tables))}</td><td>{html.escape(rule.description)}</td>"
                       f"<td>{suite}</td></tr>")
        out.append("</table><p class='muted'>Tolerance: a printed parent and the sum of its n printed parts may differ by "
                   "0.005 × (n + 1) 万元 (docs/domain.md §5 in the repository); within it the outcome is "
                   "<span class='rounding'>rounding</span>, beyond it <span class='fail'>fail</span>; a failure on figures "
                   "the extractor was unsure of is <span class='suspect_extraction'>suspect_extraction</span>.</p>"
                   "</body></html>")
        page.write("\n".join(out))
    return index
