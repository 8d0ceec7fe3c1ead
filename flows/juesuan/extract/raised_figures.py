"""Layout text (pdftotext -layout and the like pad each line with spaces to keep the page's columns) that prints a
row's figures on a line of their own above the row's label, where the PDF prints them a little higher than the
label's first line (a label wrapped in its cell, a row three lines tall): those figures are written into the label's
line at the columns they stand in, so the row reads as one line, as the PDF's words do.

Text readers otherwise give a line of figures alone to the labels above it (figures printed below a wrapped label),
so the line goes down only when the columns say so: the figures fit into the gaps of the line below, and either a
blank line stands above them (the row begins with them) or more of them stand right of something printed on the line
below than on the line above.
"""

from __future__ import annotations

import re

# An amount as tables print it, with decimals or thousands groups (not a page number, a year or a code).
_AMOUNT = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)")
_PIECE = re.compile(r"\S+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CODE = re.compile(r"\d{2,7}")
_NOT_IN_AMOUNTS = re.compile(r"[^\d,.\-\s]")


def _figures_only(line: str) -> list[tuple[int, int]] | None:
    """The spans of a line's amounts when the line holds nothing else, else None."""
    if "\t" in line or "\f" in line:
        return None  # cells separated by tabs have no columns to go by; a form feed is a page boundary
    if _NOT_IN_AMOUNTS.search(line):
        return None  # most lines: a character no amount prints
    spans = [(m.start(), m.end()) for m in _PIECE.finditer(line)]
    if not spans or not all(_AMOUNT.fullmatch(line[s:e]) for s, e in spans):
        return None
    return spans


def _fits(line: str, spans: list[tuple[int, int]]) -> bool:
    """Every span stands in a gap of `line`, with a space (or the line's end) on either side, and no two overlap."""
    ordered = sorted(spans)
    apart = all(e < s for (_, e), (s, _) in zip(ordered, ordered[1:], strict=False))
    return apart and all(s > 0 and not (line + " ")[s - 1:e + 1].strip() for s, e in spans)


def _is_label_line(line: str) -> bool:
    """The line prints words, or opens with a code (301 01 | 302: a row of the economic table)."""
    first = _PIECE.search(line)
    if "\t" in line or "\f" in line or first is None:
        return False
    return bool(_CJK.search(line) or _CODE.fullmatch(first.group()))


def _printed_left_of(line: str, spans: list[tuple[int, int]]) -> int:
    """How many spans have something printed left of them on `line`: a label whose row they may be, or a figure of
    a row they may continue (a further column printed a little lower)."""
    return sum(1 for start, _ in spans if line[:start].strip())


def _overlay(line: str, runs: list[str]) -> str:
    """`line` with the figures of the lines in `runs` written in at their columns."""
    chars = list(line)
    for run in runs:
        for m in _PIECE.finditer(run):
            chars.extend(" " * (m.end() - len(chars)))
            chars[m.start():m.end()] = m.group()
    return "".join(chars)


def lower_raised_figures(raw_lines: list[str]) -> list[str]:
    """The lines with each run of figures-only lines that belongs to the label line below it written into that line
    (the run's own lines left blank, so every other line keeps its number). Lines holding a form feed (a page
    boundary) are never joined."""
    out = list(raw_lines)
    i = 0
    while i < len(out):
        spans = _figures_only(out[i])
        if spans is None:
            i += 1
            continue
        run_end = i  # the run: consecutive lines of figures only
        run_spans = list(spans)
        while run_end + 1 < len(out) and (more := _figures_only(out[run_end + 1])):
            run_end += 1
            run_spans += more
        below = run_end + 1
        if below < len(out) and _is_label_line(out[below]) and _fits(out[below], run_spans):
            above = out[i - 1] if i > 0 and "\f" not in out[i - 1] else None
            after_blank = above is not None and not above.strip()
            if after_blank or _printed_left_of(out[below], run_spans) > _printed_left_of(above or "", run_spans):
                out[below] = _overlay(out[below], out[i:below])
                out[i:below] = [""] * (below - i)
        i = run_end + 1
    return out
