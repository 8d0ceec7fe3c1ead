"""Document facts read from the content: kind, agency and fiscal year (never from the file name)."""

from __future__ import annotations

import re
from collections import Counter

from .readers import RawDocument, without_spaces

FINAL_ACCOUNTS = "final_accounts"
DEPT_SELF_EVALUATION = "dept_self_evaluation"
PROJECT_SELF_EVALUATION = "project_self_evaluation"
BUDGET = "budget"

# An agency name: Chinese text ending in an organisation word.
_ORG = r"[\u4e00-\u9fff（）()]{2,40}?(?:中心|局|委员会|办公室|办|厅|院|所|站|馆|队|处|委|会|部|署|政府|学校|医院|公司|集团|社|台|行|团|室|园|区)"
_LABELLED = re.compile(r"(?:部门名称|单位名称|填报单位名称|填报单位|预算单位|部门|单位|编制单位|编制部门)[:：]\s*(?:（公章）|\(公章\))?\s*(" + _ORG + r")(?![\u4e00-\u9fff])")
_TITLE = re.compile(r"^(" + _ORG + r")\s*(?:部门|单位)?\s*(?:\d{4}\s*年度?)?\s*(?:部门决算|年度部门决算|部门整体支出绩效|(?:部门|单位)预算)")
_SUBJECT = re.compile(r"^[（(]?[一二三四五六七八九十\d]*[）)、.．]?\s*(?:[（(][一二三四五六七八九十]+[）)])?\s*(?:部门职能。)?(" + _ORG + r")(?:是|为|的主要职责|主要职责)")
_YEAR_TITLE = re.compile(r"(20\d{2})\s*年度?\s*(?:部门决算|度?部门整体支出绩效|部门整体|项目支出绩效|决算|"
                         r"(?:市级|区级|县级)?(?:部门|单位)预算)")
_YEAR_LABEL = re.compile(r"(?:评价年度|年度)[:：]?\s*(20\d{2})\s*年|[（(]\s*(20\d{2})\s*年度\s*[）)]|^(20\d{2})\s*年度$")
_YEAR_ANY = re.compile(r"(20\d{2})\s*年")
# The agency field of a form printed as cells: "部门（单位）名称 | 某某中心" (docs/domain.md §8).
_NAME_CELL = re.compile(r"^(?:部门[（(]单位[)）]名称|单位名称|部门名称|填报单位)[:：]?$")
# A blank national template names no agency: 上海市XX局, ××单位, 某单位, 某某局 (docs/domain.md §5, §8).
_PLACEHOLDER = re.compile(r"(?:[XxＸｘ×]{2}|某某?)(?:市|区|县|省)?[\u4e00-\u9fff]{0,12}?"
                          r"(?:中心|局|委员会|办公室|厅|院|单位|部门|委|办)")
_NOT_AGENCY = ("万元", "元", "本部门", "本单位", "我单位", "我部门", "单位", "部门")


# A budget names itself 部门预算 / 单位预算 (预算公开, 预算表) in its titles; a final account 部门决算.
_BUDGET_TITLE = re.compile(r"20\d{2}年度?(?:市级|区级|县级)?(?:部门|单位|预算单位)预算|20\d{2}年度?预算(?:公开|表|报表)"
                           r"|(?:部门|单位)预算(?:公开|表|报表)")
_SELF_EVALUATION_TITLE = re.compile(r"绩效自评|自评报告|自评表")
_FINAL_TITLE = re.compile(r"部门决算|单位决算|决算公开|决算表")


def is_budget(doc: RawDocument, phases: Counter[str]) -> bool:
    """True when the document is a budget: its standard tables carry budget titles, or its titles say 预算 not 决算."""
    if phases["budget"] or phases["final"]:
        return phases["budget"] > phases["final"]
    head = without_spaces("".join(line.text for line in doc.lines[:200]))
    if _SELF_EVALUATION_TITLE.search(head):
        return False
    budget, final = len(_BUDGET_TITLE.findall(head)), len(_FINAL_TITLE.findall(head))
    return budget > 0 and budget > final


def detect_kind(doc: RawDocument, tables_found: int, phases: Counter[str] | None = None) -> str | None:
    """final accounts, budget, department or project self-evaluation, or None for anything else.

    A budget is recognised first, so that neither final accounts nor the self-evaluation detectors (whose words
    a budget's 绩效目标 sections share) can claim it.
    """
    phases = phases or Counter()
    if is_budget(doc, phases):
        return BUDGET
    tables_found = phases["final"] if phases else tables_found
    text = without_spaces(doc.full_text[:200000])
    if tables_found >= 2 or (re.search(r"部门决算", text) and tables_found >= 1):
        return FINAL_ACCOUNTS
    if re.search(r"项目支出绩效自评|项目绩效自评|支出项目绩效自评", text[:3000]) and not re.search(r"部门整体支出绩效", text[:3000]):
        return PROJECT_SELF_EVALUATION
    if re.search(r"部门整体支出(绩效|情况)|整体支出绩效", text):
        return DEPT_SELF_EVALUATION
    if re.search(r"项目支出绩效自评|绩效自评", text):
        return PROJECT_SELF_EVALUATION
    return None


def detect_agency(doc: RawDocument) -> str | None:
    """The agency named by labelled fields, titles and opening sentences; the best-supported name wins."""
    votes: Counter[str] = Counter()
    for index, line in enumerate(doc.lines):
        text, compact = line.text, line.compact
        if "：" not in text and ":" not in text:
            spaced = ""  # no labelled field on this line
        else:
            spaced = re.sub(r"(?<=[：:])\s+", "", text)  # keep the space that ends a field, drop the one after its colon
        for m in _LABELLED.finditer(spaced):
            name = _clean(m.group(1))
            if name:
                votes[name] += 3
        if index < 80:
            m = _TITLE.match(compact.lstrip("#"))
            if m:
                votes[_clean(m.group(1))] += 4
            m = _SUBJECT.match(compact)
            if m:
                votes[_clean(m.group(1))] += 2
        if "名称" in text or "填报单位" in text:  # what _NAME_CELL's label holds (few lines do)
            cells = [t.text for t in line.tokens if t.text]
            if len(cells) >= 2 and _NAME_CELL.match(cells[0]) and re.fullmatch(_ORG, cells[1]):
                votes[_clean(cells[1])] += 3
        if index < 8 and re.fullmatch(_ORG, compact):
            # A title page printing the agency on a line of its own.
            votes[_clean(compact)] += 2
        if index < 8 and index + 1 < len(doc.lines):
            # A cover title wrapped over two lines (福州经济技术开发区生态 / 环境局): the whole name outvotes its tail.
            joined = compact + doc.lines[index + 1].compact
            if not re.fullmatch(_ORG, compact) and re.fullmatch(_ORG, joined):
                votes[_clean(joined)] += 3
    votes.pop(None, None)
    if not votes:
        return None
    return votes.most_common(1)[0][0]


def _clean(name: str) -> str | None:
    name = re.sub(r"^(?:（公章）|\(公章\)|第[一二三四五六七八九十]+部分)", "", name)
    name = re.sub(r"[（(]本级[）)]$", "", name)
    if name in _NOT_AGENCY or len(name) < 3:
        return None
    return name


def detect_year(doc: RawDocument) -> int | None:
    """The fiscal year: from titles first, then labelled year fields, then the most frequent year mentioned."""
    head = [line.compact for line in doc.lines[:120]]
    joined_head = "".join(head)
    m = _YEAR_TITLE.search(joined_head)
    if m:
        return int(m.group(1))
    title = re.search(r"部门决算|绩效自评|(?:部门|单位)预算", joined_head)
    if title:
        # Title pages often print the year apart from the words (a larger font on its own baseline).
        nearby = [(abs(y.start() - title.start()), int(y.group(1))) for y in re.finditer(r"(20\d{2})(?!\d)", joined_head)]
        nearby = [pair for pair in nearby if pair[0] <= 16]
        if nearby:
            return min(nearby)[1]
    for text in head:
        m = _YEAR_LABEL.search(text)
        if m:
            return int(next(g for g in m.groups() if g))
    counts: Counter[int] = Counter()
    for line in doc.lines:
        compact = line.compact
        if re.search(r"填报日期|填表日期|印发|联系电话", compact):
            continue
        counts.update(int(y) for y in _YEAR_ANY.findall(compact))
    return counts.most_common(1)[0][0] if counts else None


def template_placeholder(doc: RawDocument, agency: str | None) -> str | None:
    """The placeholder a blank template prints where the agency belongs (上海市XX局, ××单位, 某单位), or None.

    Looked for where an agency is named: the title lines and labelled fields, not the prose (which may say
    "某单位" of someone else). A report whose agency (`agency`: detect_agency's) is named elsewhere is no template:
    its stray placeholder is a finding about the report (DOC-PLACEHOLDER), not a reason to drop it."""
    if agency and not _PLACEHOLDER.search(agency):
        return None
    for index, line in enumerate(doc.lines):
        compact = line.compact
        labelled = re.match(r"^(?:部门|单位|部门[（(]单位[)）]名称|单位名称|部门名称|填报单位名称?|编制单位)[:：]?(.*)$",
                            compact)
        if not (index < 40 or labelled):
            continue
        target = labelled.group(1) if labelled else compact
        m = _PLACEHOLDER.search(target)
        if m and (labelled or len(compact) <= 60):
            return compact[:60]
    return None
