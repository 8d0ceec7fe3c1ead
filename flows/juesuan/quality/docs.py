"""The data-quality index page: documents with their outcome counts, their findings, and links into GX's docs."""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from pathlib import Path

STYLE = """
body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; margin: 2rem; color: #1b1f24; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2rem; font-size: 1.25rem; } h3 { font-size: 1.05rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.fail { color: #b42318; font-weight: 600; } .rounding { color: #9a6700; } .pass { color: #1a7f37; }
.muted { color: #57606a; }
"""


def _escape(value) -> str:
    if value is None:
        return ""
    return html.escape(f"{value.normalize():f}" if hasattr(value, "as_tuple") else str(value))


def _validation_pages(site: Path, dq_dir: Path) -> dict[str, str]:
    """The newest GX validation page of each family, as a link relative to the index page."""
    pages = {}
    for page in sorted((site / "validations").glob("*_rules/**/*.html"), key=lambda p: p.stat().st_mtime):
        family = page.relative_to(site / "validations").parts[0].removesuffix("_rules")
        pages[family] = page.relative_to(dq_dir).as_posix()
    return pages


def write_index(dq_dir: Path, site: Path, documents: list[dict], checks: list[dict], catalog: dict, run_id: str) -> Path:
    """Write dq_dir/index.html and return its path."""
    pages = _validation_pages(site, dq_dir)
    by_document: dict[str, list[dict]] = defaultdict(list)
    for check in checks:
        by_document[check["file_name"]].append(check)
    info = {d["file_name"]: d for d in documents}
    out = [f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>juesuan data quality</title>"
           f"<style>{STYLE}</style></head><body>",
           "<h1>juesuan · data quality</h1>",
           f"<p class='muted'>Run {html.escape(run_id)} · {len(checks)} checks over {len(info)} documents · "
           f"<a href='gx/index.html'>Great Expectations data docs</a></p>",
           "<h2 id='documents'>Documents</h2>",
           "<table id='document-outcomes'><tr><th>document</th><th>agency</th><th>year</th><th>checks</th>"
           "<th>pass</th><th>rounding</th><th>fail</th></tr>"]
    for file_name in sorted(info):
        doc_checks = by_document.get(file_name, [])
        counts = Counter(c["outcome"] for c in doc_checks)
        first = info[file_name]
        anchor = f"doc-{first['document_id'][:12]}"
        out.append(
            f"<tr data-document='{html.escape(file_name)}'><td><a href='#{anchor}'>{html.escape(file_name)}</a></td>"
            f"<td>{_escape(first['agency_name'])}</td><td>{_escape(first['fiscal_year'])}</td>"
            f"<td class='num'>{len(doc_checks)}</td><td class='num pass'>{counts['pass']}</td>"
            f"<td class='num rounding'>{counts['rounding']}</td><td class='num fail'>{counts['fail']}</td></tr>")
    out.append("</table>")
    for file_name in sorted(info):
        doc_checks = by_document.get(file_name, [])
        findings = [c for c in doc_checks if c["outcome"] != "pass"]
        out.append(f"<h2 id='doc-{info[file_name]['document_id'][:12]}'>{html.escape(file_name)}</h2>")
        if not doc_checks:
            out.append("<p class='muted'>No consistency rule applies: the document has no standard table and no "
                       "figure the rules compare.</p>")
            continue
        if not findings:
            out.append("<p class='pass'>Every check passes exactly.</p>")
            continue
        out.append("<table class='findings'><tr><th>outcome</th><th>rule</th><th>table</th><th>row</th><th>column</th>"
                   "<th>expected</th><th>printed</th><th>difference</th><th>tolerance</th><th>line</th>"
                   "<th>detail</th></tr>")
        for c in sorted(findings, key=lambda c: (c["outcome"] != "fail", c["rule_id"], c["source_line"] or 0)):
            link = pages.get(c["family"])
            rule = f"<a href='{link}'>{c['rule_id']}</a>" if link else c["rule_id"]
            out.append(
                f"<tr class='finding {c['outcome']}'><td class='{c['outcome']}'>{c['outcome']}</td><td>{rule}</td>"
                f"<td>{_escape(c['table_key'])}</td><td>{_escape(c['row_code'] or c['row_name'])}</td>"
                f"<td>{_escape(c['column_name'])}</td><td class='num'>{_escape(c['expected'])}</td>"
                f"<td class='num'>{_escape(c['actual'])}</td><td class='num'>{_escape(c['difference'])}</td>"
                f"<td class='num'>{_escape(c['tolerance'].quantize(c['tolerance'].__class__('0.0001')))}</td>"
                f"<td class='num'>{_escape(c['source_line'])}</td><td>{_escape(c['detail'])}</td></tr>")
        out.append("</table>")
    out.append("<h2 id='rules'>Rule catalog</h2><table><tr><th>id</th><th>family</th><th>severity</th>"
               "<th>tolerance</th><th>tables</th><th>description</th><th>suite</th></tr>")
    for rule in catalog.values():
        link = pages.get(rule.family)
        suite = f"<a href='{link}'>{rule.family}_rules</a>" if link else f"{rule.family}_rules"
        out.append(f"<tr><td>{rule.id}</td><td>{rule.family}</td><td>{rule.severity}</td><td>{rule.tolerance}</td>"
                   f"<td>{html.escape(', '.join(rule.tables))}</td><td>{html.escape(rule.description)}</td>"
                   f"<td>{suite}</td></tr>")
    out.append("</table><p class='muted'>Tolerance: a printed parent and the sum of its n printed parts may differ by "
               "0.005 × (n + 1) 万元 (docs/domain.md §5 in the repository); within it the outcome is <span class='rounding'>rounding</span>, "
               "beyond it <span class='fail'>fail</span>.</p></body></html>")
    dq_dir.mkdir(parents=True, exist_ok=True)
    index = dq_dir / "index.html"
    index.write_text("\n".join(out), encoding="utf-8")
    return index
