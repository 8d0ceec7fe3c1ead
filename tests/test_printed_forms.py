"""Text and figures as real tools write them: line ends, encodings, page breaks, and every printed form of a figure."""

from decimal import Decimal as D

import pytest
from conftest import SHAOGUAN_2024, external_file
from juesuan.extract.document import extract_file
from juesuan.extract.metadata import detect_year
from juesuan.extract.numbers import parse_amount
from juesuan.extract.readers import read_document

ROW_LINE = 224  # "2010301 行政运行 428.89 428.89 0.00 …" in the seed's expenditure_by_function table


def _doctor_row(tmp_path, new_row: str):
    """A copy of the seed whose line 224 (the row printing 428.89) reads new_row."""
    lines = SHAOGUAN_2024.read_text(encoding="utf-8").split("\n")
    assert lines[ROW_LINE - 1] == "2010301 行政运行 428.89 428.89 0.00 0.00 0.00 0.00"
    lines[ROW_LINE - 1] = new_row
    doctored = tmp_path / "doctored.txt"
    doctored.write_text("\n".join(lines), encoding="utf-8")
    return doctored


def _lines(doc):
    return [(line.number, line.page, line.text) for line in doc.lines]


@pytest.mark.parametrize("variant", ["crlf", "cr", "bare_ff", "utf16le", "utf16be", "utf8_bom", "utf16_cr_bare_ff"])
def test_line_ends_encodings_and_bare_form_feeds_read_as_the_same_text(tmp_path, variant):
    source = external_file("上海市普陀区财政局_2024_部门决算", ".pdfplumber.txt")
    text = source.read_text(encoding="utf-8")
    assert text.count("\n\f") == 24  # pages joined by a line break and a form feed
    data = {
        "crlf": text.replace("\n", "\r\n").encode(),
        "cr": text.replace("\n", "\r").encode(),
        "bare_ff": text.replace("\n\f", "\f").encode(),
        "utf16le": b"\xff\xfe" + text.encode("utf-16-le"),
        "utf16be": b"\xfe\xff" + text.encode("utf-16-be"),
        "utf8_bom": b"\xef\xbb\xbf" + text.encode(),
        "utf16_cr_bare_ff": text.replace("\n\f", "\f").replace("\n", "\r").encode("utf-16"),
    }[variant]
    doctored = tmp_path / "doc.txt"
    doctored.write_bytes(data)
    expected = read_document(source)
    got = read_document(doctored)
    assert (got.pages, len(got.lines)) == (expected.pages, len(expected.lines)) == (25, len(expected.lines))
    assert _lines(got) == _lines(expected)
    assert not got.warnings


@pytest.mark.parametrize(
    ("printed", "value"),
    [
        ("-428.89", D("-428.89")),
        ("−428.89", D("-428.89")),  # U+2212 minus
        ("－428.89", D("-428.89")),  # full-width hyphen
        ("—428.89", D("-428.89")),  # a dash before a figure is a minus
        ("(428.89)", D("-428.89")),
        ("（428.89）", D("-428.89")),
        ("４２８．８９", D("428.89")),
        ("4 28.89", D("428.89")),  # a stray space inside the figure
        ("428.89万", D("428.89")),
    ],
)
def test_each_printed_form_of_a_figure_is_read_to_its_value(tmp_path, printed, value):
    doctored = _doctor_row(tmp_path, f"2010301 行政运行 {printed} {printed} 0.00 0.00 0.00 0.00")
    result = extract_file(doctored)
    rows = [r for r in result.tables["expenditure_by_function"]["rows"] if r["code"] == "2010301"]
    assert [(r["total"], r["basic"], r["project"], r["source_line"]) for r in rows] == [(value, value, D("0.00"), 224)]
    assert not [p for p in result.problems if p.code == "unreadable_figure"]


def test_a_negative_in_one_cell_is_read_where_it_is_printed(tmp_path):
    doctored = _doctor_row(tmp_path, "2010301 行政运行 −428.89 428.89 0.00 0.00 0.00 0.00")
    rows = [r for r in extract_file(doctored).tables["expenditure_by_function"]["rows"] if r["code"] == "2010301"]
    assert [(r["total"], r["basic"], r["placement"]) for r in rows] == [(D("-428.89"), D("428.89"), "order")]


def test_an_unreadable_figure_is_reported_at_its_line_and_its_cell_left_empty(tmp_path):
    doctored = _doctor_row(tmp_path, "2010301 行政运行 42x.89 428.89 0.00 0.00 0.00 0.00")
    result = extract_file(doctored)
    rows = [r for r in result.tables["expenditure_by_function"]["rows"] if r["code"] == "2010301"]
    # Never a silent 0, never the 428.89 that would balance the row: the cell is empty and the figure reported.
    assert [(r["total"], r["basic"]) for r in rows] == [(None, D("428.89"))]
    unreadable = {(p.code, p.line, p.message) for p in result.problems if p.code == "unreadable_figure"}
    assert unreadable == {("unreadable_figure", 224,
                           "expenditure_by_function: figure '42x.89' cannot be read as a number")}


def test_full_width_digits_in_titles_keep_the_year(tmp_path):
    text = SHAOGUAN_2024.read_text(encoding="utf-8")
    assert "2024年度部门决算" in text.replace(" ", "")
    doctored = tmp_path / "fw.txt"
    doctored.write_text(text.translate(str.maketrans("0123456789.", "０１２３４５６７８９．")), encoding="utf-8")
    assert detect_year(read_document(doctored)) == 2024
    rows = [r for r in extract_file(doctored).tables["expenditure_by_function"]["rows"] if r["name"] == "合计"]
    assert rows[0]["total"] == D("1393.59")


@pytest.mark.parametrize(("printed", "value"), [("1,393.59", "1393.59"), ("（12.50）", "-12.50"), ("－0.01", "-0.01")])
def test_parse_amount_forms(printed, value):
    assert parse_amount(printed) == D(value)


def test_digits_run_together_beyond_any_figure_are_reported_not_computed_with(tmp_path):
    # Found by the fuzz harness: a 30-digit "figure" in the pymupdf text of 普陀区 overflowed the column solver.
    source = external_file("上海市普陀区财政局_2024_部门决算", ".pymupdf.txt")
    text = source.read_text(encoding="utf-8")
    assert text.count("1,511.89") >= 1
    doctored = tmp_path / "long.txt"
    doctored.write_text(text.replace("1,511.89", "9" * 30 + ".99", 1), encoding="utf-8")
    line = next(i for i, t in enumerate(doctored.read_text(encoding="utf-8").split("\n"), 1) if "9" * 30 in t)
    result = extract_file(doctored)
    assert result.document["agency"] == "上海市普陀区财政局"
    assert [(p.code, p.line) for p in result.problems if p.code == "unreadable_figure"] == [("unreadable_figure", line)]
