"""The static HTML report built by every run: per agency, charts and tables, usable offline (inline SVG only)."""

from __future__ import annotations

import html
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb

PALETTE = ["#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5", "#9c6b4e", "#9498a0"]
STYLE = """
body { font-family: system-ui, "Noto Sans CJK SC", "Noto Sans SC", sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #1b1f24; padding: 0 1rem; }
h1 { font-size: 1.7rem; } h2 { font-size: 1.3rem; margin-top: 2.5rem; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1rem; margin: 1.2rem 0 0.3rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 1rem 2rem; }
figure { margin: 0; } figcaption { font-size: 0.85rem; color: #57606a; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.4rem 0; }
th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.5rem; } th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.legend span { display: inline-block; margin-right: 0.8rem; font-size: 0.8rem; }
.legend i { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.25rem; vertical-align: -1px; }
.muted { color: #57606a; }
"""


def _f(value) -> float:
    return float(value or 0)


def _num(value, digits: int = 2) -> str:
    return "" if value is None else f"{Decimal(value):,.{digits}f}"


def _legend(items: list[tuple[str, str]]) -> str:
    return "<div class='legend'>" + "".join(
        f"<span><i style='background:{color}'></i>{html.escape(label)}</span>" for label, color in items) + "</div>"


def _open_chart(chart_id: str, title: str, width: int, height: int) -> list[str]:
    return [f"<svg id='{chart_id}' class='chart' role='img' aria-label='{html.escape(title)}' "
            f"viewBox='0 0 {width} {height}' width='{width}' height='{height}' xmlns='http://www.w3.org/2000/svg'>",
            f"<title>{html.escape(title)}</title>"]


def _gridlines(peak: float, left: int, width: int, top: int, plot_h: float) -> list[str]:
    """Five horizontal gridlines with their values (two decimals when the scale is small)."""
    out = []
    for step in range(5):
        value = peak * step / 4
        y = top + plot_h - plot_h * step / 4
        label = f"{value:,.0f}" if peak >= 10 else f"{value:,.2f}"
        out.append(f"<line x1='{left}' x2='{width - 5}' y1='{y:.1f}' y2='{y:.1f}' stroke='#eaeef2'/>"
                   f"<text x='{left - 6}' y='{y + 4:.1f}' font-size='10' text-anchor='end' fill='#57606a'>{label}</text>")
    return out


def _close_chart(parts: list[str], title: str, unit: str, top: int, series) -> str:
    parts.append(f"<text x='4' y='{top - 4}' font-size='10' fill='#57606a'>{unit}</text></svg>")
    return (f"<figure>{''.join(parts)}<figcaption>{html.escape(title)}</figcaption>"
            f"{_legend([(label, color) for label, color, _ in series])}</figure>")


def stacked_bars(chart_id: str, title: str, categories: list[str], series: list[tuple[str, str, list[float]]],
                 unit: str = "万元") -> str:
    """A vertical stacked bar chart as inline SVG: one bar per category, one colour per series."""
    width, height, left, bottom, top = 480, 260, 64, 36, 16
    peak = max([sum(values[i] for _, _, values in series) for i in range(len(categories))] + [1e-9])
    plot_h = height - bottom - top
    slot = (width - left - 10) / max(len(categories), 1)
    bar_w = min(64, slot * 0.6)
    parts = _open_chart(chart_id, title, width, height) + _gridlines(peak, left, width, top, plot_h)
    for i, category in enumerate(categories):
        x = left + slot * i + (slot - bar_w) / 2
        y = top + plot_h
        for label, color, values in series:
            h = plot_h * values[i] / peak
            if h <= 0:
                continue
            y -= h
            parts.append(f"<rect class='bar' x='{x:.1f}' y='{y:.1f}' width='{bar_w:.1f}' height='{h:.1f}' "
                         f"fill='{color}'><title>{html.escape(category)} · {html.escape(label)}: "
                         f"{values[i]:,.2f} {unit}</title></rect>")
        parts.append(f"<text x='{x + bar_w / 2:.1f}' y='{height - bottom + 14}' font-size='11' text-anchor='middle'>"
                     f"{html.escape(category)}</text>")
    return _close_chart(parts, title, unit, top, series)


def grouped_bars(chart_id: str, title: str, categories: list[str], series: list[tuple[str, str, list[float]]],
                 unit: str = "万元") -> str:
    """Side-by-side bars per category (budget against actual)."""
    width, height, left, bottom, top = 480, 240, 64, 36, 16
    peak = max([v for _, _, values in series for v in values] + [1e-9])
    plot_h = height - bottom - top
    slot = (width - left - 10) / max(len(categories), 1)
    bar_w = min(32, slot * 0.7 / max(len(series), 1))
    parts = _open_chart(chart_id, title, width, height) + _gridlines(peak, left, width, top, plot_h)
    for i, category in enumerate(categories):
        start = left + slot * i + (slot - bar_w * len(series)) / 2
        for j, (label, color, values) in enumerate(series):
            h = plot_h * values[i] / peak
            parts.append(f"<rect class='bar' x='{start + j * bar_w:.1f}' y='{top + plot_h - h:.1f}' "
                         f"width='{bar_w - 2:.1f}' height='{h:.1f}' fill='{color}'><title>{html.escape(category)} · "
                         f"{html.escape(label)}: {values[i]:,.2f} {unit}</title></rect>")
        parts.append(f"<text x='{left + slot * i + slot / 2:.1f}' y='{height - bottom + 14}' font-size='11' "
                     f"text-anchor='middle'>{html.escape(category)}</text>")
    return _close_chart(parts, title, unit, top, series)


def _records(con, sql: str) -> list[dict]:
    return con.sql(sql).to_arrow_table().to_pylist()


def write_report(warehouse: Path, out_dir: Path) -> Path:
    """Build out_dir/index.html from the warehouse's marts and data-quality results."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        agencies = _records(con, "select * from dim_agency order by agency_name")
        overview = _records(con, "select * from mart_agency_year_overview order by agency_name, fiscal_year")
        classes = _records(con, "select * from mart_function_class_trend order by agency_id, fiscal_year, class_code")
        quality = _records(con, "select * from dq_document_summary order by agency_name, fiscal_year, file_name")
    finally:
        con.close()
    by_agency_overview = defaultdict(list)
    for row in overview:
        by_agency_overview[row["agency_id"]].append(row)
    by_agency_classes = defaultdict(list)
    for row in classes:
        by_agency_classes[row["agency_id"]].append(row)
    by_agency_quality = defaultdict(list)
    for row in quality:
        by_agency_quality[row["agency_name"]].append(row)
    body = ["<h1>juesuan · 部门决算 report</h1>",
            f"<p class='muted'>{len(agencies)} agencies · {len(overview)} agency-years of final accounts · "
            f"{len(quality)} documents. Amounts in 万元.</p>",
            "<nav><ul>" + "".join(f"<li><a href='#agency-{a['agency_id']}'>{html.escape(a['agency_name'])}</a></li>"
                                  for a in agencies) + "</ul></nav>"]
    for number, agency in enumerate(agencies):
        aid = agency["agency_id"]
        years = by_agency_overview.get(aid, [])
        where = " · ".join(x for x in (agency["province"], agency["city"], agency["county"], agency["district"]) if x)
        body.append(f"<section class='agency' id='agency-{aid}' data-agency='{html.escape(agency['agency_name'])}'>"
                    f"<h2>{html.escape(agency['agency_name'])}</h2><p class='muted'>{html.escape(where)} · "
                    f"{html.escape(agency['admin_level'])}</p><div class='charts'>")
        labels = [str(y["fiscal_year"]) for y in years]
        if years:
            class_names = sorted({(c["class_code"], c["class_name"]) for c in by_agency_classes.get(aid, [])})
            series = []
            for k, (code, name) in enumerate(class_names):
                values = [next((_f(c["total"]) for c in by_agency_classes[aid]
                                if c["class_code"] == code and c["fiscal_year"] == y["fiscal_year"]), 0.0)
                          for y in years]
                series.append((f"{code} {name}", PALETTE[k % len(PALETTE)], values))
            body.append(stacked_bars(f"classes-{number}", "Spending by function class (类), by year", labels, series))
            body.append(stacked_bars(f"basic-project-{number}", "Basic versus project spending, by year", labels, [
                ("basic 基本支出", PALETTE[0], [_f(y["basic_expenditure"]) for y in years]),
                ("project 项目支出", PALETTE[1], [_f(y["project_expenditure"]) for y in years])]))
            body.append(grouped_bars(f"three-public-{number}", "三公 budget versus actual, by year", labels, [
                ("budget 预算", PALETTE[7], [_f(y["three_public_budget"]) for y in years]),
                ("actual 决算", PALETTE[2], [_f(y["three_public_actual"]) for y in years])]))
        docs = by_agency_quality.get(agency["agency_name"], [])
        body.append(stacked_bars(f"quality-{number}", "Data-quality outcomes per document",
                                 [f"{d['fiscal_year']} {d['document_kind'].split('_')[0]}" for d in docs], [
                                     ("pass", "#3ca951", [float(d["passed"]) for d in docs]),
                                     ("rounding", "#efb118", [float(d["rounding"]) for d in docs]),
                                     ("fail", "#d1242f", [float(d["failures"]) for d in docs])], unit="checks"))
        body.append("</div>")
        if years:
            body.append("<h3>Overview</h3><table class='overview'><tr><th>year</th><th>income</th><th>expenditure</th>"
                        "<th>basic %</th><th>project %</th><th>三公 budget</th><th>三公 actual</th><th>三公 executed %</th>"
                        "<th>change on prior year %</th></tr>" + "".join(
                            f"<tr><td>{y['fiscal_year']}</td><td class='num'>{_num(y['total_income'])}</td>"
                            f"<td class='num'>{_num(y['total_expenditure'])}</td><td class='num'>{_num(y['basic_share_pct'])}</td>"
                            f"<td class='num'>{_num(y['project_share_pct'])}</td><td class='num'>{_num(y['three_public_budget'])}</td>"
                            f"<td class='num'>{_num(y['three_public_actual'])}</td>"
                            f"<td class='num'>{_num(y['three_public_execution_pct'])}</td>"
                            f"<td class='num'>{_num(y['total_expenditure_change_pct'])}</td></tr>" for y in years)
                        + "</table>")
        body.append("<h3>Documents</h3><table class='documents'><tr><th>file</th><th>year</th><th>kind</th>"
                    "<th>checks</th><th>rounding</th><th>fail</th></tr>" + "".join(
                        f"<tr><td>{html.escape(d['file_name'])}</td><td>{d['fiscal_year']}</td>"
                        f"<td>{html.escape(d['document_kind'])}</td><td class='num'>{d['checks_run']}</td>"
                        f"<td class='num'>{d['rounding']}</td><td class='num'>{d['failures']}</td></tr>" for d in docs)
                    + "</table></section>")
    out_dir.mkdir(parents=True, exist_ok=True)
    index = out_dir / "index.html"
    index.write_text(f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>juesuan report</title>"
                     f"<style>{STYLE}</style></head><body>{''.join(body)}</body></html>", encoding="utf-8")
    return index
