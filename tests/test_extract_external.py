"""Documents from other agencies, as PDF and as two extractors' text: every function-coded row, and its identities."""

from decimal import Decimal as D

import pytest
from conftest import FORMATS, FOSHAN, PUTUO, external_file
from identities import row_violations, tree_violations
from juesuan.extract.document import extract_file
from juesuan.extract.specs import TABLES_BY_KEY

FUNCTION_TABLES = ("income_by_function", "expenditure_by_function", "general_budget_expenditure")
# The function codes each document prints, read off the documents themselves.
CODES = {
    PUTUO: {"201", "20106", "2010601", "2010602", "2010607", "2010608", "208", "20805", "2080501", "2080505",
            "2080506", "2080599", "210", "21011", "2101101", "221", "22102", "2210201", "2210203"},
    FOSHAN: {"208", "20805", "2080505", "2080506", "214", "21401", "2140101", "2140102", "2140199", "221",
             "22102", "2210201"},
}
FACTS = {PUTUO: ("上海市普陀区财政局", 2024), FOSHAN: ("佛山市轨道交通局", 2019)}
CASES = [(base, suffix) for base in (PUTUO, FOSHAN) for suffix in FORMATS]
_cache: dict = {}


def extraction(base, suffix):
    if (base, suffix) not in _cache:
        _cache[(base, suffix)] = extract_file(external_file(base, suffix))
    return _cache[(base, suffix)]


def rows(base, suffix, table):
    return extraction(base, suffix).tables[table]["rows"]


@pytest.mark.parametrize(("base", "suffix"), CASES)
def test_document_facts(base, suffix):
    doc = extraction(base, suffix).document
    assert (doc["agency"], doc["fiscal_year"], doc["kind"]) == (*FACTS[base], "final_accounts")


@pytest.mark.parametrize(("base", "suffix"), CASES)
@pytest.mark.parametrize("table", FUNCTION_TABLES)
def test_every_function_coded_row_is_extracted(base, suffix, table):
    codes = [r["code"] for r in rows(base, suffix, table) if r["code"]]
    assert sorted(codes) == sorted(CODES[base])
    assert [r["name"] for r in rows(base, suffix, table) if not r["code"]] == ["合计"]


@pytest.mark.parametrize(("base", "suffix"), CASES)
@pytest.mark.parametrize("table", FUNCTION_TABLES)
def test_tree_and_row_identities_hold(base, suffix, table):
    table_rows = rows(base, suffix, table)
    measures = [m.key for m in TABLES_BY_KEY[table].measures]
    assert tree_violations(table_rows, measures) == []
    assert row_violations(table, table_rows) == []


@pytest.mark.parametrize("suffix", FORMATS)
def test_putuo_2010601_expenditure(suffix):
    r = next(r for r in rows(PUTUO, suffix, "expenditure_by_function") if r["code"] == "2010601")
    assert (r["total"], r["basic"], r["project"]) == (D("1511.89"), D("1503.52"), D("8.37"))
    assert r["name"] == "行政运行"


@pytest.mark.parametrize("suffix", FORMATS)
def test_putuo_names_split_around_their_code_line(suffix):
    r = next(r for r in rows(PUTUO, suffix, "expenditure_by_function") if r["code"] == "2080505")
    assert r["name"] == "机关事业单位基本养老保险缴费支出"
    assert r["total"] == D("160.75")


@pytest.mark.parametrize("suffix", FORMATS)
def test_foshan_names_wrapped_above_and_below_the_code_line(suffix):
    names = {r["code"]: r["name"] for r in rows(FOSHAN, suffix, "income_by_function")}
    assert names["208"] == "社会保障和就业支出"
    assert names["20805"] == "行政事业单位离退休"
    assert names["2140199"] == "其他公路水路运输支出"


def test_pdf_positions_place_a_lone_figure_in_its_own_column():
    # Only the PDF keeps x positions: 0.01 stands under 其他收入, not under 上级补助收入.
    r = next(r for r in rows(PUTUO, ".pdf", "income_by_function") if r["code"] == "2010601")
    assert (r["total"], r["fiscal_appropriation"], r["other_income"]) == (D("1511.90"), D("1511.89"), D("0.01"))
    assert r["superior_subsidy"] is None and r["placement"] == "position"


@pytest.mark.parametrize("suffix", (".pdfplumber.txt", ".pymupdf.txt"))
def test_plain_text_places_the_lone_other_income_by_the_summary_table(suffix):
    # Plain text drops blank cells, so 0.01 would balance in any source column; the summary table prints 上级补助收入
    # blank and 其他收入 6.20, and the 合计 = Σ类 = Σ款 = Σ项 tree carries that down to 2010601.
    r = next(r for r in rows(PUTUO, suffix, "income_by_function") if r["code"] == "2010601")
    assert (r["total"], r["fiscal_appropriation"], r["other_income"]) == (D("1511.90"), D("1511.89"), D("0.01"))
    assert r["superior_subsidy"] is None and r["placement"] == "solved"
    other = {r["code"] or r["name"]: r["other_income"] for r in rows(PUTUO, suffix, "income_by_function")}
    assert (other["合计"], other["2010602"]) == (D("6.20"), D("6.19"))


@pytest.mark.parametrize("suffix", FORMATS)
def test_foshan_other_income_column(suffix):
    r = next(r for r in rows(FOSHAN, suffix, "income_by_function") if r["code"] == "2140101")
    assert (r["total"], r["fiscal_appropriation"], r["other_income"]) == (D("609.30"), D("609.29"), D("0.01"))


@pytest.mark.parametrize("suffix", FORMATS)
def test_putuo_summary_reads_labels_and_figures_printed_apart(suffix):
    summary = rows(PUTUO, suffix, "income_expenditure_summary")
    by_name = {(r["side"], r["name"]): r["amount"] for r in summary}
    assert by_name[("income", "本年收入合计")] == D("2946.25")
    assert by_name[("expenditure", "本年支出合计")] == D("2940.05")
    assert by_name[("income", "总计")] == D("2995.39")


def test_putuo_three_public_one_row_layout_placed_by_position():
    # Only two of the twelve cells are printed; the PDF's x positions put them under 合计 and 公务接待费 预算数.
    by_item = {r["name"]: (r["budget"], r["actual"]) for r in rows(PUTUO, ".pdf", "three_public")}
    assert by_item["合计"] == (D("0.95"), D("0"))
    assert by_item["公务接待费"] == (D("0.95"), D("0"))
    assert by_item["因公出国（境）费"] == (D("0"), D("0"))


@pytest.mark.parametrize("suffix", [".pymupdf.txt", ".pdfplumber.txt"])
def test_three_public_figures_without_positions_are_placed_where_the_identities_decide(suffix):
    # 0.95 0.95 of 12 cells: 合计 = 出国 + 车 + 接待 and 车 = 购置 + 运行 hold whether the pair is 合计 and 出国 or
    # 接待, budget or actual; in every such placement the vehicle cells are blank (0). Those items are read, the other
    # three are left unread (never guessed: a blank would read as nothing spent), and the table is not called empty.
    result = extraction(PUTUO, suffix)
    table = result.tables["three_public"]
    by_item = {r["name"]: (r["budget"], r["actual"], r["placement"]) for r in table["rows"]}
    assert by_item == {name: (D("0"), D("0"), "solved")
                       for name in ("公务用车购置及运行维护费", "公务用车购置费", "公务用车运行维护费")}
    assert table["empty"] is None
    warning = next(p for p in result.problems if p.table == "three_public")
    assert warning.severity == "warning" and "2 of the 12 三公 figures printed (0.95 0.95)" in warning.message
    assert "all but 6 cells" in warning.message


def test_text_pages_follow_form_feeds():
    # pdfplumber's text separates pages with form feeds: tables land on the same page as in the PDF.
    for table in ("expenditure_by_function", "three_public"):
        assert extraction(PUTUO, ".pdfplumber.txt").tables[table]["page"] == extraction(PUTUO, ".pdf").tables[table]["page"]


# 一般公共预算财政拨款基本支出决算表 of 普陀区 (PDF pages 16–17): two column groups side by side, figures printed
# below their labels. Every figure printed, read off the page; every other item is blank.
PUTUO_ECONOMIC = {
    "301": "2082.85", "30101": "262.33", "30102": "1238.58", "30108": "160.75", "30109": "80.38", "30110": "60.99",
    "30112": "1.61", "30113": "187.19", "30199": "91.03", "303": "69.41", "30302": "69.10", "30309": "0.31",
    "302": "171.07", "30201": "21.21", "30202": "7.61", "30204": "0.09", "30207": "4.88", "30211": "1.20",
    "30213": "2.83", "30216": "4.05", "30226": "2.01", "30228": "24.42", "30229": "42.77", "30239": "48.49",
    "30299": "11.53", "310": "13.58", "31002": "13.58",
}
PUTUO_ECONOMIC_BLANK = {
    "30103", "30106", "30107", "30111", "30114", "30301", "30303", "30304", "30305", "30307", "30308", "30310",
    "30311", "30399", "30203", "30205", "30206", "30208", "30209", "30212", "30214", "30215", "30217", "30218",
    "30224", "30225", "30227", "30231", "30240", "31001", "31003", "31007", "31013", "31019", "31021", "31022",
    "31099",
}


@pytest.mark.parametrize("suffix", FORMATS)
def test_putuo_economic_table_side_by_side_groups(suffix):
    table = rows(PUTUO, suffix, "general_budget_basic_by_economic")
    amounts = {r["code"]: r["amount"] for r in table if r["code"]}
    assert set(amounts) == set(PUTUO_ECONOMIC) | PUTUO_ECONOMIC_BLANK
    assert {c: v for c, v in amounts.items() if v is not None} == {c: D(v) for c, v in PUTUO_ECONOMIC.items()}
    totals = {r["name"]: (r["group"], r["amount"]) for r in table if not r["code"]}
    assert totals == {"人员经费合计": ("personnel", D("2152.26")), "公用经费合计": ("public", D("184.65"))}
    assert next(r for r in table if r["code"] == "30204")["group"] == "public"
    assert not [p for p in extraction(PUTUO, suffix).problems if p.table == "general_budget_basic_by_economic"]


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_wrapped_class_name_whose_tail_prints_no_figure_is_one_expenditure_line(suffix):
    # pdfplumber prints "十八、自然资源海洋气象等" / "18 45 0.00 0.00 0.00" / "支出": the tail 支出, alone on its line
    # after the rows began, is the label's end, not a column heading (it was skipped as one, and the line read as
    # an income line with no figure).
    found = [(r["side"], r["code"], r.get("total")) for r in rows(FOSHAN, suffix, "fiscal_appropriation_summary")
             if (r["name"] or "").startswith("十八、")]
    assert found == [("expenditure", "220", D("0.00"))]
