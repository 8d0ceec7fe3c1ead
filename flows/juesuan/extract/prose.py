"""Figures stated in prose (情况说明, self-evaluation reports): amounts with their shares, changes on the prior
year and budget-completion rates, each with the phrase it refers to and its source line."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from decimal import Decimal

from .finder import TableRegion
from .numbers import TEN_THOUSAND
from .readers import Line, RawDocument, without_spaces

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# Not from inside a figure (each caller skips those): the lookbehind spares trying every digit of every figure.
_AMOUNT = re.compile(rf"(?<![\d.,])(?P<num>{_NUMBER})(?P<unit>万元|元)")
# A form's unit label wrapped around its rows (项目资金 / （万 / 其他资金 18.00 / 元）): the 元 closing "（万…元）"
# is the label's, not the figure's unit, so the figure is no amount of the prose.
_INSIDE_WRAPPED_UNIT = re.compile(r"[（(]万[^（）()]*\d元[）)]$")
# Where the phrase a figure belongs to begins.
_SUBJECT_START = re.compile(r"[，,。；;：:、！!？?]|其中|具体情况如下")
_SHARE = re.compile(rf"^[，,]?(?:[^，,。；;]{{0,6}}?)占(?P<base>[^，,。；;%\d]{{0,16}}?)(?:的)?(?P<pct>{_NUMBER})%")
# On the year before (比上年, 比2023年决算数) or on the budget (比年初预算数: PROSE-PRIOR-YEAR then does not apply).
_CHANGE = re.compile(
    rf"^[，,]?(?:与|比|较)(?:(?:上年|上一年|\d{{4}}年)(?:度)?(?:年初)?(?:决算数?|预算数?|相比)?|(?:年初|全年|调整)预算数?)"
    rf"(?:相比)?(?P<dir>增加|减少|增长|下降)(?P<delta>{_NUMBER})万元"
    rf"(?:[，,]?(?P<dir2>增长|下降|增加|减少)(?P<pct>{_NUMBER})%)?"
)
_BUDGET_RATE = re.compile(rf"^[，,]?完成(?:全年|年初)?预算(?:数)?(?P<budget>{_NUMBER})万元的(?P<pct>{_NUMBER})%")
_FLAT = re.compile(r"^[，,]?(?:与|和)(?:上年|\d{4}年)(?:决算数?|度)?(?:相比)?持平")
# A change stated on its own ("与2023年度相比，收入支出总计减少56.95万元，下降1.87%"): the subject ends in the word.
_CHANGE_SUBJECT = re.compile(r"^(?P<subject>.+?)(?:决算数?)?(?P<dir>增加|减少)$")
_CHANGE_PCT = re.compile(rf"^[，,]?(?P<dir>增长|下降)(?P<pct>{_NUMBER})%")
_DIRECTIONS = {"增加": "increase", "增长": "increase", "减少": "decrease", "下降": "decrease"}
# A budget and what was spent stated side by side, then the rate (年初预算为200万元，支出决算为150万元，完成年初预算的
# 75%; 全年预算数1613.17万元，执行数1393.59万元，完成预算的86.39%): the rate is the second figure's on the first.
_BUDGET_SUBJECT = re.compile(r"预算(?:数)?(?:为|是)?$")
_SPENT_AFTER_BUDGET = re.compile(r"^[，,]?[^，,。；;：:\d]{0,12}?(?:决算|执行|支出)(?:数)?(?:为|是)?$")
_RATE_OF_BUDGET = re.compile(
    rf"^[，,]?(?:完成(?:全年|年初|调整)?预算(?:数)?的|(?:预算)?(?:完成|执行)率(?:为|是|达)?)(?P<pct>{_NUMBER})%")
# Two years' figures side by side, then the change as a rate only (2024年决算数为57.43万元，2025年支出决算为56.12万元，
# 比2024年决算数减少2.28%): the rate is the second figure's change on the first.
# (2023年当年预算执行数为60.13万元，2024年预算安排25.77万元，比2023年预算执行数减少57.14%, in budgets)
_YEAR_FIGURE = re.compile(r"(?P<year>\d{4})年(?:度)?[^，,。；;：:\d]{0,10}?(?:决算|支出|执行|安排|预算)(?:数)?(?:为|是)?$")
_RATE_ON_PRIOR = re.compile(
    rf"^[，,]?(?:与|比|较)(?:上年|上一年|(?P<year>\d{{4}})年)(?:度)?[^，,。；;\d%]{{0,8}}?(?:相比)?[，,]?"
    rf"(?P<dir>增加|减少|增长|下降)(?P<pct>{_NUMBER})%")


@dataclass
class ProseFact:
    """One figure stated in prose, with what follows it in the same clause."""

    subject: str
    value: Decimal
    unit: str
    value_text: str
    source_line: int
    sentence: int  # index of the sentence (between 。) in the document, to compare figures stated together
    context: str = ""  # the text just before the figure, for rules that need what a statement is about
    share_pct: Decimal | None = None
    share_text: str | None = None
    share_base: str | None = None
    change_direction: str | None = None  # increase | decrease | flat
    change_delta: Decimal | None = None
    change_pct: Decimal | None = None
    change_pct_direction: str | None = None
    change_text: str | None = None
    budget: Decimal | None = None
    budget_pct: Decimal | None = None
    budget_text: str | None = None
    is_change: bool = False  # the figure is itself a change on the prior year, of the subject's quantity
    page: int | None = None
    printed_text: str = ""  # the clause as printed, for quoting the finding
    bbox: tuple[float, float, float, float] | None = None  # the figure's box on its PDF page

    @property
    def value_wan(self) -> Decimal:
        return self.value / TEN_THOUSAND if self.unit == "元" else self.value


_FIGURE_TOKEN = re.compile(r"^-?[\d,]+(?:\.\d+)?%?$")
_PAGE_NUMBER = re.compile(r"[-—–－]{1,2}\d{1,4}[-—–－]{1,2}")
_UNIT_FIRST = re.compile(r"^(?:万元|元|%)")
_OPEN_END = re.compile(r"(?:为|占|的|计|数|共|约)$")


@dataclass
class ProseStream:
    """The document's text outside its tables, spaces removed, with where each character was printed."""

    text: str
    lines: list[int]  # per character: source line number
    pages: list[int | None]  # per character: page
    tokens: list[object]  # per character: the Token it came from (PDF tokens carry their box)

    def line_at(self, offset: int) -> int:
        return self.lines[min(offset, len(self.lines) - 1)]

    def page_at(self, offset: int) -> int | None:
        return self.pages[min(offset, len(self.pages) - 1)]

    def bbox(self, start: int, end: int) -> tuple[float, float, float, float] | None:
        """The box around the printed characters start..end that lie on the page of start (PDF only)."""
        page = self.page_at(start)
        boxes = {id(t): t for i in range(start, min(end, len(self.tokens)))
                 if (t := self.tokens[i]) is not None and getattr(t, "top", None) is not None and self.pages[i] == page}
        if not boxes:
            return None
        found = boxes.values()
        return (min(t.x0 for t in found), min(t.top for t in found), max(t.x1 for t in found),
                max(t.bottom for t in found))

    def clause(self, start: int, end: int, limit: int = 80) -> str:
        """The printed clause around start..end: from the previous 。；：！？ (at most `limit` characters back) to the
        next 。；！？ (at most `limit` characters on)."""
        left = max(self.text.rfind(c, 0, start) for c in "。；;：:！？") + 1
        rights = [i for i in (self.text.find(c, end) for c in "。；;！？") if i >= 0]
        right = (min(rights) + 1) if rights else len(self.text)
        left = max(left, start - limit)
        right = min(right, end + limit)
        return self.text[left:right]


def _visual_lines(lines: list[Line]) -> list[list[Line]]:
    """Lines printed on one baseline group: a PDF line whose top lies within ~half a text height of the line
    above it (figures set in another font sit a few points lower) belongs with it."""
    groups: list[list[Line]] = []
    for line in lines:
        prev = groups[-1][0] if groups else None
        if (prev is not None and line.top is not None and prev.top is not None and prev.bottom is not None
                and line.page == prev.page and 0 <= line.top - prev.top < 0.6 * (prev.bottom - prev.top)):
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def _fill_gaps(text_tokens: list, figures: list) -> list | None:
    """Put a line of figures back into the gaps of the text line above (plain text from PDF extractors prints
    figures set in another font on a line of their own, leaving a space where each stood); None if they do not fit."""
    gaps = len(text_tokens) - 1
    if not any(re.search(r"[.%]|^\d{4}$", f.text) for f in figures):
        return None  # a lone small number (a page number) is no figure of the sentence above
    if any(a.text[-1:].isdigit() or b.text[:1].isdigit() for a, b in zip(text_tokens, text_tokens[1:], strict=False)):
        return None  # a gap beside a digit is a space inside the text, not where a figure stood
    if len(figures) == gaps:
        head, tail = [], []
    elif len(figures) == gaps + 1 and _UNIT_FIRST.match(text_tokens[0].text):
        head, tail = figures[:1], []
        figures = figures[1:]
    elif len(figures) == gaps + 1 and _OPEN_END.search(text_tokens[-1].text):
        head, tail = [], figures[-1:]
        figures = figures[:-1]
    else:
        return None
    out = list(head)
    for index, token in enumerate(text_tokens):
        out.append(token)
        if index < len(figures):
            out.append(figures[index])
    return out + tail


def prose_stream(doc: RawDocument, regions: dict[str, TableRegion]) -> ProseStream:
    """The document's text outside its tables, spaces removed, with each character's source line, page and token
    (made once per document: the prose facts, the metrics and the statements all read it)."""
    table_lines = {id(line) for region in regions.values() for line in region.lines}
    table_lines |= {id(region.title_line) for region in regions.values()}
    # A page number printed between two halves of a sentence (占本年 / - 4 - / 支出预算77.75%) is no part of it.
    prose_lines = [line for line in doc.lines if id(line) not in table_lines and not _PAGE_NUMBER.fullmatch(line.compact)]
    rows: list[tuple[Line, list]] = []
    for group in _visual_lines(prose_lines):
        tokens = sorted((t for line in group for t in line.tokens), key=lambda t: t.x0) \
            if len(group) > 1 else list(group[0].tokens)
        line = group[0]
        figures_only = tokens and all(_FIGURE_TOKEN.match(t.text) for t in tokens if t.text)
        if (figures_only and rows and line.top is None and not line.positional and not rows[-1][0].positional
                and rows[-1][0].page == line.page):
            filled = _fill_gaps(rows[-1][1], tokens)
            if filled is not None:
                rows[-1] = (rows[-1][0], filled)
                continue
        rows.append((line, tokens))
    text: list[str] = []
    lines: list[int] = []
    pages: list[int | None] = []
    owners: list[object] = []
    for line, tokens in rows:
        pieces = [(without_spaces(t.text), t) for t in tokens]
        if line.positional:
            pieces.append(("。", None))  # a table row in prose: never let a figure run into the next line
        for piece, token in pieces:
            text.append(piece)
            lines.extend([line.number] * len(piece))
            pages.extend([line.page] * len(piece))
            owners.extend([token] * len(piece))
    return ProseStream("".join(text), lines, pages, owners)


def extract_prose_facts(prose: ProseStream) -> list[ProseFact]:
    """Every amount the prose states, with its share, prior-year change or budget-completion clause."""
    stream = prose.text
    facts: list[ProseFact] = []
    sentence_ends = [m.end() for m in re.finditer(r"[。！？]", stream)]
    consumed = 0  # figures inside an earlier figure's clause (its budget, its change) are not facts of their own
    previous_end = 0  # where the last fact's figure ends
    for match in _AMOUNT.finditer(stream):
        start = match.start()
        if start < consumed or (start > 0 and (stream[start - 1].isdigit() or stream[start - 1] in ".,")):
            continue
        if _INSIDE_WRAPPED_UNIT.search(stream[max(0, start - 30) : match.end() + 1]):
            continue
        window = stream[max(0, start - 40) : start]
        cut = [m.end() for m in _SUBJECT_START.finditer(window)]
        subject = window[cut[-1] if cut else 0 :]
        fact = ProseFact(
            subject=subject, value=Decimal(match.group("num").replace(",", "")), unit=match.group("unit"),
            value_text=match.group(0), source_line=prose.line_at(start),
            sentence=bisect.bisect_right(sentence_ends, start), context=stream[max(0, start - 240) : start],
            page=prose.page_at(start), bbox=prose.bbox(start, match.start("unit")),
        )
        standalone = _CHANGE_SUBJECT.match(subject)
        if standalone and not re.match(r"[\d,.]", standalone.group("subject")) and re.search(r"(?:与|比|较)(?:上年|上一年|\d{4}年)", fact.context[-60:]):
            fact.subject, fact.is_change = standalone.group("subject"), True
            fact.change_direction, fact.change_delta = _DIRECTIONS[standalone.group("dir")], fact.value
            fact.change_text = subject[len(fact.subject):] + match.group(0)
            if m := _CHANGE_PCT.match(stream[match.end() : match.end() + 20]):
                fact.change_pct, fact.change_pct_direction = Decimal(m.group("pct")), _DIRECTIONS[m.group("dir")]
                fact.change_text += m.group(0)
                consumed = match.end() + m.end()
            else:
                consumed = match.end()
        else:
            consumed = match.end() + _read_clauses(fact, stream, match.end())
            if facts and facts[-1].sentence == fact.sentence:
                consumed += _read_paired_rate(facts[-1], fact, stream[previous_end:start], stream[consumed:consumed + 40])
        previous_end = match.end()
        fact.printed_text = prose.clause(start, consumed)
        if consumed > match.end():  # the box covers the clause it states too (占71.73%, 下降1.87%)
            fact.bbox = prose.bbox(start, consumed)
        facts.append(fact)
    return facts


def _read_paired_rate(first: ProseFact, fact: ProseFact, between: str, after: str) -> int:
    """A rate stated for two figures printed side by side (a budget then what was spent, or two years' figures):
    attached to the second as its budget or its change; returns how many characters of `after` it uses."""
    if first.budget is not None or first.change_direction is not None or first.share_pct is not None:
        return 0  # the first figure has a clause of its own
    if (fact.budget is None and _BUDGET_SUBJECT.search(first.subject) and _SPENT_AFTER_BUDGET.match(between)
            and (m := _RATE_OF_BUDGET.match(after))):
        fact.budget, fact.budget_pct = first.value_wan, Decimal(m.group("pct"))
        # the budget figure first, the rate last (its decimals are read from the end)
        fact.budget_text = f"{first.value_text}，{m.group(0).lstrip('，,')}"
        return m.end()
    prior, current = _YEAR_FIGURE.search(first.subject), _YEAR_FIGURE.search(between)
    if (fact.change_direction is None and prior and current and (m := _RATE_ON_PRIOR.match(after))
            # the earlier year first, and the one the rate is on (2025年…，2024年… is the other way round: not read)
            and int(prior.group("year")) < int(current.group("year"))
            and m.group("year") in (None, prior.group("year"))):
        direction = _DIRECTIONS[m.group("dir")]
        fact.change_direction = fact.change_pct_direction = direction
        # the change the two figures give, signed so that the prior figure it implies is the first one
        fact.change_delta = (fact.value_wan - first.value_wan) * (1 if direction == "increase" else -1)
        fact.change_pct, fact.change_text = Decimal(m.group("pct")), m.group(0).lstrip("，,")
        return m.end()
    return 0


def _read_clauses(fact: ProseFact, stream: str, position: int) -> int:
    """Attach the share, change and budget clauses that follow a figure; returns how many characters they use."""
    used = 0
    for _ in range(3):
        after = stream[position + used : position + used + 80]
        if fact.share_pct is None and (m := _SHARE.match(after)):
            fact.share_pct, fact.share_text, fact.share_base = Decimal(m.group("pct")), m.group(0).lstrip("，,"), m.group("base")
        elif fact.change_direction is None and (m := _CHANGE.match(after)):
            fact.change_direction = _DIRECTIONS[m.group("dir")]
            fact.change_delta = Decimal(m.group("delta").replace(",", ""))
            fact.change_text = m.group(0).lstrip("，,")
            if m.group("pct"):
                fact.change_pct = Decimal(m.group("pct"))
                fact.change_pct_direction = _DIRECTIONS[m.group("dir2")]
        elif fact.budget is None and (m := _BUDGET_RATE.match(after)):
            fact.budget = Decimal(m.group("budget").replace(",", ""))
            fact.budget_pct = Decimal(m.group("pct"))
            fact.budget_text = m.group(0).lstrip("，,")
        elif fact.change_direction is None and (m := _FLAT.match(after)):
            fact.change_direction, fact.change_delta = "flat", Decimal(0)
        else:
            break
        used += m.end()
    return used


_METRIC = re.compile(rf"(?<![\d.,])(?P<num>{_NUMBER})(?P<unit>万件|万人次|万条|人次|件|个|项|条|家|次|辆|台|套|名|%)")
_NOT_A_METRIC = re.compile(r"(占|增长|下降|增加|减少|的|提高|降低|压减|约|第|近)$")


@dataclass
class Metric:
    """An operational figure a report states: what it counts, the number and its unit."""

    label: str
    value: Decimal
    unit: str
    printed: str
    source_line: int


def extract_metrics(prose: ProseStream) -> list[Metric]:
    """Counts and rates stated in prose (12345热线办理业务63.29万件, 服务满意率99.80%), with their labels."""
    stream = prose.text
    metrics: list[Metric] = []
    for match in _METRIC.finditer(stream):
        start = match.start()
        if start > 0 and (stream[start - 1].isdigit() or stream[start - 1] in ".,"):
            continue
        window = stream[max(0, start - 30) : start]
        cut = [m.end() for m in _SUBJECT_START.finditer(window)]
        label = re.sub(r"^[（(]?[一二三四五六七八九十\d]+[）)、.．]", "", window[cut[-1] if cut else 0 :])
        if len(label) < 2 or _NOT_A_METRIC.search(label) or not re.search(r"[\u4e00-\u9fff]", label):
            continue
        metrics.append(Metric(label, Decimal(match.group("num").replace(",", "")), match.group("unit"),
                              match.group(0), prose.line_at(start)))
    return metrics
