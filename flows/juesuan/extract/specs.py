"""The standard final-accounts tables (DOMAIN.md §3) and the classification codes (§4), as data.

Adding a table or a locality's title variant is an entry here, not a new code path.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

from ..settings import PROJECT_ROOT


@dataclass(frozen=True)
class Measure:
    """A measure column: its key and the header labels that name it, most specific first."""

    key: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class CrossFigure:
    """A coded table's cell that a summary table prints too (DOMAIN.md §5, between tables).

    `lines` are summary line labels (ordinal removed) whose figures sum to the cell; `row` is "合计", or "class"
    for every 类 row, matched to the summary's class line by its code.
    """

    measure: str
    source: str
    side: str
    lines: tuple[str, ...] = ()
    source_measure: str = "amount"
    row: str = "合计"


@dataclass(frozen=True)
class TableSpec:
    """One standard table: how its title reads, how its rows are laid out, its measures in print order."""

    key: str
    title: str
    title_patterns: tuple[str, ...]  # regexes that must match the whole compact title, decorations removed
    row_kind: str  # coded | summary | economic | three_public | items
    measures: tuple[Measure, ...]
    expenditure_measures: tuple[Measure, ...] = field(default=())  # summary tables: the expenditure side
    row_identity: bool = False  # first measure = sum of the others (DOMAIN.md §5 row rules)
    cross_figures: tuple[CrossFigure, ...] = ()  # cells other tables print too: evidence for placing figures
    related: tuple[str, ...] = ()  # tables whose row of the same code shares measures: a tie-breaker
    # Words its header prints that no other table's does: a 决算 table under a title no pattern knows is still
    # recognised by them.
    header_words: tuple[str, ...] = ()


M = Measure
X = CrossFigure
_SUMMARY = "income_expenditure_summary"
_FISCAL_SUMMARY = "fiscal_appropriation_summary"

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "fiscal_appropriation_summary",
        "财政拨款收入支出决算总表",
        (r"财政拨款收入支出决算总表",),
        "summary",
        (M("amount", ("决算数", "金额")),),
        expenditure_measures=(
            M("total", ("合计", "小计")),
            M("general_budget", ("一般公共预算财政拨款", "一般公共预算")),
            M("gov_fund", ("政府性基金预算财政拨款", "政府性基金")),
            M("soe_capital", ("国有资本经营预算财政拨款", "国有资本经营")),
        ),
    ),
    TableSpec(
        "income_expenditure_summary",
        "收入支出决算总表",
        (r"收入支出决算总表",),
        "summary",
        (M("amount", ("决算数",)),),
        expenditure_measures=(M("amount", ("决算数",)),),
    ),
    TableSpec(
        "income_by_function",
        "收入决算表",
        (r"收入决算表",),
        "coded",
        (
            M("total", ("本年收入合计", "合计", "小计")),
            M("fiscal_appropriation", ("财政拨款收入", "财政拨款")),
            M("superior_subsidy", ("上级补助收入", "上级补助")),
            M("business_income", ("事业收入",)),
            M("operating_income", ("经营收入",)),
            M("subsidiary_remittance", ("附属单位上缴收入", "附属单位")),
            M("other_income", ("其他收入",)),
        ),
        row_identity=True,
        cross_figures=(
            X("total", _SUMMARY, "income", ("本年收入合计",)),
            X("fiscal_appropriation", _SUMMARY, "income",
              ("一般公共预算财政拨款收入", "政府性基金预算财政拨款收入", "国有资本经营预算财政拨款收入", "财政拨款收入")),
            X("superior_subsidy", _SUMMARY, "income", ("上级补助收入",)),
            X("business_income", _SUMMARY, "income", ("事业收入",)),
            X("operating_income", _SUMMARY, "income", ("经营收入",)),
            X("subsidiary_remittance", _SUMMARY, "income", ("附属单位上缴收入",)),
            X("other_income", _SUMMARY, "income", ("其他收入",)),
        ),
    ),
    TableSpec(
        "general_budget_basic_by_economic",
        "一般公共预算财政拨款基本支出决算表",
        (r"一般公共预算财政拨款基本支出决算(明细)?表",),
        "economic",
        (M("amount", ("金额", "决算数")),),
        header_words=("人员经费", "公用经费"),
    ),
    TableSpec(
        "general_budget_expenditure",
        "一般公共预算财政拨款支出决算表",
        (r"一般公共预算财政拨款(项目)?支出决算(明细)?表",),
        "coded",
        (
            M("total", ("本年支出合计", "合计", "小计")),
            M("basic", ("基本支出",)),
            M("project", ("项目支出",)),
        ),
        row_identity=True,
        cross_figures=(
            X("total", _FISCAL_SUMMARY, "expenditure", ("本年支出合计",), "general_budget"),
            X("total", _FISCAL_SUMMARY, "expenditure", (), "general_budget", row="class"),
        ),
    ),
    TableSpec(
        "gov_fund",
        "政府性基金预算财政拨款收入支出决算表",
        (r"政府性基金预算财政拨款(收入)?支出决算表",),
        "coded",
        (
            M("opening_balance", ("年初结转和结余",)),
            M("income", ("本年收入",)),
            M("expenditure_total", ("小计", "本年支出合计")),
            M("basic", ("基本支出",)),
            M("project", ("项目支出",)),
            M("closing_balance", ("年末结转和结余",)),
        ),
    ),
    TableSpec(
        "soe_capital",
        "国有资本经营预算财政拨款支出决算表",
        (r"国有资本经营预算财政拨款(收入)?支出决算表",),
        "coded",
        (
            M("total", ("小计", "合计", "本年支出合计")),
            M("basic", ("基本支出",)),
            M("project", ("项目支出",)),
        ),
        row_identity=True,
    ),
    TableSpec(
        "three_public",
        "财政拨款“三公”经费支出决算表",
        (
            r"(一般公共预算)?财政拨款.{0,2}三公.{0,2}经费支出(预)?决算表",
            # the same table with 会议费、培训费 beside the 三公 items
            r"(一般公共预算)?(财政拨款)?.{0,2}三公.{0,2}经费(、|和|及)?(会议费|培训费)(、|和|及)?(会议费|培训费)?支出(预)?决算表",
        ),
        "three_public",
        (M("budget_initial", ("年初预算数",)), M("budget", ("全年预算数", "预算数")), M("actual", ("决算数",))),
        header_words=("出国", "接待"),
    ),
    TableSpec(
        "state_assets",
        "国有资产占用情况表",
        (r"国有资产占用情况表",),
        "items",
        (M("count", ("决算数", "数量")),),
    ),
    TableSpec(
        "expenditure_by_function",
        "支出决算表",
        (r"支出决算表",),
        "coded",
        (
            M("total", ("本年支出合计", "合计", "小计")),
            M("basic", ("基本支出",)),
            M("project", ("项目支出",)),
            M("remit_to_superior", ("上缴上级支出", "上缴上级")),
            M("operating", ("经营支出",)),
            M("subsidy_to_subsidiary", ("对附属单位补助支出", "对附属单位")),
        ),
        row_identity=True,
        cross_figures=(
            X("total", _SUMMARY, "expenditure", ("本年支出合计",)),
            X("total", _SUMMARY, "expenditure", (), row="class"),
        ),
        related=("general_budget_expenditure",),
    ),
)

TABLES_BY_KEY = {spec.key: spec for spec in TABLES}

def _seed(name: str) -> list[dict[str, str]]:
    """A reference list kept once, as a dbt seed, and read here too."""
    with open(PROJECT_ROOT / "dbt_project" / "seeds" / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# DOMAIN.md §4: function classes, in the order the summary tables number them (一 … 二十六).
FUNCTION_CLASSES: dict[str, str] = {r["class_code"]: r["class_name"] for r in _seed("function_classes")}
ECONOMIC_CLASSES: dict[str, str] = {r["class_code"]: r["class_name"] for r in _seed("economic_classes")}
# 人员经费 is 301 + 303; everything else is 公用经费 (DOMAIN.md §4).
PERSONNEL_ECONOMIC_CLASSES = {r["class_code"] for r in _seed("economic_classes") if r["expense_group"] == "personnel"}

CHINESE_ORDINALS = (
    "一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六 十七 十八 十九 二十 "
    "二十一 二十二 二十三 二十四 二十五 二十六"
).split()
