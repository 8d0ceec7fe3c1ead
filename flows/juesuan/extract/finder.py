"""Table finder: titles → canonical table keys, with each table's lines, unit and empty declaration."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache

from .lines import is_noise
from .readers import Line, RawDocument
from .specs import TABLES, TITLE_SPECS, TableSpec

# Decorations around a title: list markers, numbering ("表3", "公开 02 表", "公开表5", "一、"), a trailing unit or table
# number.
_TITLE_PREFIX = re.compile(
    r"^(?:[-*•]|附?表\d+[-－]?\d*[:：]?|附?表[一二三四五六七八九十]+[:：、]?|公开\d+表|公开表\d+[:：]?|[一二三四五六七八九十]+[、.．]"
    r"|附件[\d一二三四五六七八九十]+[:：、.．]?"
    r"|[（(][一二三四五六七八九十\d]+[）)]"
    r"|\d+[、.．])*"
)
_TITLE_SUFFIX = re.compile(r"(?:[（(]?公开\d+表[）)]?|[（(]?公开表\d+[）)]?|[（(]?表\d+[）)]?|(?:金额)?单位[:：].*)*$")
_YEAR_PREFIX = re.compile(r"^.{0,40}?\d{4}年度?")
# Who publishes, before a title (部门收入支出决算总表, 单位收支总表), and a bracketed note after it (（按功能分类）): a
# title is matched with and without them.
_WHO_PREFIX = re.compile(r"^(?:市级|区级|县级|本级)?(?:部门|单位|预算单位)(?=.{4})")
_NOTE_SUFFIX = re.compile(r"(?<=.{4})[（(][^（）()]{1,12}[）)]$")
# The agency's name before a title (佛山市轨道交通局收入支出决算总表): a title is also matched after each character that
# ends an agency's name, so no list of agencies is needed.
_AGENCY_END = re.compile(r"(?:局|委员会|委|办公室|办事处|办|院|中心|厅|部|会|处|所|站|队|馆|室|社|校|署|公司)(?=.{6})")
_PART_HEADING = re.compile(r"^第[一二三四五六七八九十]+部分")
# Titles of tables no spec reads (政府采购预算明细表, 项目支出总表 …): they end the table before them.
_OTHER_TABLE_TITLE = re.compile(r"^.{2,30}(?:决算表|情况表|明细表|预算表|总表|支出表|收入表|目标表)(?:[（(][^（）()]{1,12}[）)])?$")
_UNIT = re.compile(r"(?:金额)?单位[:：]\s*(万元|元)")
EMPTY_DECLARATIONS = ("无发生额", "本表无数据", "此表无数据", "本表为空表", "无此项支出", "本表为空")


@dataclass
class TableRegion:
    """The lines of one standard table as printed (continuation pages joined)."""

    spec: TableSpec
    title: str
    title_line: Line
    lines: list[Line] = field(default_factory=list)
    unit: str | None = None
    declared_empty: bool = False


# Each table's title patterns as one compiled alternative, in spec order, and all of them together: most lines are
# no title, and one match against every pattern at once says so.
_SPEC_TITLES = [(spec, re.compile("|".join(f"(?:{p})" for p in spec.title_patterns))) for spec in TITLE_SPECS]
_ANY_TITLE = re.compile("|".join(f"(?:{p})" for spec in TITLE_SPECS for p in spec.title_patterns))


@lru_cache(maxsize=8192)
def _core_title(compact: str) -> str:
    core = _TITLE_PREFIX.sub("", compact)
    core = _TITLE_SUFFIX.sub("", core)
    return core.replace("“", "").replace("”", "").replace('"', "")


def match_title(line: Line) -> TableSpec | None:
    """The standard table whose title this line is, or None."""
    compact = line.compact
    # Every title pattern ends in 表 (specs.TITLE_SPECS): most lines are ruled out without a pattern tried.
    if len(compact) > 60 or "表" not in compact:
        return None
    return _title_spec(_core_title(compact))


@lru_cache(maxsize=8192)
def _title_spec(core: str) -> TableSpec | None:
    candidates = [core]
    stripped = _YEAR_PREFIX.sub("", core)
    if stripped != core:
        candidates.append(stripped)
    candidates += [c[m.end():] for c in list(candidates) for m in _AGENCY_END.finditer(c, 2)]
    candidates += [bare for c in candidates if (bare := _WHO_PREFIX.sub("", _NOTE_SUFFIX.sub("", c))) != c]
    candidates = [c for c in candidates if _ANY_TITLE.fullmatch(c)]
    for spec, pattern in _SPEC_TITLES:
        if any(pattern.fullmatch(c) for c in candidates):
            return spec
    return None


def _is_boundary(line: Line) -> bool:
    compact = line.compact
    if _PART_HEADING.match(compact):
        return True
    if len(compact) > 40 or "表" not in compact:
        return False  # another table's title is short and ends in 表
    return bool(_OTHER_TABLE_TITLE.match(_core_title(compact)))


def _has_data(lines: list[Line]) -> bool:
    """True when lines hold anything beyond a heading: a figure, a header or an empty declaration."""
    for line in lines:
        compact = line.compact
        if re.search(r"\d\.\d", compact) or "栏次" in compact or "单位：" in compact or "单位:" in compact:
            return True
        if any(d in compact for d in EMPTY_DECLARATIONS) or "项目" in compact:
            return True
    return False


def find_unit(lines: list[Line]) -> str | None:
    """The amount unit a table or document declares ('万元' or '元'), if any."""
    for line in lines:
        m = _UNIT.search(line.compact)
        if m:
            return m.group(1)
    return None


def find_tables(doc: RawDocument) -> dict[str, TableRegion]:
    """Find every standard table in a document, joining continuation pages; contents-page entries are skipped."""
    marks: list[tuple[int, TableSpec | None]] = []
    wrapped: set[int] = set()  # titles printed over two lines: the index of their first
    lines = doc.lines
    for index, line in enumerate(lines):
        if index - 1 in wrapped:
            continue  # the second line of a wrapped title
        spec = match_title(line)
        if spec is None and index + 1 < len(lines):
            spec = _wrapped_title(line, lines[index + 1])
            if spec is not None:
                wrapped.add(index)
        if spec is not None:
            marks.append((index, spec))
        elif _is_boundary(line):
            marks.append((index, None))
    regions: dict[str, TableRegion] = {}
    marks = _recognise_by_header(doc, marks)
    for position, (index, spec) in enumerate(marks):
        if spec is None:
            continue
        end = marks[position + 1][0] if position + 1 < len(marks) else len(lines)
        title_lines = 2 if index in wrapped else 1
        body = _before_next_heading(lines[index + title_lines : end])
        if not _has_data(body):
            continue  # a contents-page entry or a mention, not the table itself
        before = lines[max(0, index - 4) : index]
        # The unit is printed above the rows: in the header, however many lines it takes (a rendering in the
        # content stream's order may print 单位：元 after a header of eight lines).
        rows_start = next((i for i, line in enumerate(body) if _has_figure(line)), len(body))
        unit = find_unit(body[:max(8, min(rows_start, 20))]) or find_unit(before)
        region = regions.get(spec.key)
        if region is None:
            title = "".join(line.text for line in lines[index : index + title_lines])
            region = regions[spec.key] = TableRegion(spec, title, lines[index], unit=unit)
        region.lines.extend(body)
        region.unit = region.unit or unit
        region.declared_empty = region.declared_empty or any(
            d in line.compact for line in body for d in EMPTY_DECLARATIONS
        )
    return regions


def _before_next_heading(body: list[Line]) -> list[Line]:
    """A Markdown table's lines up to the first heading after its rows that opens a section of text: the section
    (其他相关情况说明) is no part of it, though no table title ends it. Headings before the rows (编制部门：…) stay,
    and so does a heading the table's rows go on after (a page footer a converter made one: #### — 9 —)."""
    rows = next((i for i, line in enumerate(body) if line.positional), None)
    if rows is None:
        return body
    for i in range(rows, len(body)):
        if body[i].heading:
            after = next((line for line in body[i + 1:] if not line.heading), None)
            if after is None or not after.positional:
                return body[:i]
    return body


def _wrapped_title(first: Line, second: Line) -> TableSpec | None:
    """The table whose title two short lines print together (一般公共预算财政拨款基本支出 / 决算表), when neither
    line alone is a title or holds a figure."""
    if "表" not in first.compact and "表" not in second.compact:
        return None  # every title ends in 表 (see match_title)
    if (len(first.compact) > 40 or len(second.compact) > 40 or first.page != second.page or _has_figure(first)
            or _has_figure(second) or match_title(second) is not None or not _CJK_START.match(second.compact)):
        return None
    return match_title(Line(first.number, first.page, [*first.tokens, *second.tokens]))


_CJK_START = re.compile(r"[\u4e00-\u9fff“”\"（(]")
_AMOUNT = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+\.\d+")


def _has_figure(line: Line) -> bool:
    """A token of the line is an amount (1,234 or 12.34), not a list number run into a title (1.2026年…)."""
    return any(_AMOUNT.fullmatch(token.text) for token in line.tokens)


def titles_before_rows(doc: RawDocument) -> RawDocument:
    """The document with each page that prints its one table's rows above the title, and nothing with figures below
    it, read title first: the title, the header lines below it, then the rows (some text renderings follow the PDF's
    text layer, which holds a page's rows before its title and header). Lines keep their numbers."""
    pages: dict[int, list[int]] = {}
    for index, line in enumerate(doc.lines):
        if line.page is not None:
            pages.setdefault(line.page, []).append(index)
    order = list(range(len(doc.lines)))
    for indices in pages.values():
        titles = [i for i in indices if match_title(doc.lines[i]) is not None]
        if len(titles) != 1:
            continue
        title = titles[0]
        above = [i for i in indices if i < title]
        below = [i for i in indices if i > title]
        if sum(1 for i in above if _has_figure(doc.lines[i])) < 2 or any(_has_figure(doc.lines[i]) for i in below):
            continue
        order[indices[0] : indices[-1] + 1] = [title, *below, *above]
    if order == list(range(len(doc.lines))):
        return doc
    return replace(doc, lines=[doc.lines[i] for i in order])


def rows_before_title(doc: RawDocument, region: TableRegion) -> list[str]:
    """A warning when the title's page prints figures above the title and none below it while the table's rows are
    read from later pages: a rendering that puts each page's rows before its title (the text layer's order, not
    the page's), so the rows read may be the next table's. Empty otherwise."""
    page, title = region.title_line.page, region.title_line.number
    if page is None or not any(_has_figure(line) for line in region.lines):
        return []
    on_page = doc.page_lines(page)
    at = next(i for i, line in enumerate(on_page) if line is region.title_line)  # reading order, not line numbers
    # Most titles have their rows below them on the page: that settles it at the first line of figures.
    if any(_has_figure(line) for line in on_page[at + 1 :]):
        return []
    above = sum(1 for line in on_page[:at] if _has_figure(line))
    if above < 2:
        return []
    return [f"page {page} prints {above} lines of figures above this table's title (line {title}) and none below "
            "it: this text puts rows before their titles, so the rows read after the title may be another table's"]


def explain_missing(doc: RawDocument, spec: TableSpec) -> str:
    """Why a standard table was not read: its title only where no table follows, a heading close to its title
    that no spec entry matches, or nothing like it at all."""
    mentions = [line.number for line in doc.lines if match_title(line) is spec]
    if mentions:
        return f"its title stands only on line(s) {', '.join(map(str, mentions[:3]))}, with no table after it"
    best, best_ratio = None, 0.0
    for line in doc.lines:
        core = _core_title(line.compact)
        if 4 <= len(core) <= 60 and match_title(line) is None:
            ratio = difflib.SequenceMatcher(None, _YEAR_PREFIX.sub("", core), spec.title).ratio()
            if ratio > best_ratio:
                best, best_ratio = line, ratio
    if best is not None and best_ratio >= 0.75:
        return (f"no title matches {spec.title} or its variants; the closest heading is {best.text!r} on line "
                f"{best.number} (a title variant to add to the table specs?)")
    return f"no heading resembling {spec.title} anywhere in the document (its text ends on line {doc.lines[-1].number})"


def _recognise_by_header(doc: RawDocument, marks: list[tuple[int, TableSpec | None]]):
    """Give a 决算 table whose title no pattern knows the spec its header names (docs/domain.md §8: title variants);
    only specs no title found, each at most once."""
    ends = [marks[p + 1][0] if p + 1 < len(marks) else len(doc.lines) for p in range(len(marks))]
    found = {spec.key for (index, spec), end in zip(marks, ends, strict=True)
             if spec is not None and _has_data(doc.lines[index + 1 : end])}
    out = []
    for (index, spec), end in zip(marks, ends, strict=True):
        if spec is None and "决算" in doc.lines[index].compact:
            header = "".join(line.compact for line in doc.lines[index + 1 : min(end, index + 13)])
            spec = next((s for s in TABLES if s.header_words and s.key not in found
                         and all(word in header for word in s.header_words)), None)
            if spec is not None:
                found.add(spec.key)
        out.append((index, spec))
    return out


def document_unit(regions: dict[str, TableRegion], doc: RawDocument) -> str:
    """The document's amount unit: what most of its tables declare, else the first declared, else 万元."""
    units = Counter(r.unit for r in regions.values() if r.unit)
    if units:
        return units.most_common(1)[0][0]
    return find_unit(doc.lines) or "万元"


def data_lines(region: TableRegion, codes: dict[str, str] | None = None) -> list[Line]:
    """The region's lines up to its note (注：…), without page furniture; a line that is just one of `codes`
    (a 类 printed alone on its line, which page furniture would look like) is kept."""
    from .header import header_lines

    out = []
    lines = region.lines
    # A continuation page repeats the header: a later line printing exactly one of its lines is no data.
    header = header_lines(lines, limit=40)
    repeated = {line.compact for line in header if len(line.compact) >= 2}
    for index, line in enumerate(lines):
        if line.compact.startswith(("注：", "注:", "注1", "说明：")):
            break
        if index >= len(header) and line.compact in repeated:
            continue
        if not is_noise(line) or (codes is not None and _lone_code(lines, index, codes)):
            out.append(line)
    return out


def _lone_code(lines: list[Line], index: int, codes: dict[str, str]) -> bool:
    """A line holding only a 类 of `codes`, or only a two-digit 款 that is not where a page number stands
    (the first or last line of a page)."""
    compact = lines[index].compact
    if compact in codes:
        return True
    if not re.fullmatch(r"\d{2}", compact):
        return False
    page = lines[index].page
    before = lines[index - 1].page if index > 0 else None
    after = lines[index + 1].page if index + 1 < len(lines) else None
    return page is not None and before == page and after == page
