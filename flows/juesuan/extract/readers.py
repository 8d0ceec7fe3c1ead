"""Readers: one per input format, each producing the same thing, pages of lines of tokens.

A token carries its text and, where the format knows it, where it stood: the x range on the PDF page,
or the cell index in a tab- or pipe-separated Markdown row (where blank cells are kept).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .html_tables import table_grid
from .raised_figures import lower_raised_figures

SUPPORTED_SUFFIXES = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".pdf": "pdf"}

# Splits a printed token where two things were fused by the extractor:
# a Chinese name and a code ("行政运行201"), an amount and a code ("603.14201"), a code and a name ("2010601-行政运行").
_AMOUNT_THEN_CODE = re.compile(r"^(-?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d{2})(\d{3,7})$")
_SCRIPT_RUNS = re.compile(r"[0-9][0-9,.]*|[^0-9]+")
_CODE_DASH_NAME = re.compile(r"^(\d{3,7})[-－—.、](\D.*)$")
_DIGIT = re.compile(r"[0-9]")
_CODE_RUN = re.compile(r"\d{3}|\d{5}|\d{7}")
_BEFORE_NON_CODE = re.compile(r"[年月日第（(]$")
_HEADING_MARK = re.compile(r"^\s*#+\s")
_PIECE = re.compile(r"\S+")
# An amount run into the next cell's label ("39,238.43一、本年支出", in 元 "118,853,953一、农林水支出"): two cells.
_AMOUNT_THEN_TEXT = re.compile(r"^(-?(?:\d{1,3}(?:,\d{3})+(?:\.\d{2})?|\d+\.\d{2}))([\u4e00-\u9fff（(].*)$")
# Amounts run together: of two decimals ("2,106.662,106.66"), each ends two digits after its point; in 元
# ("118,853,953118,853,953"), each in groups of three digits, so each ends where a group is followed by a digit.
_TWO_DECIMALS = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d{2}")
_GROUPED = re.compile(r"-?\d{1,3}(?:,\d{3})+")


class ReadError(Exception):
    """A file that cannot be read as a document; the message says why."""


@dataclass(slots=True)
class Token:
    """One printed piece of a line."""

    text: str
    x0: float | None = None
    x1: float | None = None
    col: int | None = None
    top: float | None = None  # PDF only: the word's vertical extent on its page, in points from the top
    bottom: float | None = None
    offset: int | None = None  # plain text only: the character it starts at on its line (a layout rendering's column)

    @property
    def center(self) -> float | None:
        return None if self.x0 is None else (self.x0 + self.x1) / 2


@dataclass
class Line:
    """One line of a document, with where it came from. Its tokens are not changed once read, so its text and
    compact form are computed once."""

    number: int
    page: int | None
    tokens: list[Token]
    positional: bool = False  # blank cells are kept as empty tokens (tab/pipe tables)
    heading: bool = False  # a Markdown heading (# …)
    top: float | None = None
    bottom: float | None = None

    # Computed on first use and kept (plain attributes: functools.cached_property takes a lock on every read).
    @property
    def text(self) -> str:
        try:
            return self._text
        except AttributeError:
            self._text = " ".join([t.text for t in self.tokens if t.text])
            return self._text

    @property
    def compact(self) -> str:
        """The line's text with all spaces removed, for matching titles and labels."""
        try:
            return self._compact
        except AttributeError:
            self._compact = without_spaces(self.text)
            return self._compact


def without_spaces(text: str) -> str:
    """The text with every whitespace character removed (Line.compact's form)."""
    return "".join(text.split())  # str.split and the pattern \s agree on what is whitespace; split is faster


@dataclass
class RawDocument:
    """A document as read: its lines, its format and facts about the reading."""

    path: Path
    source_format: str
    lines: list[Line]
    pages: int
    warnings: list[str] = field(default_factory=list)

    def page_lines(self, page: int | None) -> list[Line]:
        """The lines of one page, in reading order (the pages' lines are grouped once, on first use)."""
        try:
            pages = self._pages
        except AttributeError:
            pages = self._pages = {}
            for line in self.lines:
                pages.setdefault(line.page, []).append(line)
        return pages.get(page, [])

    @property
    def full_text(self) -> str:
        try:
            return self._full_text
        except AttributeError:
            self._full_text = "\n".join(line.text for line in self.lines)
            return self._full_text


def split_fused(text: str) -> list[str]:
    """Split a whitespace-free token where the extractor fused a name, a code and an amount."""
    if not text or not _DIGIT.search(text):
        return [text]  # most tokens: words without a figure or a code
    return list(_split_figured(text))


@lru_cache(maxsize=65536)  # the same figures and codes recur on every page of a corpus
def _split_figured(text: str) -> tuple[str, ...]:
    """split_fused of a token holding a digit, kept: a tuple, so no caller can change the kept parts."""
    m = _CODE_DASH_NAME.match(text)
    if m:
        return m.group(1), m.group(2)
    m = _AMOUNT_THEN_CODE.match(text)
    if m:
        return m.group(1), m.group(2)
    m = _AMOUNT_THEN_TEXT.match(text)
    if m:
        return m.group(1), *split_fused(m.group(2))
    for fused, amount in ((text.count(".") > 1, _TWO_DECIMALS), ("." not in text and text.count(",") > 1, _GROUPED)):
        amounts = amount.findall(text) if fused else []
        if len(amounts) > 1 and "".join(amounts) == text:
            return tuple(amounts)
    runs = _SCRIPT_RUNS.findall(text)
    if len(runs) <= 1:
        return (text,)
    # Only split name+digits when the digits look like a code (a run of 3-7 digits), not "2024年" or "（1）".
    out: list[str] = []
    for run in runs:
        if _CODE_RUN.fullmatch(run) and out and not _BEFORE_NON_CODE.search(out[-1]):
            out.append(run)
        elif out and not _CODE_RUN.fullmatch(out[-1]):
            out[-1] += run
        else:
            out.append(run)
    return tuple(out)


def _text_tokens(raw_line: str) -> list[Token]:
    tokens: list[Token] = []
    for match in _PIECE.finditer(raw_line):
        piece, start = match.group(), match.start()
        # Most pieces are words without a digit, or one figure or code: one token as printed (split_fused would
        # give the piece back whole), without the search for where each part starts.
        parts = _split_figured(piece) if _DIGIT.search(piece) else None
        if parts is None or len(parts) == 1:
            tokens.append(Token(piece, offset=start))
            continue
        for part in parts:
            at = piece.find(part)
            tokens.append(Token(part, offset=start + max(at, 0)))
            if at >= 0:
                piece, start = piece[at + len(part):], start + at + len(part)
    return tokens


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_FULL_WIDTH_DIGIT = re.compile("[０-９]")
_FULL_WIDTH_POINT = re.compile(r"(?<=\d)．(?=\d)")
_BARE_FORM_FEED = re.compile(r"(?<!\n)\f")


def normalize_text(text: str) -> str:
    """The text as if written with LF line ends, a line break before each form feed, and ASCII digits.

    Real tools write CRLF or CR-only line ends and join pages by a bare form feed; documents print full-width
    digits (２０２４年, ４２８．８９). All read exactly as the LF, ASCII-digit text would."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Each step only where the text needs it: str.translate looks up every character of the text in Python.
    if "\f" in text:
        text = _BARE_FORM_FEED.sub("\n\f", text)
    if _FULL_WIDTH_DIGIT.search(text):
        text = text.translate(_FULL_WIDTH_DIGITS)
    return _FULL_WIDTH_POINT.sub(".", text) if "．" in text else text


def decode_text(data: bytes, path: Path) -> tuple[str, list[str]]:
    """Decode UTF-8 (with or without BOM) or UTF-16 with a BOM; fall back to GB18030 (a superset of GBK) and say
    so. The result has LF line ends and ASCII digits (see normalize_text)."""
    if not data.strip():
        raise ReadError("empty file: it holds no text")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(encoding.removesuffix("-sig"))
            except UnicodeDecodeError as exc:
                raise ReadError(f"not {encoding.upper()} text despite its byte-order mark: undecodable byte at "
                                f"offset {exc.start + len(bom)}") from exc
            if not text.strip():
                raise ReadError("empty file: it holds no text")
            return normalize_text(text), []
    try:
        return normalize_text(data.decode("utf-8")), []
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ReadError(f"not UTF-8 or GBK text: undecodable byte at offset {exc.start}") from exc
        return normalize_text(text), [
            f"encoded as GBK/GB18030, not UTF-8 (first non-UTF-8 byte at offset {exc.start}); decoded as GB18030"]


def _cell_tokens(cells: list[str]) -> list[Token]:
    """Tokens of a tab- or pipe-separated row; an empty cell stays as an empty token at its index."""
    tokens: list[Token] = []
    for col, cell in enumerate(cells):
        parts = [p for piece in cell.strip().split() for p in split_fused(piece)] or [""]
        tokens.extend(Token(part, col=col) for part in parts)
    return tokens


def read_text(path: Path, data: bytes) -> RawDocument:
    """Read PDF-extracted plain text: one line per line, pages split by form feeds, tab-separated rows as cells."""
    text, warnings = decode_text(data, path)
    lines: list[Line] = []
    page = 1
    # split on newlines only: str.splitlines would also split on the form feeds that mark pages.
    for number, raw_line in enumerate(lower_raised_figures(text.split("\n")), start=1):
        if "\f" in raw_line:
            page += raw_line.count("\f")
            raw_line = raw_line.replace("\f", " ")
        if "\t" in raw_line.strip(" "):
            lines.append(Line(number, page, _cell_tokens(raw_line.rstrip("\r\n").split("\t")), positional=True))
            continue
        tokens = _text_tokens(_HEADING_MARK.sub("", raw_line) if "#" in raw_line else raw_line)
        if tokens:
            lines.append(Line(number, page, tokens))
    return RawDocument(path, "text", lines, page, warnings)


_PIPE_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_MARKDOWN_HEADING = re.compile(r"^#+\s*")
_PLACEHOLDER_HEADER = re.compile(r"Col\d{1,3}")
_HTML_TABLE_START = re.compile(r"<table\b", re.IGNORECASE)
_HTML_TABLE_END = re.compile(r"</table\s*>", re.IGNORECASE)
# Markup a Markdown converter wraps text in: bold and strike-through marks, inline HTML (<sup>, <span …>), and a
# line break inside a table cell, which within words of Chinese only wraps a label ("一般公共预<br>算"), and
# elsewhere separates two things.
_EMPHASIS = re.compile(r"\*\*|__|~~")
_INLINE_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_CELL_BREAK = re.compile(r"([^\x00-\x7f]?)\s*<br\s*/?>\s*(?=([^\x00-\x7f])?)", re.IGNORECASE)


def _without_markup(text: str) -> str:
    """Markdown text as printed: emphasis marks dropped, HTML entities decoded, cell line breaks resolved."""
    text = _EMPHASIS.sub("", text)
    if "<" in text:
        text = _CELL_BREAK.sub(lambda m: m.group(1) + ("" if m.group(1) and m.group(2) else " "), text)
        text = _INLINE_TAG.sub("", text)
    return html.unescape(text) if "&" in text else text


def read_markdown(path: Path, data: bytes) -> RawDocument:
    """Read Markdown: tab- or pipe-separated table rows and HTML tables keep their blank cells; headings lose
    their #."""
    text, warnings = decode_text(data, path)
    lines: list[Line] = []
    table: list[str] = []  # the source lines of an HTML table being read, from its <table> to its </table>

    def table_rows(last: int) -> list[Line]:
        first = last - len(table) + 1
        return [Line(first, None, _cell_tokens([_without_markup(c) for c in cells]), positional=True)
                for cells in table_grid("\n".join(table)) if any(c.strip() for c in cells)]

    for number, raw_line in enumerate(text.split("\n"), start=1):
        if table or _HTML_TABLE_START.search(raw_line):
            table.append(raw_line)
            if _HTML_TABLE_END.search(raw_line):
                lines.extend(table_rows(number))
                table = []
            continue
        raw_line = _without_markup(raw_line)
        stripped = raw_line.strip()
        if not stripped or _PIPE_SEPARATOR.match(stripped):
            continue
        if "\t" in raw_line or stripped.startswith("|"):
            # One outer pipe off each end: the empty cells a row opens with keep their indices.
            cells = (stripped[1:].removesuffix("|").split("|") if stripped.startswith("|")
                     else raw_line.rstrip("\r\n").split("\t"))
            # "Col3": the name a converter (PyMuPDF's table export) gives a column whose header cell is empty.
            cells = ["" if _PLACEHOLDER_HEADER.fullmatch(c.strip()) else c for c in cells]
            lines.append(Line(number, None, _cell_tokens(cells), positional=True))
        else:
            content = _MARKDOWN_HEADING.sub("", stripped)
            tokens = _text_tokens(content)
            if tokens:
                lines.append(Line(number, None, tokens, heading=len(content) < len(stripped)))
    if table:  # a table never closed: its rows as far as the file goes
        lines.extend(table_rows(number))
    return RawDocument(path, "markdown", lines, 1, warnings)


PDF_ENGINES = ("pdfium", "pdfplumber")


def read_pdf(path: Path, data: bytes, engine: str = "pdfium") -> RawDocument:
    """Read a PDF: words with their positions (pdfium by default, or pdfplumber's extract_words, which it
    reproduces), grouped into lines by their vertical position, x kept."""
    from .pdfwords import PdfError, pdfium_pages, pdfplumber_pages

    if not data:
        raise ReadError("empty file: it holds no bytes")
    if not data.startswith(b"%PDF"):
        raise ReadError("corrupt PDF: the file does not start with a %PDF header")
    pages = {"pdfium": pdfium_pages, "pdfplumber": pdfplumber_pages}[engine]
    lines: list[Line] = []
    n_pages = 0
    try:
        number = 0
        for page_no, words in enumerate(pages(data), start=1):
            n_pages = page_no
            for group in _group_words_into_lines(words):
                number += 1
                tokens = []
                for text, x0, x1, top, bottom in group:
                    width = (x1 - x0) / max(len(text), 1)
                    start = x0
                    for part in split_fused(normalize_text(text)):
                        end = start + width * len(part)
                        tokens.append(Token(part, start, end, top=top, bottom=bottom))
                        start = end
                lines.append(Line(number, page_no, tokens, top=min(w[3] for w in group),
                                  bottom=max(w[4] for w in group)))
    except PdfError as exc:
        if "password" in str(exc).lower():
            raise ReadError("encrypted PDF: it needs a password to open, so its text cannot be read") from exc
        raise ReadError(f"corrupt PDF: {exc}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise ReadError(f"corrupt PDF: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # pdfminer and pypdfium2 raise many private exception types on damaged files
        if _out_of_memory(exc):
            raise MemoryError(f"reading the PDF ran out of memory: {exc}") from exc
        if _encrypted(exc):
            raise ReadError("encrypted PDF: it needs a password to open, so its text cannot be read") from exc
        if type(exc).__module__.startswith(("pdfminer", "pdfplumber", "pypdfium2")):
            raise ReadError(f"corrupt PDF: {type(exc).__name__}: {exc}") from exc
        raise
    if n_pages == 0:
        raise ReadError("corrupt PDF: it has no pages")
    return RawDocument(path, "pdf", lines, n_pages)


def _encrypted(exc: BaseException) -> bool:
    """True when pdfminer could not open the PDF for want of its password (its errors wrap the reason)."""
    seen = 0
    while exc is not None and seen < 10:
        if re.search(r"Password|Encrypt", type(exc).__name__):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _out_of_memory(exc: BaseException) -> bool:
    """True when the error is, or wraps, running out of memory (pdfminer wraps zlib's MemoryError)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, MemoryError) or "Unable to allocate" in str(exc):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _group_words_into_lines(words: list[tuple], tolerance: float = 3.0) -> list[list[tuple]]:
    """Cluster words (text, x0, x1, top, bottom) into lines, each sorted left to right: a word joins the line when
    its top lies within `tolerance` points of a word already on it (a cell set a little lower than its neighbours,
    beside a figure that bridges the two), and within twice that of the line's first word, so lines never chain."""
    groups: list[list[tuple]] = []
    for word in sorted(words, key=lambda w: (round(w[3], 1), w[1])):
        # Sorted by top: the word nearest above is the line's lowest so far.
        if (groups and word[3] - max(w[3] for w in groups[-1]) <= tolerance
                and word[3] - groups[-1][0][3] <= 2 * tolerance):
            groups[-1].append(word)
        else:
            groups.append([word])
    return [sorted(g, key=lambda w: w[1]) for g in groups]


def read_document(path: Path, pdf_engine: str = "pdfium", data: bytes | None = None) -> RawDocument:
    """Read any supported file (PDFs with `pdf_engine`; its bytes given, or read from path); raises ReadError with
    the reason when it cannot."""
    fmt = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ReadError(f"unsupported file type {path.suffix or '(none)'!r}: expected .txt, .md or .pdf")
    if data is None:
        data = path.read_bytes()
    if fmt == "pdf":
        return read_pdf(path, data, pdf_engine)
    if fmt == "markdown":
        return read_markdown(path, data)
    return read_text(path, data)
