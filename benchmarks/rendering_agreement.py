"""How many table cells a text rendering reads exactly as the PDF itself: for each PDF of ../shared/corpus, the
cells read from its words with positions against those read from a text rendering of it.

Run: .venv/bin/python benchmarks/rendering_agreement.py [--rendering RENDERING] [--details] [--findings]
     RENDERING: pdfium (default), pdfplumber, pypdf, pypdf-layout, pdfplumber-layout, pdftotext, pdftotext-layout,
                pdftotext-raw, pdfminer, pymupdf, pymupdf4llm, pymupdf4llm-html, pymupdf4llm-legacy
`pdfium` renders the text here with pypdfium2; `pypdf` with pypdf's extract_text; `pypdf-layout` with its
extract_text(extraction_mode="layout"); `pdfplumber-layout` with pdfplumber's extract_text(layout=True). The layout
modes pad each line with spaces to keep the page's columns (pypdf's runs touching cells together); `pdftotext`,
`pdftotext-layout` and `pdftotext-raw` (the content stream's order) run poppler's pdftotext (not a dependency:
apt-get install poppler-utils); `pdfminer` is pdfminer.six's extract_text (its text boxes in reading order;
installed with pdfplumber); `pymupdf4llm` writes Markdown with pipe tables, `pymupdf4llm-html` with HTML tables,
`pymupdf4llm-legacy` by its older path (not a dependency: pip install pymupdf4llm). Those are renderings
no extraction code was written against: the nearest to an extractor nobody here has seen. `pdfplumber` uses the
.pdfplumber.txt files beside the PDFs. Pages are joined by form feeds, as text extractors print them. A cell is
(table, row, measure): a miss is a cell the PDF reads and the text does not (or reads otherwise), an extra one the
text reads and the PDF does not.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "flows"))

from juesuan.extract.document import extract_file  # noqa: E402
from juesuan.extract.pdfwords import pdfium_text as plain_text  # noqa: E402
from juesuan.quality.one_document import UnusableDocument, check_document  # noqa: E402

CORPUS = Path(os.environ.get("JUESUAN_SHARED", ROOT.parent / "shared")) / "corpus"
_IDENTITY = ("side", "code", "name", "group", "kind")
_NOT_CELLS = ("boxes", "printed", "source_line", "page", "placement", "line_no", *_IDENTITY)


def cells(extraction) -> dict[tuple, object]:
    """(table, row identity, occurrence, measure) → figure, for every figure of every table."""
    out, seen = {}, {}
    for table, content in extraction.tables.items():
        for row in content.get("rows", []):
            identity = (row.get("side"), row.get("code") or row.get("name"), row.get("group"), row.get("kind"))
            occurrence = seen.get((table, identity), 0)
            seen[(table, identity)] = occurrence + 1
            out.update({(table, identity, occurrence, k): v for k, v in row.items()
                        if k not in _NOT_CELLS and v is not None})
    return out


def _pypdf_text(pdf: Path) -> str:
    import pypdf

    return "\f".join(page.extract_text() or "" for page in pypdf.PdfReader(str(pdf)).pages)


def _pypdf_layout_text(pdf: Path) -> str:
    import pypdf

    return "\f".join(page.extract_text(extraction_mode="layout") or "" for page in pypdf.PdfReader(str(pdf)).pages)


def _pdftotext(*options: str):
    def render(pdf: Path) -> str:
        if shutil.which("pdftotext") is None:
            sys.exit("pdftotext is not installed: apt-get install poppler-utils (Debian), then run again")
        return subprocess.run(["pdftotext", *options, "-enc", "UTF-8", str(pdf), "-"], check=True,
                              capture_output=True, text=True).stdout
    return render


def _pdfminer_text(pdf: Path) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(str(pdf))


def _layout_text(pdf: Path) -> str:
    import pdfplumber

    with pdfplumber.open(str(pdf)) as document:
        return "\f".join(page.extract_text(layout=True) or "" for page in document.pages)


def _pymupdf_text(pdf: Path) -> str:
    try:
        import pymupdf
    except ImportError:
        sys.exit("PyMuPDF is not installed (not a dependency): .venv/bin/pip install pymupdf, then run again")
    # As ../shared/corpus/external's .pymupdf.txt files were made: get_text("text", sort=True) per page.
    with pymupdf.open(str(pdf)) as document:
        return "\n\f".join(page.get_text("text", sort=True) for page in document) + "\n"


def _pymupdf4llm(**options):
    def render(pdf: Path) -> str:
        try:
            import pymupdf4llm
            from pymupdf4llm.helpers import pymupdf_rag
        except ImportError:
            sys.exit("pymupdf4llm is not installed (not a dependency): .venv/bin/pip install pymupdf4llm, then run again")
        # Markdown as a user converting PDFs for a language model makes it: pipe tables by default, HTML tables
        # with table_output="html"; `legacy` is its older path, without the layout model.
        if options.get("legacy"):
            return pymupdf_rag.to_markdown(str(pdf), show_progress=False)
        return pymupdf4llm.to_markdown(str(pdf), show_progress=False, **options)
    return render


RENDERERS = {"pdfium": lambda pdf: plain_text(pdf.read_bytes()), "pypdf": _pypdf_text, "pypdf-layout": _pypdf_layout_text,
             "pdfplumber-layout": _layout_text, "pdftotext": _pdftotext(), "pdftotext-layout": _pdftotext("-layout"),
             "pdftotext-raw": _pdftotext("-raw"), "pdfminer": _pdfminer_text,
             "pymupdf": _pymupdf_text, "pymupdf4llm": _pymupdf4llm(),
             "pymupdf4llm-html": _pymupdf4llm(table_output="html"), "pymupdf4llm-legacy": _pymupdf4llm(legacy=True)}
_MARKDOWN_RENDERINGS = {"pymupdf4llm", "pymupdf4llm-html", "pymupdf4llm-legacy"}


def _failures(path: Path) -> set[tuple]:
    """(rule, table, row, column, figure) of every check `juesuan check` gives as failing; none for a file it
    cannot check (a rendering without text)."""
    try:
        checks = check_document(path).checks
    except UnusableDocument:
        return set()
    return {(c["rule_id"], c["table_key"], c["row_code"], c["column_name"], c["actual"])
            for c in checks if c["outcome"] == "fail"}


def rendered_text(pdf: Path, rendering: str, out_dir: Path) -> Path:
    """The PDF's text as `rendering` lays it out, written to out_dir."""
    suffix = "md" if rendering in _MARKDOWN_RENDERINGS else "txt"
    target = out_dir / f"{pdf.stem}.{rendering}.{suffix}"
    target.write_text(RENDERERS[rendering](pdf), encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rendering", choices=(*RENDERERS, "pdfplumber"), default="pdfium")
    parser.add_argument("--details", action="store_true", help="list every missed and extra cell")
    parser.add_argument("--findings", action="store_true",
                        help="also check each document (juesuan check) and list the failing checks the text gives "
                             "and the PDF does not: misreadings that would be published as the publisher's errors")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    total = exact = extra_total = findings_total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for pdf in sorted(CORPUS.glob("*/*.pdf")):
            text = (pdf.with_suffix(".pdfplumber.txt") if args.rendering == "pdfplumber"
                    else rendered_text(pdf, args.rendering, Path(tmp)))
            if not text.exists():
                continue
            if args.findings:
                extra_findings = _failures(text) - _failures(pdf)
                findings_total += len(extra_findings)
                for finding in sorted(extra_findings, key=str):
                    print(f"    finding the PDF does not give: {finding}")
            printed, read = cells(extract_file(pdf)), cells(extract_file(text))
            same = sum(1 for key, value in printed.items() if read.get(key) == value)
            extra = sum(1 for key in read if key not in printed)
            total, exact, extra_total = total + len(printed), exact + same, extra_total + extra
            share = f"{same / len(printed):.1%}" if printed else "-"
            print(f"{pdf.stem[:34]:36} cells {len(printed):5}  exact {same:5} ({share:>6})  extra {extra}")
            if args.details:
                for key, value in printed.items():
                    if read.get(key) != value:
                        print(f"    miss  {key} {value} → {read.get(key)}")
                for key in read:
                    if key not in printed:
                        print(f"    extra {key} {read[key]}")
    print(f"all: {exact}/{total} cells exact ({exact / total:.2%}), {extra_total} extra, rendering {args.rendering}"
          + (f"; {findings_total} failing check(s) the PDFs do not give" if args.findings else ""))


if __name__ == "__main__":
    main()
