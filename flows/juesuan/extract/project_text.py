"""Project self-evaluation forms (项目支出绩效自评表) printed without cells: PDF words or extracted text.

Dozens of forms may be bound anywhere in a document, after a final account's tables too. Each starts at its
title; its rows are read by their labels (项目名称, 主管部门 … 实施单位, 年度资金总额, 总分) and its indicator rows by
their shape: the 一级 / 二级 labels, the named indicator, the target (a number, or a comparator word and a number),
the actual value, then weight and score, the last two figures side by side. Forms come out as the same
ProjectForm facts as forms read from table cells.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .performance import Indicator, ProjectForm, parse_target
from .readers import RawDocument

_TITLE = re.compile(r"项目支出绩效自评表$")
_FIGURE = re.compile(r"^-?\d+(?:\.\d+)?%?$")
_LEVEL1 = re.compile(r"^(产出指标|效益指标|满意度指标|成本指标|满意度指|产出|效益|满意度|成本)$")
_LEVEL2 = re.compile(r"^(?:数量|质量|时效|成本|经济成本|社会成本|生态环境成本|经济效益|社会效益|生态效益|环境效益|"
                     r"可持续影响|可持续发展|服务对象满意度|满意度)(?:指标)?$")
_COMPARATOR_WORDS = ("≥", "≤", ">", "<", "＞", "＜", "=", "不低于", "不少于", "不高于", "不超过", "高达", "达到",
                     "提高了", "节约了")
_UNIT = re.compile(r"^[^\d\s]{1,3}$")


def _figure(text: str) -> Decimal | None:
    text = text.replace(",", "")
    if not _FIGURE.match(text):
        return None
    try:
        return Decimal(text.rstrip("%"))
    except InvalidOperation:  # pragma: no cover - guarded by the pattern
        return None


def _indicator(words: list[str], line, carry: dict) -> Indicator | None:
    """An indicator row from its words: levels, name, target, actual, then weight and score."""
    pairs = [i for i in range(1, len(words)) if _figure(words[i]) is not None and _figure(words[i - 1]) is not None]
    if not pairs:
        return None
    k = pairs[-1]
    head, deviation = words[: k - 1], " ".join(words[k + 1:]) or None
    i = 0
    level1 = level2 = None
    if i < len(head) and _LEVEL1.match(head[i]):
        level1 = head[i] if head[i].endswith("指标") else head[i].removesuffix("指") + "指标"
        i += 1
        if i < len(head) and head[i] == "标":
            i += 1  # 满意度指 | 标: a label wrapped by the cell
    if i < len(head) and _LEVEL2.match(head[i]):
        level2 = head[i]
        i += 1
    rest = head[i:]
    if len(rest) < 3:
        return None
    # The target starts at the first word after the name that holds a number or a comparator.
    start = next((j for j in range(1, len(rest) - 1)
                  if re.search(r"\d", rest[j]) or rest[j].startswith(_COMPARATOR_WORDS)), None)
    if start is None:
        return None
    end = start + 1
    if not re.search(r"\d", rest[start]) and end < len(rest) - 1:
        end += 1  # 提高了 | 50%
    if end < len(rest) - 1 and _UNIT.match(rest[end]):
        end += 1  # ≥10 | 次
    name, target, actual = "".join(rest[:start]), "".join(rest[start:end]), "".join(rest[end:])
    if not actual:
        return None
    carry["level1"] = level1 or carry.get("level1")
    carry["level2"] = level2 or carry.get("level2")
    comparator, target_value, target_unit = parse_target(target)
    actual_value, actual_unit = _figure(actual), ("%" if actual.endswith("%") and _figure(actual) is not None else None)
    return Indicator(carry["level1"], carry["level2"], name, target, comparator, target_value, target_unit, actual,
                     actual_value, actual_unit, _figure(words[k - 1]), _figure(words[k]), deviation, line.number)


def _read_indicator_line(form: ProjectForm, words: list[str], line, carry: dict, pending: list[str]) -> None:
    """One line of the indicator rows. On a PDF page a cell's wrapped text stands on lines of its own, above or
    below the line with the figures: a row too short to read alone takes the text-only lines before it; text-only
    lines followed by a row that reads alone finish the previous indicator's name."""
    if not any(_figure(w) is not None for w in words):
        if len(words) == 1 and (_LEVEL1.match(words[0]) or _LEVEL2.match(words[0])):
            key = "level1" if _LEVEL1.match(words[0]) and not _LEVEL2.match(words[0]) else "level2"
            carry[key] = words[0] if key == "level2" or words[0].endswith("指标") else words[0] + "指标"
            return
        pending.extend(words)
        return
    indicator = _indicator(words, line, carry)
    if indicator is None and pending:
        indicator = _indicator(pending + words, line, carry)
    elif indicator is not None and pending and form.indicators:
        form.indicators[-1].name += "".join(pending)
    if indicator is not None:
        form.indicators.append(indicator)
        pending.clear()


def extract_text_project_forms(doc: RawDocument) -> list[ProjectForm]:
    """Every project form the document prints as lines of words (not cells), wherever it stands."""
    forms: list[ProjectForm] = []
    current: ProjectForm | None = None
    in_form = False
    carry: dict = {}
    goal_next = indicators_open = False  # indicator rows come after the 一级指标 … 得分 header
    pending: list[str] = []  # words of text-only lines since the last indicator row
    for line in doc.lines:
        if line.positional:
            continue
        compact = line.compact
        words = [t.text for t in line.tokens if t.text]
        if _TITLE.search(compact) and len(compact) <= 40:
            in_form, current, carry, goal_next, indicators_open = True, None, {}, False, False
            pending.clear()
            continue
        if not in_form or not words:
            continue
        if compact.startswith("项目名称") and not compact.startswith(("项目名称：", "项目名称:")):
            name = compact.removeprefix("项目名称")
            current = ProjectForm(name, source_line=line.number) if name else None
            if current is not None:
                forms.append(current)
            carry, goal_next, indicators_open = {}, False, False
            continue
        if current is None:
            continue
        if compact.startswith("主管部门"):
            text = compact.removeprefix("主管部门")
            department, _, unit = text.partition("实施单位")
            current.supervising_department, current.implementing_unit = department or None, unit or None
        elif "年度资金总额" in compact:
            index = next(i for i, w in enumerate(words) if "年度资金总额" in w)
            numbers = [_figure(w) if w not in ("—", "-", "--") else None for w in words[index + 1:]]
            (current.budget_initial, current.budget, current.executed, current.execution_weight,
             current.execution_rate, current.execution_score) = (numbers + [None] * 6)[:6]
        elif compact.startswith("年度总体目标"):
            goal_next = True
        elif goal_next:
            current.goal_expected = " ".join(words[:-1]) if len(words) > 1 else words[0]
            current.goal_achieved = words[-1] if len(words) > 1 else None
            goal_next = False
        elif compact.startswith("总分"):
            numbers = [_figure(w) for w in words[1:] if _figure(w) is not None]
            if numbers:
                current.total_weight, current.total_score = (
                    (numbers[0], numbers[-1]) if len(numbers) > 1 else (None, numbers[0]))
            current, in_form = None, False  # the form ends at its 总分
        elif "一级指标" in compact or "三级指标" in compact:
            indicators_open = True
        elif indicators_open:
            _read_indicator_line(current, words, line, carry, pending)
    return [f for f in forms if f.budget is not None or f.indicators or f.total_score is not None]
