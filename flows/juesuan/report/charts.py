"""ECharts options for the report's charts; None when there is nothing to draw (the page says so in a sentence)."""

from __future__ import annotations

from dataclasses import dataclass

PALETTE = ["#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5", "#9c6b4e", "#9498a0"]
VERDICT_COLOURS = {"通过": "#3ca951", "有问题": "#d1242f", "疑似识别错误": "#bf8700", "无适用检查": "#9498a0"}
OUTCOME_SERIES = (("pass", "通过 pass", "#3ca951"), ("rounding", "舍入差异 rounding", "#efb118"),
                  ("fail", "有问题 fail", "#d1242f"), ("suspect_extraction", "疑似识别错误 suspect", "#8250df"))


@dataclass
class Chart:
    """One chart: its element id, caption and ECharts option."""

    id: str
    title: str
    option: dict
    height: int = 320


def _n(value) -> float | None:
    return None if value is None else float(value)


def _base(unit: str, categories: list[str], horizontal: bool = False, integer: bool = False) -> dict:
    value_axis = {"type": "value", "name": unit, "axisLabel": {"hideOverlap": True}}
    if horizontal:  # the unit under the axis, where it cannot be cut off at the right edge
        value_axis.update({"nameLocation": "middle", "nameGap": 26})
    if integer:
        value_axis["minInterval"] = 1  # counts: no fractional ticks
    category_axis = {"type": "category", "data": categories, "axisLabel": {"interval": 0, "hideOverlap": True},
                     "inverse": horizontal}  # read top to bottom, in the order given
    return {
        "color": PALETTE, "animation": False,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 8, "right": 24, "top": 48, "bottom": 30 if horizontal else 8, "containLabel": True},
        "xAxis": value_axis if horizontal else category_axis,
        "yAxis": category_axis if horizontal else value_axis,
    }


def _bar(name: str, values: list, stack: str | None = None, colour: str | None = None, labels: bool = False) -> dict:
    values = [None if v == 0 else v for v in values]  # a zero draws no bar (barMinHeight would show one)
    series = {"type": "bar", "name": name, "data": values, "barMaxWidth": 48,
              "barMinHeight": 3}  # a small share stays visible beside a large one
    if stack:
        series["stack"] = stack
    if colour:
        series["itemStyle"] = {"color": colour}
    if labels:
        series["label"] = {"show": True, "position": "right" if not stack else "inside", "formatter": "{c}"}
    return series


def function_classes(chart_id: str, years: list[int], rows: list[dict]) -> Chart | None:
    """Spending by function class (类), stacked per year."""
    if not rows:
        return None
    classes = sorted({(r["class_code"], r["class_name"] or "") for r in rows})
    option = _base("万元", [str(y) for y in years])
    option["series"] = [
        _bar(f"{code} {name}".strip(), [
            next((_n(r["total"]) for r in rows if r["class_code"] == code and r["fiscal_year"] == y), None)
            for y in years], stack="classes")
        for code, name in classes]
    return Chart(chart_id, "按功能分类（类）的支出 · Spending by function class", option, 360)


def basic_project(chart_id: str, overview: list[dict]) -> Chart | None:
    """Basic against project spending per year."""
    if not any(r["basic_expenditure"] or r["project_expenditure"] for r in overview):
        return None
    option = _base("万元", [str(r["fiscal_year"]) for r in overview])
    option["series"] = [
        _bar("基本支出 basic", [_n(r["basic_expenditure"]) for r in overview], "spending", PALETTE[0]),
        _bar("项目支出 project", [_n(r["project_expenditure"]) for r in overview], "spending", PALETTE[1])]
    return Chart(chart_id, "基本支出与项目支出 · Basic versus project spending", option)


def three_public(chart_id: str, overview: list[dict]) -> Chart | None:
    """三公 budget against actual per year; None when no year has either figure."""
    years = [r for r in overview if r["three_public_budget"] is not None or r["three_public_actual"] is not None]
    if not years:
        return None
    option = _base("万元", [str(r["fiscal_year"]) for r in years])
    option["series"] = [_bar("预算数 budget", [_n(r["three_public_budget"]) for r in years], colour=PALETTE[7]),
                        _bar("决算数 actual", [_n(r["three_public_actual"]) for r in years], colour=PALETTE[2])]
    return Chart(chart_id, "“三公”经费预算与决算 · 三公 budget versus actual", option)


def budget_vs_final(chart_id: str, rows: list[dict]) -> Chart | None:
    """Budget against final by function class for the latest year that has both."""
    both = [r for r in rows if r.get("budget") is not None and r.get("final") is not None]
    if not both:
        return None
    year = max(r["fiscal_year"] for r in both)
    shallow = min(len(r["function_code"] or "") for r in both if r["fiscal_year"] == year)
    picked = [r for r in both if r["fiscal_year"] == year and len(r["function_code"] or "") == shallow]
    option = _base("万元", [f"{r['function_code']} {r.get('function_name') or ''}".strip() for r in picked],
                   horizontal=True)
    option["series"] = [_bar("预算 budget", [_n(r["budget"]) for r in picked], colour=PALETTE[7]),
                        _bar("决算 final", [_n(r["final"]) for r in picked], colour=PALETTE[0])]
    return Chart(chart_id, f"{year} 年预算与决算（按功能分类） · Budget versus final by function, {year}", option,
                 max(240, 48 * len(picked) + 80))


def performance_scores(chart_id: str, rows: list[dict]) -> Chart | None:
    """The department's self-evaluation score per year."""
    scored = [r for r in rows if r.get("score") is not None]
    if not scored:
        return None
    option = _base("分", [str(r["fiscal_year"]) for r in scored])
    option["yAxis"].update({"max": 100, "min": 0})
    series = _bar("自评得分 score", [_n(r["score"]) for r in scored], colour=PALETTE[4])
    series["label"] = {"show": True, "position": "top"}
    option["series"] = [series]
    return Chart(chart_id, "部门整体绩效自评得分 · Self-evaluation score", option, 280)


def verdicts(chart_id: str, documents: list[dict]) -> Chart | None:
    """How many documents have each verdict: counts on an integer axis, each bar labelled."""
    if not documents:
        return None
    names = [v for v in VERDICT_COLOURS if any(d["verdict"] == v for d in documents)]
    option = _base("文档数", names, horizontal=True, integer=True)
    option["legend"] = {"show": False}
    option["grid"]["top"] = 8
    option["series"] = [{
        "type": "bar", "name": "文档 documents", "barMaxWidth": 28, "barMinHeight": 4,
        "label": {"show": True, "position": "right"},
        "data": [{"value": sum(1 for d in documents if d["verdict"] == v),
                  "itemStyle": {"color": VERDICT_COLOURS[v]}} for v in names]}]
    return Chart(chart_id, "文档检查结论 · Documents by verdict", option, 50 + 36 * len(names))


def check_outcomes(chart_id: str, documents: list[dict]) -> Chart | None:
    """Check outcomes per document, stacked, with counts on an integer axis (a 4-in-167 failure stays visible)."""
    checked = [d for d in documents if d["checks_run"]]
    if not checked:
        return None
    option = _base("检查数 checks", [f"{d['fiscal_year'] or ''} {d['kind_label']}" for d in checked],
                   horizontal=True, integer=True)
    option["series"] = [_bar(label, [d["counts"].get(key) or None for d in checked], "outcomes", colour)
                        for key, label, colour in OUTCOME_SERIES
                        if any(d["counts"].get(key) for d in checked)]
    for series in option["series"]:
        series["label"] = {"show": True, "position": "inside", "formatter": "{c}"}
    return Chart(chart_id, "每份文档的检查结果 · Check outcomes per document", option, 80 + 44 * len(checked))
