"""The pdfium reader against pdfplumber's extract_words, which it reproduces: every PDF in ../shared/corpus gives
the same extraction (tables, rows, codes, measures, amounts, prose figures, problems) with either."""

import json
from decimal import Decimal as D

import pytest
from conftest import PUTUO, SHARED, external_file
from juesuan.extract.document import extract_file
from juesuan.extract.pdfwords import pdfium_pages, pdfplumber_pages
from juesuan.extract.readers import ReadError, read_document

PDFS = sorted((SHARED / "corpus").glob("*/*.pdf"))


def _as_plain(extraction) -> dict:
    return json.loads(json.dumps(extraction.as_json(), default=str, ensure_ascii=False))


def _assert_same(ours, theirs, where="extraction"):
    """Equal, except that positions (the only floats: figures are decimal strings) may differ by float noise, as
    pdfium's single-precision boxes do from pdfplumber's."""
    if isinstance(ours, float) or isinstance(theirs, float):
        assert ours == pytest.approx(theirs, abs=0.05), where
    elif isinstance(ours, dict) and isinstance(theirs, dict):
        assert sorted(ours) == sorted(theirs), where
        for key in ours:
            _assert_same(ours[key], theirs[key], f"{where}.{key}")
    elif isinstance(ours, list) and isinstance(theirs, list):
        assert len(ours) == len(theirs), where
        for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            _assert_same(a, b, f"{where}[{index}]")
    else:
        assert ours == theirs, where


@pytest.mark.skipif(not PDFS, reason=f"no PDFs under {SHARED / 'corpus'}: clone the project next to shared/")
@pytest.mark.parametrize("path", PDFS, ids=[p.stem for p in PDFS])
def test_pdfium_extraction_equals_pdfplumber(path):
    by_pdfium = _as_plain(extract_file(path, "pdfium"))
    by_pdfplumber = _as_plain(extract_file(path, "pdfplumber"))
    _assert_same(by_pdfium, by_pdfplumber)


def test_pdfium_words_match_pdfplumber_words_with_positions():
    # Page 6 of 普陀区财政局 (收入支出决算总表): every word, its text and its box as pdfplumber gives them.
    data = external_file(PUTUO, ".pdf").read_bytes()
    pdfium_page = next(p for i, p in enumerate(pdfium_pages(data)) if i == 5)
    pdfplumber_page = next(p for i, p in enumerate(pdfplumber_pages(data)) if i == 5)
    assert [w[0] for w in pdfium_page] == [w[0] for w in pdfplumber_page]
    for ours, theirs in zip(pdfium_page, pdfplumber_page, strict=True):
        assert ours[1:] == pytest.approx(theirs[1:], abs=0.01), ours[0]
    assert "收入支出决算总表" in [w[0] for w in pdfium_page]


def test_pdfium_reads_putuo_as_printed():
    doc = read_document(external_file(PUTUO, ".pdf"))
    assert doc.source_format == "pdf" and doc.pages == 25
    # 支出决算表, page 15: the code printed in its three columns (类 款 项), then 合计, 基本支出, 项目支出.
    line = next(line for line in doc.lines if line.page == 15 and line.text.startswith("201 06 01"))
    assert [t.text for t in line.tokens] == ["201", "06", "01", "1,511.89", "1,503.52", "8.37"]
    assert line.tokens[3].x0 < line.tokens[4].x0 < line.tokens[5].x0
    r = next(r for r in extract_file(external_file(PUTUO, ".pdf")).tables["expenditure_by_function"]["rows"]
             if r["code"] == "2010601")
    assert (r["total"], r["basic"], r["project"]) == (D("1511.89"), D("1503.52"), D("8.37"))


def test_a_damaged_pdf_says_why(tmp_path):
    data = external_file(PUTUO, ".pdf").read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[:2000])  # the header survives, the body and cross-reference table do not
    with pytest.raises(ReadError, match="^corrupt PDF: "):
        read_document(path)
