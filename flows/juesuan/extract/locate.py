"""Where each table figure was printed: the box of its word on the PDF page, for quoting and highlighting findings."""

from __future__ import annotations

from .finder import TableRegion
from .readers import RawDocument

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in PDF points from the page's top-left


def locate_figures(doc: RawDocument, region: TableRegion, rows: list[dict]) -> None:
    """Give each row a `boxes` map (measure → box of the printed figure), searching its source line first, then
    the lines around it (figures may sit a line above or below their label); PDF only."""
    if doc.source_format != "pdf":
        return
    lines = {line.number: line for line in region.lines}
    used: set[int] = set()
    for row in rows:
        number, boxes = row.get("source_line"), {}
        for measure, text in (row.get("printed") or {}).items():
            if not text or number is None:
                continue
            for offset in (0, 1, -1, 2, -2):
                line = lines.get(number + offset)
                if line is None or line.page != row.get("page", line.page):
                    continue
                token = next((t for t in line.tokens if t.text == text and id(t) not in used and t.top is not None),
                             None)
                if token is not None:
                    used.add(id(token))
                    boxes[measure] = (token.x0, token.top, token.x1, token.bottom)
                    break
        if boxes:
            row["boxes"] = boxes
