"""The dbt warehouse built from raw/ by the pipeline: facts, dimensions, marts, docs and example queries."""

import json
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest
from conftest import PUTUO, RAW, ROOT, SHAOGUAN_2024, build_warehouse, external_file

MARTS = ("dim_agency", "dim_document", "dim_function_subject", "dim_function_subject_name", "dim_economic_subject",
         "fct_expenditure_by_function", "fct_income_by_function", "fct_general_budget_expenditure",
         "fct_gov_fund_by_function", "fct_basic_expenditure_by_economic", "fct_three_public", "fct_summary_lines",
         "fct_state_assets", "mart_agency_year_overview", "mart_function_class_trend")


def query(warehouse, sql, params=None):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


# Two builds read their files from different folders (source_file). A subject's name is the one printed most often, so a new document may rightly change it (economic 款 are
# printed as 维修(护)费 and 维修（护）费, 公务员医疗补助缴费 and …缴款): names are compared apart from the rows.
VOTED_NAMES = ("economic_name",)


def snapshot(warehouse, table):
    columns = [c for (c,) in query(warehouse, "select column_name from information_schema.columns "
                                   "where table_name = ? and column_name not in ('loaded_at', 'source_file')", [table])
               if c not in VOTED_NAMES]
    return query(warehouse, f"select {', '.join(columns)} from {table} order by all")


def build(tmp, raw_files):
    return build_warehouse(tmp, raw_files)


@pytest.fixture(scope="module")
def built(raw_build):
    return raw_build


def test_pipeline_runs_dbt_build_with_all_tests_passing(built):
    _, report, build_dir = built
    assert report.dbt.failures == []
    results = json.loads((build_dir / "dbt" / "target" / "run_results.json").read_text())
    assert results["args"]["which"] == "generate"  # docs generated after the build
    manifest = json.loads((build_dir / "dbt" / "target" / "manifest.json").read_text())
    kinds = [n["resource_type"] for n in manifest["nodes"].values()]
    assert (report.dbt.models, report.dbt.seeds) == (kinds.count("model"), kinds.count("seed")) == (42, 6)
    assert report.dbt.tests_passed == kinds.count("test") > 100
    assert (build_dir / "dbt" / "target" / "index.html").is_file()
    assert (build_dir / "dbt" / "target" / "catalog.json").is_file()


def test_a_model_with_nulls_in_its_required_columns_fails_its_one_not_null_test(built, tmp_path):
    # The required columns of a model are tested together (one dbt test node, one scan): the test fails, naming each
    # column that holds nulls and how many, on a copy of the warehouse with two of dim_agency's required columns
    # emptied for the 乐昌 agency's row.
    from juesuan.warehouse.dbt import _invoke, _release_warehouse, _warehouse_env

    warehouse, _, _ = built
    doctored = tmp_path / "doctored.duckdb"
    doctored.write_bytes(Path(warehouse).read_bytes())
    with duckdb.connect(str(doctored)) as con:
        con.execute("update dim_agency set province = null, admin_level = null where agency_name like '%乐昌%'")
        assert con.execute("select count(*) from dim_agency where province is null").fetchone() == (1,)
    with _warehouse_env(doctored):
        try:
            result = _invoke(["test", "--select", "test_name:not_null_columns,dim_agency"], tmp_path)
        finally:
            _release_warehouse()
    [test] = result.result
    assert (str(test.status), test.failures) == ("fail", 2)
    assert test.node.test_metadata.kwargs["columns"] == ["agency_id", "agency_name", "province", "admin_level"]
    with duckdb.connect(str(doctored), read_only=True) as con:
        assert sorted(con.execute(test.node.compiled_code).fetchall()) == [("admin_level", 1), ("province", 1)]


def test_expenditure_fact_for_shaoguan_2010301(built):
    warehouse, _, _ = built
    rows = query(warehouse, """
        select total, basic, project from fct_expenditure_by_function
        join dim_agency using (agency_id)
        where agency_name = '韶关市行政服务中心' and fiscal_year = 2024 and function_code = '2010301'""")
    assert rows == [(D("428.890000"), D("428.890000"), D("0.000000"))]


def test_overview_for_ganzhou_2023(built):
    warehouse, _, _ = built
    rows = query(warehouse, """
        select total_expenditure, basic_share_pct, project_share_pct, three_public_budget
        from mart_agency_year_overview where agency_name = '赣州蓉江新区政务服务中心' and fiscal_year = 2023""")
    assert rows == [(D("1112.220000"), D("10.54"), D("89.46"), None)]


def test_overview_for_shaoguan_2024_three_public(built):
    warehouse, _, _ = built
    rows = query(warehouse, """
        select total_income, three_public_budget, three_public_actual, three_public_execution_pct
        from mart_agency_year_overview where agency_name = '韶关市行政服务中心' and fiscal_year = 2024""")
    assert rows == [(D("1393.590000"), D("2.800000"), D("2.020000"), D("72.14"))]


def test_function_subject_dimension(built):
    warehouse, _, _ = built
    assert query(warehouse, """select subject_level, parent_code, class_code, class_name, function_name
                              from dim_function_subject where function_code = '20103'""") == [
        ("款", "201", "201", "一般公共服务支出", "政府办公厅（室）及相关机构事务")]
    assert query(warehouse, "select subject_level, parent_code from dim_function_subject where function_code = '2010350'") == [
        ("项", "20103")]
    names = query(warehouse, "select fiscal_year, printed_name from dim_function_subject_name "
                             "where function_code = '2010399' order by 1")
    assert names == [(2023, "其他政府办公厅（室）及相关机构事务支出"), (2024, "其他政府办公厅（室）及相关机构事务支出")]


def test_agency_dimension_from_the_register(built):
    warehouse, _, _ = built
    rows = query(warehouse, "select agency_name, province, city, county, district, admin_level from dim_agency order by 1")
    assert rows == [
        ("乐昌市行政服务中心", "广东省", "韶关市", "乐昌市", None, "county"),
        ("赣州蓉江新区政务服务中心", "江西省", "赣州市", None, "蓉江新区", "district"),
        ("韶关市行政服务中心", "广东省", "韶关市", None, None, "city"),
    ]


def test_economic_dimension_and_fact_groups(built):
    warehouse, _, _ = built
    assert query(warehouse, "select subject_level, parent_code, expense_group, national_name from dim_economic_subject "
                            "where economic_code = '30302'") == [("款", "303", "personnel", "退休费")]
    totals = query(warehouse, """select expense_group, amount from fct_basic_expenditure_by_economic
                                 join dim_agency using (agency_id)
                                 where agency_name = '韶关市行政服务中心' and is_group_total order by 1""")
    assert totals == [("personnel", D("587.680000")), ("public", D("50.000000"))]


def test_every_model_and_column_is_described_and_every_model_has_a_grain_test(built):
    _, _, build_dir = built
    manifest = json.loads((build_dir / "dbt" / "target" / "manifest.json").read_text())
    models = {k: n for k, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    undescribed = [n["name"] for n in models.values() if not n["description"].strip()]
    assert undescribed == []
    catalog = json.loads((build_dir / "dbt" / "target" / "catalog.json").read_text())
    missing = []
    for key, node in models.items():
        if node["fqn"][1] != "marts":
            continue
        described = {c for c, col in node["columns"].items() if col["description"].strip()}
        actual = {c.lower() for c in catalog["nodes"][key]["columns"]}
        missing += [f"{node['name']}.{c}" for c in sorted(actual - described)]
    assert missing == []
    grain_tested = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        name = node.get("test_metadata", {}).get("name")
        if name in ("unique", "unique_combination"):
            grain_tested.update(node["depends_on"]["nodes"])
    assert sorted(models[k]["name"] for k in models if k not in grain_tested) == []


def test_building_twice_gives_identical_marts(built, tmp_path, prefect_harness):
    warehouse, _, _ = built
    again, _ = build(tmp_path, sorted(RAW.iterdir()))
    for table in MARTS:
        assert snapshot(again, table) == snapshot(warehouse, table), table


def test_a_new_agency_and_year_adds_rows_and_touches_nothing_else(built, tmp_path, prefect_harness):
    warehouse, _, _ = built
    putuo = external_file(PUTUO, ".pdfplumber.txt")
    bigger, report = build(tmp_path, [*sorted(RAW.iterdir()), putuo])
    for table in MARTS:
        before = set(snapshot(warehouse, table))
        after = set(snapshot(bigger, table))
        assert before <= after, table
    overview = query(bigger, "select agency_name, fiscal_year, total_expenditure from mart_agency_year_overview "
                             "where agency_name = '上海市普陀区财政局'")
    assert overview == [("上海市普陀区财政局", 2024, D("2940.050000"))]
    assert report.unregistered_agencies == []
    names = dict(query(bigger, "select economic_code, economic_name from dim_economic_subject "
                               "where economic_code in ('30111', '30213', '30399')"))
    assert names["30213"] in ("维修(护)费", "维修（护）费")
    assert names["30111"] in ("公务员医疗补助缴费", "公务员医疗补助缴款")
    assert names["30399"] in ("其他对个人和家庭的补助", "其他对个人和家庭的补助支出")
    national = dict(query(bigger, "select economic_code, national_name from dim_economic_subject "
                                  "where economic_code in ('30111', '30213', '310')"))
    assert national == {"30111": "公务员医疗补助缴费", "30213": "维修（护）费", "310": "资本性支出"}


def test_an_agency_missing_from_the_register_loads_under_unknown_region(tmp_path, prefect_harness):
    text = SHAOGUAN_2024.read_text(encoding="utf-8").replace("韶关市行政服务中心", "韶关市测试服务中心")
    doc = tmp_path / "renamed.txt"
    doc.write_text(text, encoding="utf-8")
    warehouse, report = build(tmp_path / "w", [doc])
    assert report.unregistered_agencies == ["韶关市测试服务中心"]
    assert query(warehouse, "select province, city, admin_level, is_registered from dim_agency") == [
        ("(unknown)", "(unknown)", "unknown", False)]


def test_prior_year_in_the_warehouse_gives_year_on_year_change(tmp_path, prefect_harness):
    # A doctored 2023 copy of the Shaoguan report, with 住房保障支出 at 35.00 instead of 40.07.
    text = SHAOGUAN_2024.read_text(encoding="utf-8").replace("2024", "2023")
    text = text.replace("221 住房保障支出 40.07 40.07 0.00 0.00 0.00 0.00", "221 住房保障支出 35.00 35.00 0.00 0.00 0.00 0.00")
    prior = tmp_path / "shaoguan-2023.txt"
    prior.write_text(text, encoding="utf-8")
    warehouse, _ = build(tmp_path / "w", [SHAOGUAN_2024, prior])
    rows = query(warehouse, "select fiscal_year, prior_year_total, total_change, total_change_pct "
                            "from mart_function_class_trend where class_code = '221' order by 1")
    assert rows == [(2023, None, None, None), (2024, D("35.000000"), D("5.070000"), D("14.49"))]
    # The 2024 report says 一般公共预算财政拨款收入 fell by 86.37 to 1,393.59: the 2023 report should print 1,479.96.
    prior = query(warehouse, """select expected, actual, outcome from dq_results where rule_id = 'PROSE-PRIOR-YEAR'
                                and fiscal_year = 2024 and source_line = 639""")
    assert prior == [(D("1393.590000"), D("1479.960000"), "fail")]
    answer = query(warehouse, (ROOT / "docs" / "queries" / "class_change_between_years.sql").read_text())
    assert ("221", "住房保障支出", D("35.000000"), D("40.070000"), D("5.070000")) in answer
    assert ("201", "一般公共服务支出", D("1212.080000"), D("1212.080000"), D("0.000000")) in answer


def run_example(warehouse, name):
    return query(warehouse, (ROOT / "docs" / "queries" / f"{name}.sql").read_text())


def test_example_three_public_by_agency_year(built):
    assert run_example(built[0], "three_public_by_agency_year") == [
        ("韶关市行政服务中心", 2024, D("2.800000"), D("2.020000"), D("72.14"))]


def test_example_project_share_by_agency_year(built):
    assert run_example(built[0], "project_share_by_agency_year") == [
        ("赣州蓉江新区政务服务中心", 2023, D("1112.220000"), D("10.54"), D("89.46")),
        ("韶关市行政服务中心", 2024, D("1393.590000"), D("45.76"), D("54.24")),
    ]


def test_example_largest_item_per_agency(built):
    assert run_example(built[0], "largest_item_per_agency") == [
        ("赣州蓉江新区政务服务中心", 2023, "2210399", "其他城乡社区住宅支出", D("443.880000")),
        ("韶关市行政服务中心", 2024, "2010399", "其他政府办公厅（室）及相关机构事务支出", D("755.910000")),
    ]


def test_example_class_change_between_years_on_raw(built):
    answer = run_example(built[0], "class_change_between_years")
    assert answer == [
        ("201", "一般公共服务支出", None, D("1212.080000"), D("1212.080000")),
        ("208", "社会保障和就业支出", None, D("120.390000"), D("120.390000")),
        ("210", "卫生健康支出", None, D("21.060000"), D("21.060000")),
        ("221", "住房保障支出", None, D("40.070000"), D("40.070000")),
    ]


def test_every_example_query_is_tested():
    tested = {line.split('"')[1] for line in Path(__file__).read_text().splitlines()
              if line.strip().startswith("assert run_example(") or "run_example(built[0], \"" in line}
    on_disk = {p.stem for p in (ROOT / "docs" / "queries").glob("*.sql")}
    assert on_disk <= tested | {"class_change_between_years"}
