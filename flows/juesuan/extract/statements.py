"""What a document says about itself, for the whole-document rules: the years and agencies its headings and
captions name, placeholders left from a template, the tables its contents page lists, and the comparison words
its prose uses (决算数大于/小于/等于预算数, 基本持平) with the figures they compare."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from .finder import TableRegion, match_title
from .metadata import _ORG
from .prose import _NUMBER, ProseStream, _visual_lines
from .readers import Line, RawDocument, Token, without_spaces

Box = tuple[float, float, float, float]

_HEADING_YEAR = re.compile(r"(20\d{2})年度?(?:部门|单位)(?:决算|预算)")
_CLAUSE = re.compile(r"[。，,；;]")  # clause punctuation: a sentence, not a heading
_CAPTION_YEAR = re.compile(r"(?:部门|单位|编制单位|填报单位)[:：].{0,40}?(20\d{2})年度")
_AS_AT = re.compile(r"截至(20\d{2})年12月31日")
_HEADING_AGENCY = re.compile(r"^(?:第[一二三四五六七八九十]+部分[:：]?)?(" + _ORG + r")(?:20\d{2})?年度?(?:部门|单位)(?:决算|预算)")
_CAPTION_AGENCY = re.compile(r"(?:部门名称|单位名称|填报单位名称|填报单位|编制单位|部门|单位)[:：](" + _ORG + r")(?![\u4e00-\u9fff])")
_PLACEHOLDER = re.compile(r"(?<![A-Za-z])(?:[XxＸｘ]{2,}|×{2,}|某单位|某部门|某某)(?![A-Za-z])")
_PLACEHOLDER_MARK = re.compile(r"[XxＸｘ×某]")
_COMPARISON = re.compile(
    rf"(?:年初)?预算(?:数)?为?(?P<left>{_NUMBER})万元[，,]?(?:支出)?决算(?:数)?为?(?P<right>{_NUMBER})万元"
    rf".{{0,40}}?决算数?(?:(?P<word>大于|小于|等于|高于|低于)(?:年初)?预算数?|与(?:年初)?预算数?(?P<flat>(?:基本)?持平))")
WORDS = {"大于": "greater", "高于": "greater", "小于": "less", "低于": "less", "等于": "equal", "持平": "flat",
         "基本持平": "flat"}


@dataclass
class Statement:
    """One thing the document says about itself, where it says it."""

    kind: str  # year | as_at_year | agency | placeholder | contents | comparison
    printed_text: str
    page: int | None
    source_line: int
    bbox: Box | None = None
    year: int | None = None
    agency: str | None = None
    table_key: str | None = None
    word: str | None = None  # comparison: greater | less | equal | flat
    left: Decimal | None = None  # comparison: the budget figure
    right: Decimal | None = None  # comparison: the final figure


def _box(lines: list[Line]) -> Box | None:
    tokens = [t for line in lines for t in line.tokens if t.top is not None]
    if not tokens:
        return None
    return (min(t.x0 for t in tokens), min(t.top for t in tokens), max(t.x1 for t in tokens),
            max(t.bottom for t in tokens))


def _where(group: list[Line]) -> dict:
    """A statement's place: its page, line and box (worked out only for the few lines that state something)."""
    return {"page": group[0].page, "source_line": group[0].number, "bbox": _box(group)}


def _compact(group: list[Line]) -> str:
    if len(group) == 1:
        return group[0].compact
    tokens = sorted((t for line in group for t in line.tokens), key=lambda t: t.x0) if group[0].top is not None \
        else [t for line in group for t in line.tokens]
    return without_spaces("".join(t.text for t in tokens))


def heading_statements(doc: RawDocument, regions: dict[str, TableRegion]) -> list[Statement]:
    """Years and agencies named by headings and captions, placeholders anywhere, and contents-page entries."""
    out: list[Statement] = []
    title_lines = {id(r.title_line) for r in regions.values()}
    index = {id(line): i for i, line in enumerate(doc.lines)}
    first_table = min((index[id(r.title_line)] for r in regions.values()), default=len(doc.lines))
    for group in _visual_lines(doc.lines):
        line = group[0]
        text = _compact(group)
        # A heading is short and no sentence: no clause punctuation, and no lead-in to a list ("纳入…单位包括：").
        short = len(text) <= 60 and not _CLAUSE.search(text) and not text.endswith(("：", ":"))
        if short:
            for m in _HEADING_YEAR.finditer(text):
                out.append(Statement("year", text, year=int(m.group(1)), **_where(group)))
            m = _HEADING_AGENCY.match(text)
            if m:
                out.append(Statement("agency", text, agency=_normal(m.group(1)), **_where(group)))
        # Each pattern is tried only on lines holding a character it cannot match without (most lines hold none).
        if "：" in text or ":" in text:
            for m in _CAPTION_YEAR.finditer(text):
                out.append(Statement("year", text, year=int(m.group(1)), **_where(group)))
            for m in _CAPTION_AGENCY.finditer(text):
                out.append(Statement("agency", text, agency=_normal(m.group(1)), **_where(group)))
        if "截至" in text:
            for m in _AS_AT.finditer(text):
                out.append(Statement("as_at_year", text[max(0, m.start() - 20) : m.end() + 20], year=int(m.group(1)),
                                     **_where(group)))
        if _PLACEHOLDER_MARK.search(text):
            for m in _PLACEHOLDER.finditer(text):
                out.append(Statement("placeholder", text[max(0, m.start() - 30) : m.end() + 30], word=m.group(0),
                                     **_where(group)))
        if short and index[id(line)] < first_table and id(line) not in title_lines:
            spec = match_title(Line(line.number, line.page, [Token(text)]))
            if spec is not None:
                out.append(Statement("contents", text, table_key=spec.key, **_where(group)))
    return out


def _normal(name: str) -> str:
    return re.sub(r"^(?:（公章）|\(公章\))|[（(]本级[）)]$", "", name)


def comparison_statements(prose: ProseStream) -> list[Statement]:
    """决算数大于/小于/等于预算数 and 决算数与预算数（基本）持平, with the budget and final figures they compare."""
    out = []
    for m in _COMPARISON.finditer(prose.text):
        word = m.group("word") or m.group("flat")
        out.append(Statement(
            "comparison", prose.clause(m.start(), m.end()), prose.page_at(m.start("word") if m.group("word")
                                                                           else m.start("flat")),
            prose.line_at(m.start("left")), bbox=prose.bbox(m.start("word") if m.group("word") else m.start("flat"),
                                                            m.end()),
            word=WORDS[word], left=Decimal(m.group("left").replace(",", "")),
            right=Decimal(m.group("right").replace(",", ""))))
    return out


def document_statements(doc: RawDocument, regions: dict[str, TableRegion], prose: ProseStream) -> list[Statement]:
    """Every statement the whole-document rules check (`prose`: the document's prose_stream)."""
    return heading_statements(doc, regions) + comparison_statements(prose)
