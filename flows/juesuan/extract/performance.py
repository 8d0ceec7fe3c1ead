"""Performance self-evaluations (绩效自评): project forms (项目支出绩效自评表) and department-wide results.

Project forms are read from their table rows (cells); department-wide figures from the prose: the
self-evaluation score and grade, the year's budget, execution and rate, and staffing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .readers import Line, RawDocument

_FORM_TITLE = re.compile(r"项目支出绩效自评表")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_TARGET = re.compile(r"(?P<pre>≥|≤|>|<|＞|＜|=|不低于|不少于|不高于|不超过|高达|达到|提高了|节约了)?\s*"
                     r"(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>%|[^\d\s%以]{0,4})?(?P<post>以上|以下|及以上|及以下)?")
_COMPARATORS = {"≥": "≥", "不低于": "≥", "不少于": "≥", "以上": "≥", "及以上": "≥", "≤": "≤", "不高于": "≤",
                "不超过": "≤", "以下": "≤", "及以下": "≤", ">": ">", "＞": ">", "<": "<", "＜": "<", "=": "="}
_SCORE = re.compile(r"(?:自评得分|自评分数|自评分|自评结果|得分|分数|评分)[为是:：]?\s*(\d+(?:\.\d+)?)\s*分")
_TOTAL_SPENT = re.compile(r"(?P<subject>[^，。；,;：:\d]{0,24}(?:支出|决算)[^，。；,;\d]{0,6}?)(?P<num>\d[\d,]*(?:\.\d+)?)(?P<unit>万元|元)")
_GRADE = re.compile(r"(?:等级|评价结果|自评结果|自评等级|评级)[为是:：]?\s*[“\"]?(优秀|优|良好|良|中|合格|差|不合格)")
_BUDGET = re.compile(r"全年预算数\s*(?P<budget>[\d,]+(?:\.\d+)?)\s*万元[，,]\s*执行数\s*(?P<executed>[\d,]+(?:\.\d+)?)\s*万元"
                     r"[，,]\s*完成预算的\s*(?P<rate>\d+(?:\.\d+)?)%")
_STAFF = re.compile(r"(编制数|实有人数|在职人员|在编人数)\s*(\d+)\s*人")


@dataclass
class Indicator:
    """One row of a project form's indicator table."""

    level1: str | None
    level2: str | None
    name: str
    target_text: str
    target_comparator: str | None
    target_value: Decimal | None
    target_unit: str | None
    actual_text: str
    actual_value: Decimal | None
    actual_unit: str | None
    weight: Decimal | None
    score: Decimal | None
    deviation: str | None
    source_line: int


@dataclass
class ProjectForm:
    """One 项目支出绩效自评表."""

    project_name: str
    supervising_department: str | None = None
    implementing_unit: str | None = None
    budget_initial: Decimal | None = None
    budget: Decimal | None = None
    executed: Decimal | None = None
    execution_weight: Decimal | None = None
    execution_rate: Decimal | None = None
    execution_score: Decimal | None = None
    goal_expected: str | None = None
    goal_achieved: str | None = None
    total_weight: Decimal | None = None
    total_score: Decimal | None = None
    source_line: int = 0
    indicators: list[Indicator] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # rows seen but not read, with why


@dataclass
class DepartmentResult:
    """Department-wide figures a self-evaluation states."""

    score: Decimal | None = None
    score_line: int | None = None
    grade: str | None = None
    budget: Decimal | None = None
    executed: Decimal | None = None
    execution_rate: Decimal | None = None
    budget_line: int | None = None
    total_expenditure: Decimal | None = None  # 万元
    total_expenditure_printed: str | None = None
    total_expenditure_line: int | None = None
    staffing: dict[str, int] = field(default_factory=dict)


def _cells(line: Line) -> list[str]:
    """A tab/pipe row's cells, each cell's pieces joined (extractors break cells at spaces)."""
    cells: dict[int, str] = {}
    for token in line.tokens:
        cells[token.col] = cells.get(token.col, "") + token.text
    return [cells[i] for i in sorted(cells)]


def _number(text: str | None) -> Decimal | None:
    if text is None:
        return None
    text = text.replace(",", "").rstrip("%")
    try:
        return Decimal(text) if _NUMBER.match(text) else None
    except InvalidOperation:  # pragma: no cover - guarded by the pattern
        return None


def parse_target(text: str) -> tuple[str | None, Decimal | None, str | None]:
    """(comparator, number, unit) of a printed target or actual value; (None, None, None) for text only."""
    m = _TARGET.search(text)
    if not m:
        return None, None, None
    comparator = _COMPARATORS.get(m.group("pre") or "") or _COMPARATORS.get(m.group("post") or "")
    unit = (m.group("unit") or "").strip() or None
    return comparator, Decimal(m.group("num")), unit


def _indicator(cells: list[str], line: Line, carry: dict) -> Indicator | None:
    """An indicator row: its last two numeric cells are weight and score; before them actual, target, name."""
    filled = [c for c in cells if c]
    positions = [i for i in range(1, len(filled)) if _number(filled[i]) is not None and _number(filled[i - 1]) is not None]
    if not positions or positions[-1] < 4:
        return None
    k = positions[-1]
    level_cells = filled[: k - 4]
    level1 = next((c for c in level_cells if c.endswith("指标") and not c.startswith("绩效") and
                   (c.startswith(("产出", "效益", "满意度", "成本")))), None)
    level2 = next((c for c in reversed(level_cells) if c != level1 and c != "绩效指标"), None)
    carry["level1"] = level1 or carry.get("level1")
    carry["level2"] = level2 or carry.get("level2")
    target, actual = filled[k - 3], filled[k - 2]
    comparator, target_value, target_unit = parse_target(target)
    actual_value = _number(actual)
    actual_unit = None
    if actual_value is None and re.fullmatch(r"\d+(?:\.\d+)?\s*%", actual):
        actual_value, actual_unit = _number(actual), "%"
    return Indicator(carry["level1"], carry["level2"], filled[k - 4], target, comparator, target_value, target_unit,
                     actual, actual_value, actual_unit, _number(filled[k - 1]), _number(filled[k]),
                     " ".join(filled[k + 1:]) or None, line.number)


def extract_project_forms(doc: RawDocument) -> list[ProjectForm]:
    """Every project form printed as a table (tab or pipe rows) in the document."""
    forms: list[ProjectForm] = []
    current: ProjectForm | None = None
    carry: dict = {}
    goal_next = False
    for line in doc.lines:
        if not line.positional:
            if _FORM_TITLE.search(line.compact):
                current, carry = None, {}
            continue
        cells = _cells(line)
        filled = [c for c in cells if c]
        if not filled:
            continue
        head = filled[0]
        if head == "项目名称" and len(filled) > 1:
            current = ProjectForm(filled[1], source_line=line.number)
            forms.append(current)
            carry, goal_next = {}, False
            continue
        if current is None:
            continue
        if head == "主管部门":
            current.supervising_department = filled[1] if len(filled) > 1 else None
            if "实施单位" in filled:
                index = filled.index("实施单位")
                current.implementing_unit = filled[index + 1] if index + 1 < len(filled) else None
        elif head == "年度资金总额" or (len(filled) > 1 and filled[1] == "年度资金总额" and head != "年度资金总额"):
            numbers = [_number(c) for c in filled[filled.index("年度资金总额") + 1:]]
            (current.budget_initial, current.budget, current.executed, current.execution_weight,
             current.execution_rate, current.execution_score) = (numbers + [None] * 6)[:6]
        elif head.replace(" ", "").startswith("年度总体目标"):
            goal_next = True
        elif goal_next:
            current.goal_expected = filled[0]
            current.goal_achieved = filled[-1] if len(filled) > 1 else None
            goal_next = False
        elif head == "总分":
            numbers = [_number(c) for c in filled[1:] if _number(c) is not None]
            if numbers:
                current.total_weight, current.total_score = (numbers[0], numbers[-1]) if len(numbers) > 1 else (None, numbers[0])
        else:
            indicator = _indicator(cells, line, carry)
            if indicator is not None:
                current.indicators.append(indicator)
    return forms


def extract_department_result(doc: RawDocument) -> DepartmentResult:
    """The department-wide self-evaluation figures stated in prose."""
    result = DepartmentResult()
    joined = [(line.number, line.compact) for line in doc.lines if not line.positional]
    text = "".join(t for _, t in joined)
    starts, offset = [], 0
    for number, part in joined:
        starts.append((offset, number))
        offset += len(part)

    def line_at(position: int) -> int:
        return max((n for o, n in starts if o <= position), default=None)

    scores = [m for m in _SCORE.finditer(text) if "自评" in text[max(0, m.start() - 30): m.end()]]
    if scores:
        result.score, result.score_line = Decimal(scores[-1].group(1)), line_at(scores[-1].start())
    if m := _GRADE.search(text):
        result.grade = m.group(1)
    if m := _BUDGET.search(text):
        result.budget = Decimal(m.group("budget").replace(",", ""))
        result.executed = Decimal(m.group("executed").replace(",", ""))
        result.execution_rate = Decimal(m.group("rate"))
        result.budget_line = line_at(m.start())
    for m in _STAFF.finditer(text):
        result.staffing.setdefault(m.group(1), int(m.group(2)))
    # The year's spending: the first amount stated under the 部门整体支出情况 heading.
    text_of = dict(joined)
    heading = next((o for o, n in starts if o > 0 and "整体支出情况" in text_of[n]), None)
    if heading is not None and (m := _TOTAL_SPENT.search(text, heading)):
        value = Decimal(m.group("num").replace(",", ""))
        result.total_expenditure = value / 10000 if m.group("unit") == "元" else value
        result.total_expenditure_printed = m.group("num") + m.group("unit")
        result.total_expenditure_line = line_at(m.start("num"))
    return result


_DEPT_FORM_TITLE = re.compile(r"部门整体支出绩效自评表")


def extract_department_form(doc: RawDocument) -> DepartmentResult | None:
    """The one-page department form (部门整体支出绩效自评表, docs/domain.md §8): from its 年度资金总额 row the
    全年预算数, 执行数 and 执行率 (年初预算数, 全年预算数, 执行数, 分值, 执行率, 得分 in print order), and 总分."""
    if not any(_DEPT_FORM_TITLE.search(line.compact) for line in doc.lines):
        return None
    result = DepartmentResult()
    for line in doc.lines:
        cells = [c for c in (_cells(line) if line.positional else [t.text for t in line.tokens]) if c]
        if not cells:
            continue
        if "年度资金总额" in cells and result.budget is None:
            numbers = [_number(c) for c in cells[cells.index("年度资金总额") + 1:]]
            _initial, budget, executed, _weight, rate, _score = (numbers + [None] * 6)[:6]
            if budget is not None and executed is not None:
                result.budget, result.executed, result.execution_rate = budget, executed, rate
                result.budget_line = line.number
        elif cells[0] == "总分" and result.score is None:
            numbers = [n for n in (_number(c) for c in cells[1:]) if n is not None]
            if numbers:
                result.score, result.score_line = numbers[-1], line.number
    return result if result.budget is not None or result.score is not None else None


_LABELLED_NAME = re.compile(r"项目名称[:：]\s*(\S.*)$")
_LABELLED_AMOUNT = re.compile(r"^(?:评价金额|项目金额|项目资金)[:：]?\s*(\d[\d,]*(?:\.\d+)?)?$")


_LEVEL2 = re.compile(r"^(数量指标|质量指标|时效指标|成本指标|经济效益指标|社会效益指标|环境效益指标|生态效益指标|"
                     r"可持续发展指标|可持续影响指标|服务对象或公众满意度|服务对象满意度(?:指标)?)(?:\s+(.*))?$")
_ACTUAL_LINE = re.compile(r"^(?P<actual>\S+)\s+(?P<reason>(?:已|未)?完成.*)$")
_LEVEL1 = (("满意度", "满意度指标"), ("效益", "效益指标"), ("", "产出指标"))


def _display_width(text: str) -> int:
    return sum(1 if ord(ch) < 0x2E80 else 2 for ch in text)


def _split_name_formula(lines: list[str]) -> tuple[str, str]:
    """Split a name cell from the formula cell printed after it: each wrapped at its own column width, so the
    split that leaves each cell's full lines equally wide is the one (ties: the shorter name)."""
    best, best_cost = 1, None
    for split in range(1, len(lines)):
        cost = 0
        for cell in (lines[:split], lines[split:]):
            widths = [_display_width(line) for line in cell[:-1]]
            cost += (max(widths) - min(widths)) if widths else 0
        if best_cost is None or cost < best_cost:
            best, best_cost = split, cost
    return "".join(lines[:best]), "".join(lines[best:])


def extract_text_indicators(doc: RawDocument) -> tuple[list[Indicator], list[str]]:
    """Indicator rows of a 基础信息表 printed as text, cells wrapped line by line.

    A row runs from its 二级 label to the line that prints its actual value and 已完成/未完成; the target is the
    shortest run of lines before it that reads as a target with a number. Rows that do not read so are reported.
    """
    indicators: list[Indicator] = []
    skipped: list[str] = []
    current: tuple[str, int, list[str]] | None = None
    for line in doc.lines:
        text = line.text.strip()
        if m := _LEVEL2.match(text):
            if current is not None:
                skipped.append(f"line {current[1]}: {current[0]} row not read (its cells do not end in a result)")
            rest = (m.group(2) or "").split()
            current = None if rest and all(word == "无" for word in rest) else (m.group(1), line.number, [])
            continue
        if current is None:
            continue
        if m := _ACTUAL_LINE.match(text):
            level2, number, cells = current
            current = None
            target_at = next((k for k in range(len(cells) - 1, 0, -1)
                              if parse_target("".join(cells[k:]))[1] is not None), None)
            if target_at is None or target_at < 2:
                skipped.append(f"line {number}: {level2} row not read (no target before its result)")
                continue
            name, _formula = _split_name_formula(cells[:target_at])
            target = "".join(cells[target_at:])
            comparator, target_value, target_unit = parse_target(target)
            actual = m.group("actual")
            _, actual_value, actual_unit = parse_target(actual)
            level1 = next(label for key, label in _LEVEL1 if key in level2)
            indicators.append(Indicator(level1, level2, name, target, comparator, target_value, target_unit, actual,
                                        actual_value, actual_unit, None, None, m.group("reason"), number))
        elif not re.fullmatch(r"(产出|效益|满意度)?指?标?", text):  # the 一级 label's wrapped pieces
            current[2].append(text)
    return indicators, skipped


def extract_labelled_project(doc: RawDocument, score: Decimal | None) -> ProjectForm | None:
    """A project form printed as label/value text (a 基础信息表 broken over lines): name, amount, score, and the
    indicator rows that can be read."""
    name = amount = None
    line_no = 0
    lines = doc.lines
    for index, line in enumerate(lines):
        text = line.text.strip()
        if name is None and (m := _LABELLED_NAME.search(text)):
            name, line_no = m.group(1).strip(), line.number
        compact = line.compact
        if amount is None and (m := _LABELLED_AMOUNT.match(compact)):
            amount = _number(m.group(1)) if m.group(1) else None
        if amount is None and compact in ("金额", "评价金额") and index > 0:
            following = next((ln.compact for ln in lines[index + 1: index + 4] if _number(ln.compact) is not None), None)
            amount = _number(following)
    if name is None:
        return None
    form = ProjectForm(name, budget=amount, total_score=score, source_line=line_no)
    form.indicators, form.skipped = extract_text_indicators(doc)
    return form
