"""The standard final-accounts tables (docs/domain.md §3) and the classification codes (§4), as data.

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
    optional: bool = False  # a column only some layouts print: kept only when its header label is printed
    group: str | None = None  # optional columns printed together: all kept, or none


@dataclass(frozen=True)
class CrossFigure:
    """A coded table's cell that a summary table prints too (docs/domain.md §5, between tables).

    `lines` are summary line labels (ordinal removed) whose figures sum to the cell; `row` is "合计", or "class"
    for every 类 row, matched to the summary's class line by its code. A 合计 with no `lines` is the sum of the
    source's 类 rows (a classified table's total), zero when the source is printed without any figure.
    """

    measure: str
    source: str
    side: str | None
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
    row_identity: bool = False  # first measure = sum of the others (docs/domain.md §5 row rules)
    cross_figures: tuple[CrossFigure, ...] = ()  # cells other tables print too: evidence for placing figures
    related: tuple[str, ...] = ()  # tables whose row of the same code shares measures: a tie-breaker
    # Words its header prints that no other table's does: a 决算 table under a title no pattern knows is still
    # recognised by them.
    header_words: tuple[str, ...] = ()
    phase: str = "final"  # final (决算) or budget (预算): which documents print this title
    row_sums: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())  # other row identities: (total, parts)
    # Header labels of columns some layouts print beside the measures and the spec does not keep (上年结转, or the
    # 财政拨款 group's sub-columns): where figures are placed by the row identities, such a column takes part in
    # them unseen, so the optional measures are not read there (see document._printed_measures).
    unkept_columns: tuple[str, ...] = ()

    def sums(self, keys: list[str]) -> list[tuple[str, list[str]]]:
        """The row identities among these measure keys (the first key = Σ the others, unless row_sums say)."""
        if self.row_sums:
            return [(total, [p for p in parts if p in keys]) for total, parts in self.row_sums
                    if total in keys and any(p in keys for p in parts)]
        return [(keys[0], keys[1:])] if self.row_identity and len(keys) > 1 else []


M = Measure
X = CrossFigure
_SUMMARY = "income_expenditure_summary"
_FISCAL_SUMMARY = "fiscal_appropriation_summary"
# The general budget's basic expenditure is what its economic table classifies (docs/domain.md §5).
_BASIC_BY_ECONOMIC = X("basic", "general_budget_basic_by_economic", None, (), "amount")

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "fiscal_appropriation_summary",
        "财政拨款收入支出决算总表",
        (r"财政拨款(?:收入支出|收支)决算总表",),
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
        (r"(?:收入支出|收支)决算总?表|决算收支总表",),
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
        (r"(?:一般公共预算)?(?:财政拨款)?基本支出决算(明细)?表",),
        "economic",
        (M("amount", ("金额", "决算数")),),
        header_words=("人员经费", "公用经费"),
    ),
    TableSpec(
        "general_budget_expenditure",
        "一般公共预算财政拨款支出决算表",
        (r"一般公共预算(?:财政拨款)?(项目)?支出决算(明细)?表",),
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
            _BASIC_BY_ECONOMIC,
        ),
    ),
    TableSpec(
        "gov_fund",
        "政府性基金预算财政拨款收入支出决算表",
        (r"政府性基金(?:预算)?(?:财政拨款)?(?:(收入)?支出)?决算表",),
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
        (r"国有资本经营(?:预算)?(?:财政拨款)?(?:(收入)?支出)?决算表",),
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
            r"(一般公共预算)?(财政拨款)?.{0,2}三公.{0,2}经费支出(预)?决算表",
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

# Budgets (docs/domain.md §7): the same canonical keys, their own titles. A title may open with who publishes
# (部门, 单位, 市级部门, 预算单位) and close with a bracketed note (（按功能分类）, （功能科目）).
_WHO = r"(?:(?:市级|区级|县级|本级)?(?:部门|单位|预算单位))?"
_NOTE = r"(?:[（(][^（）()]{1,12}[）)])?"
_BASIC = M("basic", ("基本支出",))
_PROJECT = M("project", ("项目支出",))
_PERSONNEL = M("personnel", ("人员经费", "人员支出"), optional=True, group="basic_split")
_PUBLIC = M("public", ("公用经费", "日常公用支出", "日常公用"), optional=True, group="basic_split")
_FUNCTION_SUMS = (("total", ("basic", "project")), ("basic", ("personnel", "public")))
BUDGET_TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "fiscal_appropriation_summary",
        "财政拨款收支总表",
        (_WHO + r"财政拨款收支(?:预算)?总(?:体情况)?表" + _NOTE,),
        "summary",
        (M("amount", ("预算数", "预算", "金额")),),
        expenditure_measures=(
            M("total", ("合计", "小计", "预算数")),
            M("general_budget", ("一般公共预算",)),
            M("gov_fund", ("政府性基金预算", "政府性基金")),
            M("soe_capital", ("国有资本经营预算", "国有资本经营")),
        ),
        phase="budget",
    ),
    TableSpec(
        "income_expenditure_summary",
        "收支总表",
        (_WHO + r"(?:财务)?收支(?:预算)?总(?:体情况)?表" + _NOTE,),
        "summary",
        (M("amount", ("预算数", "预算")),),
        expenditure_measures=(M("amount", ("预算数", "预算")),),
        phase="budget",
    ),
    TableSpec(
        "income_by_function",
        "收入总表",
        (_WHO + r"收入(?:预算总|总(?:体情况)?|预算)表" + _NOTE,),
        "coded",
        (
            M("total", ("合计", "总计", "收入总计")),
            # Many budgets print this table per unit (合计 | 本年收入 | 上年结转 groups): only the total is kept there.
            M("fiscal_appropriation", ("财政拨款收入",), optional=True, group="sources"),
            M("business_income", ("事业收入",), optional=True, group="sources"),
            M("operating_income", ("经营收入",), optional=True, group="sources"),
            M("other_income", ("其他收入",), optional=True, group="sources"),
        ),
        row_identity=True,
        phase="budget",
        unkept_columns=("上年结转", "结转结余", "非财政拨款结余", "上级补助", "附属单位上缴", "财政专户",
                        "一般公共预算", "政府性基金", "国有资本经营"),
    ),
    TableSpec(
        "expenditure_by_function",
        "支出总表",
        (_WHO + r"(?:本年)?支出(?:预算总|总(?:体情况)?|预算)表" + _NOTE,),
        "coded",
        (
            M("total", ("合计", "总计", "支出总计")),
            _BASIC, _PERSONNEL, _PUBLIC, _PROJECT,
            # Printed by some budgets only (often all blank): kept where the header names them.
            M("remit_to_superior", ("上缴上级支出", "上缴上级"), optional=True),
            M("operating", ("事业单位经营支出", "经营支出", "事业单位经营"), optional=True),
            M("subsidy_to_subsidiary", ("对附属单位补助支出", "对附属单位"), optional=True),
        ),
        phase="budget",
        row_sums=(("total", ("basic", "project", "remit_to_superior", "operating", "subsidy_to_subsidiary")),
                  ("basic", ("personnel", "public"))),
        # Most budgets spend only the general budget: where its table tells basic from project, so does this one.
        related=("general_budget_expenditure",),
    ),
    TableSpec(
        "general_budget_basic_by_economic",
        "一般公共预算基本支出表",
        (_WHO + r"一般公共预算(?:财政拨款)?基本支出(?:部门预算)?(?:经济分类)?(?:预算|情况)?表" + _NOTE,),
        "economic",
        (M("amount", ("合计", "总计", "预算数", "预算", "金额")),),
        phase="budget",
    ),
    TableSpec(
        "general_budget_expenditure",
        "一般公共预算支出表",
        (_WHO + r"一般公共预算(?:拨款|财政拨款)?支出(?:功能分类)?(?:预算|情况)?表(?:[（(]按?功能(?:分类)?(?:科目)?[）)])?",),
        "coded",
        (M("total", ("合计", "总计", "小计", "支出总计")), _BASIC, _PERSONNEL, _PUBLIC, _PROJECT),
        phase="budget",
        row_sums=_FUNCTION_SUMS,
        cross_figures=(_BASIC_BY_ECONOMIC,),
        related=("expenditure_by_function",),  # the 支出总表 prints every code's basic and project
    ),
    TableSpec(
        "gov_fund",
        "政府性基金预算支出表",
        (_WHO + r"政府性基金预算(?:拨款|财政拨款)?支出(?:功能分类)?(?:预算|情况)?表" + _NOTE,),
        "coded",
        (M("total", ("合计", "总计", "小计", "支出总计")), _BASIC, _PERSONNEL, _PUBLIC, _PROJECT),
        phase="budget",
        row_sums=_FUNCTION_SUMS,
        related=("expenditure_by_function",),  # the 支出总表 prints every code's basic and project
    ),
    TableSpec(
        "soe_capital",
        "国有资本经营预算支出表",
        (_WHO + r"国有资本经营预算(?:拨款|财政拨款)?支出(?:功能分类)?(?:预算|情况)?(?:预算)?表" + _NOTE,),
        "coded",
        (M("total", ("合计", "总计", "小计", "本年支出合计", "支出总计")), _BASIC, _PERSONNEL, _PUBLIC, _PROJECT),
        phase="budget",
        row_sums=_FUNCTION_SUMS,
        related=("expenditure_by_function",),  # the 支出总表 prints every code's basic and project
    ),
    TableSpec(
        "three_public",
        "财政拨款“三公”经费支出表",
        (_WHO + r"(?:一般公共预算)?(?:财政拨款)?(?:安排的行政经费及)?三公经费(?:和机关运行经费|、会议费、培训费)?"
         r"(?:支出|预算)(?:预算|情况)?表" + _NOTE,),
        "three_public",
        (M("budget", ("预算数", "预算")),),
        phase="budget",
    ),
)
# Every title the finder knows, final accounts' and budgets'.
TITLE_SPECS: tuple[TableSpec, ...] = TABLES + BUDGET_TABLES

def _seed(name: str) -> list[dict[str, str]]:
    """A reference list kept once, as a dbt seed, and read here too."""
    with open(PROJECT_ROOT / "dbt_project" / "seeds" / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# docs/domain.md §4: function classes, in the order the summary tables number them (一 … 二十六).
FUNCTION_CLASSES: dict[str, str] = {r["class_code"]: r["class_name"] for r in _seed("function_classes")}
ECONOMIC_CLASSES: dict[str, str] = {r["class_code"]: r["class_name"] for r in _seed("economic_classes")}
# The national 款 of the economic classification, some under more than one printed name (生活补助 / 生活补贴).
ECONOMIC_ITEMS: tuple[tuple[str, str], ...] = tuple(
    (r["item_code"], name) for r in _seed("economic_items")
    for name in [r["item_name"], *filter(None, r["also_printed_as"].split("|"))])
# 人员经费 is 301 + 303; everything else is 公用经费 (docs/domain.md §4).
PERSONNEL_ECONOMIC_CLASSES = {r["class_code"] for r in _seed("economic_classes") if r["expense_group"] == "personnel"}

CHINESE_ORDINALS = (
    "一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六 十七 十八 十九 二十 "
    "二十一 二十二 二十三 二十四 二十五 二十六"
).split()
