"""Figures stated in prose (情况说明, self-evaluation reports): amounts with their shares, changes on the prior
year and budget-completion rates, each with the phrase it refers to and its source line."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from decimal import Decimal

from .finder import TableRegion
from .numbers import TEN_THOUSAND
from .readers import RawDocument

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_AMOUNT = re.compile(rf"(?P<num>{_NUMBER})(?P<unit>万元|元)")
# Where the phrase a figure belongs to begins.
_SUBJECT_START = re.compile(r"[，,。；;：:、！!？?]|其中|具体情况如下")
_SHARE = re.compile(rf"^[，,]?(?:[^，,。；;]{{0,6}}?)占(?P<base>[^，,。；;%\d]{{0,16}}?)(?:的)?(?P<pct>{_NUMBER})%")
_CHANGE = re.compile(
    rf"^[，,]?(?:与|比|较)上年(?:度)?(?:决算数?|相比)?(?:相比)?(?P<dir>增加|减少|增长|下降)(?P<delta>{_NUMBER})万元"
    rf"(?:[，,]?(?P<dir2>增长|下降)(?P<pct>{_NUMBER})%)?"
)
_BUDGET_RATE = re.compile(rf"^[，,]?完成(?:全年|年初)?预算(?:数)?(?P<budget>{_NUMBER})万元的(?P<pct>{_NUMBER})%")
_FLAT = re.compile(r"^[，,]?(?:与|和)上年(?:决算数?|度)?(?:相比)?持平")
_DIRECTIONS = {"增加": "increase", "增长": "increase", "减少": "decrease", "下降": "decrease"}


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

    @property
    def value_wan(self) -> Decimal:
        return self.value / TEN_THOUSAND if self.unit == "元" else self.value


def _prose_stream(doc: RawDocument, regions: dict[str, TableRegion]) -> tuple[str, list[int], list[int]]:
    """The document's text outside its tables, spaces removed, with each character's source line."""
    table_lines = {id(line) for region in regions.values() for line in region.lines}
    table_lines |= {id(region.title_line) for region in regions.values()}
    parts: list[str] = []
    starts: list[int] = []
    numbers: list[int] = []
    offset = 0
    for line in doc.lines:
        if id(line) in table_lines:
            continue
        text = re.sub(r"\s+", "", line.text)
        if not text:
            continue
        if line.positional:
            text += "。"  # a table row in prose: never let a figure run into the next line
        parts.append(text)
        starts.append(offset)
        numbers.append(line.number)
        offset += len(text)
    return "".join(parts), starts, numbers


def extract_prose_facts(doc: RawDocument, regions: dict[str, TableRegion]) -> list[ProseFact]:
    """Every amount the prose states, with its share, prior-year change or budget-completion clause."""
    stream, starts, numbers = _prose_stream(doc, regions)
    facts: list[ProseFact] = []
    sentence_ends = [m.end() for m in re.finditer(r"[。！？]", stream)]
    consumed = 0  # figures inside an earlier figure's clause (its budget, its change) are not facts of their own
    for match in _AMOUNT.finditer(stream):
        start = match.start()
        if start < consumed or (start > 0 and (stream[start - 1].isdigit() or stream[start - 1] in ".,")):
            continue
        window = stream[max(0, start - 40) : start]
        cut = [m.end() for m in _SUBJECT_START.finditer(window)]
        subject = window[cut[-1] if cut else 0 :]
        line = numbers[bisect.bisect_right(starts, start) - 1]
        fact = ProseFact(
            subject=subject, value=Decimal(match.group("num").replace(",", "")), unit=match.group("unit"),
            value_text=match.group(0), source_line=line, sentence=bisect.bisect_right(sentence_ends, start),
            context=stream[max(0, start - 120) : start],
        )
        consumed = match.end() + _read_clauses(fact, stream, match.end())
        facts.append(fact)
    return facts


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


_METRIC = re.compile(rf"(?P<num>{_NUMBER})(?P<unit>万件|万人次|万条|人次|件|个|项|条|家|次|辆|台|套|名|%)")
_NOT_A_METRIC = re.compile(r"(占|增长|下降|增加|减少|的|提高|降低|压减|约|第|近)$")


@dataclass
class Metric:
    """An operational figure a report states: what it counts, the number and its unit."""

    label: str
    value: Decimal
    unit: str
    printed: str
    source_line: int


def extract_metrics(doc: RawDocument, regions: dict[str, TableRegion]) -> list[Metric]:
    """Counts and rates stated in prose (12345热线办理业务63.29万件, 服务满意率99.80%), with their labels."""
    stream, starts, numbers = _prose_stream(doc, regions)
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
        line = numbers[bisect.bisect_right(starts, start) - 1]
        metrics.append(Metric(label, Decimal(match.group("num").replace(",", "")), match.group("unit"),
                              match.group(0), line))
    return metrics
