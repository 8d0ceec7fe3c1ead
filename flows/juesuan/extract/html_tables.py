"""HTML tables inside Markdown (as MinerU-style converters print a table whose cells span rows or columns): each
row laid out as the grid it draws, a spanned cell's further places left empty, so its cells keep their columns."""

from __future__ import annotations

from html.parser import HTMLParser


class _Rows(HTMLParser):
    """Collects each <tr>'s cells as (text, colspan, rowspan); <br> inside a cell is kept as a mark."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[tuple[str, int, int]]] = []
        self._row: list[tuple[str, int, int]] | None = None
        self._cell: list[str] | None = None
        self._spans = (1, 1)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "tr":
            self._close_row()
            self._row = []
        elif tag in ("td", "th"):
            self._close_cell()
            if self._row is None:
                self._row = []
            found = dict(attrs)
            self._cell, self._spans = [], (_span(found.get("colspan")), _span(found.get("rowspan")))
        elif tag == "br" and self._cell is not None:
            self._cell.append("<br>")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._close_cell()
        elif tag in ("tr", "table"):
            self._close_row()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def _close_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            self._row.append(("".join(self._cell), *self._spans))
        self._cell = None

    def close(self) -> None:
        super().close()
        self._close_row()  # a row (or table) the text never closes

    def _close_row(self) -> None:
        self._close_cell()
        if self._row is not None:
            self.rows.append(self._row)
        self._row = None


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 100))
    except ValueError:
        return 1


def table_grid(html_text: str) -> list[list[str]]:
    """The rows of every table in html_text as cell texts, spans laid out: a cell spanning columns or rows
    stands in its first place, its other places are empty strings."""
    parser = _Rows()
    parser.feed(html_text)
    parser.close()
    grid: list[list[str]] = []
    below: dict[int, int] = {}  # column → rows still covered by a cell spanning down from above
    for cells in parser.rows:
        row: list[str] = []
        column = 0
        for text, colspan, rowspan in cells:
            while below.get(column, 0) > 0:
                row.append("")
                below[column] -= 1
                column += 1
            row.append(text)
            row.extend([""] * (colspan - 1))
            for spanned in range(column, column + colspan):
                if rowspan > 1:
                    below[spanned] = rowspan - 1
            column += colspan
        # Columns after the row's last cell still covered by a cell spanning down from above.
        last = max((c for c, rows in below.items() if rows > 0 and c >= column), default=column - 1)
        for covered in range(column, last + 1):
            row.append("")
            if below.get(covered, 0) > 0:
                below[covered] -= 1
        grid.append(row)
    return grid
