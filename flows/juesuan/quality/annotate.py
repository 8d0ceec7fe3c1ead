"""Annotated copies of the source PDFs: each finding's figure or sentence highlighted, its message attached as a note."""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Highlight, Text
from pypdf.generic import ArrayObject, FloatObject, NameObject, TextStringObject

COLOURS = {"fail": "ff3b30", "suspect_extraction": "ffb000"}  # red: the publisher's; amber: a possible misreading


def finding_message(check: dict) -> str:
    """What a note on the page says about one finding."""
    def figure(value) -> str:
        return f"{value.normalize():f}" if hasattr(value, "normalize") else str(value)

    what = "possible misreading (extraction unsure)" if check["outcome"] == "suspect_extraction" else "error"
    return (f"{check['rule_id']} · {what}: expected {figure(check['expected'])}, printed {figure(check['actual'])} "
            f"(difference {figure(check['difference'])}, tolerance {figure(check['tolerance'])}). {check['detail']}")


def _pdf_findings(checks: list[dict]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = defaultdict(list)
    for check in checks:
        source = check.get("source_file")
        if (check["outcome"] in COLOURS and source and source.lower().endswith(".pdf") and check.get("page")
                and Path(source).is_file()):
            found[source].append(check)
    return found


def annotate_pdfs(checks: list[dict], dq_dir: Path) -> dict[str, dict[str, str]]:
    """Write dq_dir/annotated/<file> (findings marked) and dq_dir/sources/<file> (the original) for every PDF with
    findings; returns file name → {"annotated": relative link, "source": relative link}."""
    links: dict[str, dict[str, str]] = {}
    for source, findings in _pdf_findings(checks).items():
        name = Path(source).name
        for folder in ("annotated", "sources"):
            (dq_dir / folder).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dq_dir / "sources" / name)
        writer = PdfWriter(clone_from=PdfReader(source))
        for check in findings:
            _annotate(writer, check)
        with open(dq_dir / "annotated" / name, "wb") as out:
            writer.write(out)
        links[name] = {"annotated": f"annotated/{name}", "source": f"sources/{name}"}
    return links


def _annotate(writer: PdfWriter, check: dict) -> None:
    """A highlight over the finding's box (or a note in the page's top-left corner when its box is unknown)."""
    index = check["page"] - 1
    if not 0 <= index < len(writer.pages):
        return
    page = writer.pages[index]
    top_edge, left_edge = float(page.mediabox.top), float(page.mediabox.left)
    message = finding_message(check)
    if check.get("bbox_x0") is not None:
        x0, x1 = left_edge + check["bbox_x0"] - 1, left_edge + check["bbox_x1"] + 1
        y_top, y_bottom = top_edge - check["bbox_top"] + 1, top_edge - check["bbox_bottom"] - 1
        quad = ArrayObject(FloatObject(v) for v in (x0, y_top, x1, y_top, x0, y_bottom, x1, y_bottom))
        highlight = Highlight(rect=(x0, y_bottom, x1, y_top), quad_points=quad,
                              highlight_color=COLOURS[check["outcome"]])
        highlight[NameObject("/Contents")] = TextStringObject(message)
        highlight[NameObject("/T")] = TextStringObject(f"juesuan {check['rule_id']}")
        writer.add_annotation(page_number=index, annotation=highlight)
        note_at = (x1 + 2, y_top - 14, x1 + 16, y_top)
    else:
        note_at = (left_edge + 8, top_edge - 24, left_edge + 22, top_edge - 10)
    note = Text(rect=note_at, text=message, open=False)
    note[NameObject("/T")] = TextStringObject(f"juesuan {check['rule_id']}")
    note[NameObject("/C")] = ArrayObject(FloatObject(int(COLOURS[check["outcome"]][i:i + 2], 16) / 255) for i in (0, 2, 4))
    writer.add_annotation(page_number=index, annotation=note)
