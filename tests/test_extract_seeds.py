from decimal import Decimal as D

import pytest
from conftest import GANZHOU_2023, LECHANG_2020, LECHANG_2022, SHAOGUAN_2020, SHAOGUAN_2024
from juesuan.extract.document import extract_file


@pytest.fixture(scope="module")
def shaoguan():
    return extract_file(SHAOGUAN_2024)


@pytest.fixture(scope="module")
def ganzhou():
    return extract_file(GANZHOU_2023)


def row(extraction, table, code=None, name=None):
    rows = extraction.tables[table]["rows"]
    matches = [r for r in rows if (code is not None and r.get("code") == code) or (name is not None and r.get("name") == name)]
    assert len(matches) == 1, f"{table}: expected one row {code or name}, found {len(matches)}"
    return matches[0]


def test_shaoguan_document_facts(shaoguan):
    doc = shaoguan.document
    assert (doc["agency"], doc["fiscal_year"], doc["kind"], doc["unit"]) == ("韶关市行政服务中心", 2024, "final_accounts", "万元")
    assert doc["source_format"] == "text" and len(doc["sha256"]) == 64
    assert shaoguan.problems == []


def test_shaoguan_wrapped_name_row_2010399(shaoguan):
    r = row(shaoguan, "expenditure_by_function", code="2010399")
    assert (r["total"], r["basic"], r["project"]) == (D("755.91"), D("0.00"), D("755.91"))
    assert r["name"] == "其他政府办公厅（室）及相关机构事务支出"  # joined across its three printed lines
    assert r["source_line"] == 228


def test_shaoguan_expenditure_total_row(shaoguan):
    r = row(shaoguan, "expenditure_by_function", name="合计")
    assert (r["total"], r["basic"], r["project"]) == (D("1393.59"), D("637.68"), D("755.91"))
    assert (r["remit_to_superior"], r["operating"], r["subsidy_to_subsidiary"]) == (D("0.00"),) * 3


def test_shaoguan_three_public_wide_row(shaoguan):
    total = row(shaoguan, "three_public", name="合计")
    assert (total["budget"], total["actual"]) == (D("2.80"), D("2.02"))
    assert row(shaoguan, "three_public", name="公务用车运行维护费")["actual"] == D("1.61")
    assert row(shaoguan, "three_public", name="公务接待费")["actual"] == D("0.41")
    assert row(shaoguan, "three_public", name="公务接待费")["budget"] == D("0.80")


def test_shaoguan_basic_by_economic_totals_and_groups(shaoguan):
    personnel = row(shaoguan, "general_budget_basic_by_economic", name="人员经费合计")
    public = row(shaoguan, "general_budget_basic_by_economic", name="公用经费合计")
    assert (personnel["amount"], personnel["group"]) == (D("587.68"), "personnel")
    assert (public["amount"], public["group"]) == (D("50.00"), "public")
    # The second column group of each printed line is read too, into its own group.
    assert row(shaoguan, "general_budget_basic_by_economic", code="30231")["amount"] == D("1.61")
    assert row(shaoguan, "general_budget_basic_by_economic", code="30302")["group"] == "personnel"


def test_shaoguan_summary_sides_and_line_numbers(shaoguan):
    rows = shaoguan.tables["income_expenditure_summary"]["rows"]
    health = next(r for r in rows if r["name"] == "九、卫生健康支出")
    assert (health["side"], health["code"], health["amount"], health["line_no"]) == ("expenditure", "210", D("21.06"), 39)
    totals = [(r["side"], r["amount"]) for r in rows if r["name"] == "总计"]
    assert totals == [("income", D("1393.59")), ("expenditure", D("1393.59"))]


def test_shaoguan_declared_empty_tables(shaoguan):
    for key in ("gov_fund", "soe_capital"):
        table = shaoguan.tables[key]
        assert table["present"] and table["empty"] and table["declared_empty"]
    assert shaoguan.tables["state_assets"]["present"] is False


def test_ganzhou_blank_cells_land_in_their_columns(ganzhou):
    r = row(ganzhou, "expenditure_by_function", code="2010306")
    assert (r["total"], r["basic"], r["project"]) == (D("104.05"), D("93.97"), D("10.08"))
    r = row(ganzhou, "expenditure_by_function", code="2010350")
    assert (r["total"], r["basic"], r["project"]) == (D("289.90"), D("5.11"), D("284.79"))
    r = row(ganzhou, "expenditure_by_function", code="2010399")
    assert (r["total"], r["basic"], r["project"]) == (D("45.08"), None, D("45.08"))


def test_ganzhou_total_printed_on_the_line_above_its_label(ganzhou):
    r = row(ganzhou, "general_budget_expenditure", name="合计")
    assert (r["total"], r["basic"], r["project"]) == (D("1112.22"), D("117.23"), D("994.99"))


def test_ganzhou_empty_tables_are_present_and_empty(ganzhou):
    for key in ("three_public", "gov_fund", "soe_capital"):
        assert ganzhou.tables[key]["present"] is True
        assert ganzhou.tables[key]["empty"] is True
    assert len(ganzhou.tables["three_public"]["rows"]) >= 9


def test_ganzhou_three_column_economic_table(ganzhou):
    assert row(ganzhou, "general_budget_basic_by_economic", name="人员经费合计")["amount"] == D("105.01")
    assert row(ganzhou, "general_budget_basic_by_economic", name="公用支出合计")["amount"] == D("12.22")
    assert row(ganzhou, "general_budget_basic_by_economic", code="30239")["amount"] == D("0.27")
    assert row(ganzhou, "general_budget_basic_by_economic", code="31099")["amount"] is None


def test_ganzhou_state_assets_counts_keep_labels_with_digits(ganzhou):
    names = [r["name"] for r in ganzhou.tables["state_assets"]["rows"]]
    assert "二、单价100万元（含）以上设备（不含车辆）（台、套）" in names
    vehicles = row(ganzhou, "state_assets", name="一、车辆数合计(台、辆)")
    assert (vehicles["line_no"], vehicles["count"]) == (1, D("0"))


@pytest.mark.parametrize(
    ("path", "agency", "year", "kind"),
    [
        (SHAOGUAN_2020, "韶关市行政服务中心", 2020, "project_self_evaluation"),
        (LECHANG_2020, "乐昌市行政服务中心", 2020, "dept_self_evaluation"),
        (LECHANG_2022, "乐昌市行政服务中心", 2022, "dept_self_evaluation"),
        (GANZHOU_2023, "赣州蓉江新区政务服务中心", 2023, "final_accounts"),
    ],
)
def test_document_facts_from_content(path, agency, year, kind):
    extraction = extract_file(path)
    doc = extraction.document
    assert (doc["agency"], doc["fiscal_year"], doc["kind"]) == (agency, year, kind)
    if kind != "final_accounts":
        assert not any(t["present"] for t in extraction.tables.values())
        assert not extraction.fatal
