"""Performance self-evaluations: project forms, indicators and department-wide results in the warehouse."""

from decimal import Decimal as D

import duckdb
import pytest
from juesuan.extract.performance import parse_target


def query(warehouse, sql, params=None):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def project(warehouse, name):
    rows = query(warehouse, """select agency_name, fiscal_year, budget, executed, execution_rate, total_score,
                                      computed_execution_rate, indicator_count
                               from fct_project_performance join dim_agency using (agency_id)
                               where project_name = ?""", [name])
    assert len(rows) == 1
    return rows[0]


def test_ganzhou_hall_operations_project(raw_build):
    warehouse = raw_build[0]
    assert project(warehouse, "大厅日常运行维护经费") == (
        "赣州蓉江新区政务服务中心", 2023, D("198.000000"), D("123.950000"), D("62.600"), D("95.000"), D("62.60"), 8)
    indicator = query(warehouse, """select level1, level2, target_text, target_comparator, target_value, target_unit,
                                           actual_text, actual_value, weight, score
                                    from fct_performance_indicator where indicator_name = '大厅窗口数量'""")
    assert indicator == [("产出指标", "数量指标", "≥32个", "≥", D("32.000000"), "个", "32", D("32.000000"),
                          D("15.000"), D("15.000"))]


def test_text_only_indicators_keep_their_text_and_no_number(raw_build):
    rows = query(raw_build[0], """select actual_text, actual_value from fct_performance_indicator
                                  where indicator_name = '大厅运行效率'""")
    assert rows == [("基本达成目标", None)]


def test_ganzhou_second_project_and_coverage_check(raw_build):
    warehouse = raw_build[0]
    assert project(warehouse, "政务服务及“赣服通”系统建设")[2:6] == (
        D("129.000000"), D("97.300000"), D("75.430"), D("95.000"))
    coverage = query(warehouse, """select expected, actual, outcome, source_line from dq_results
                                   where rule_id = 'PERF-COVERAGE'""")
    assert coverage == [(D("221.250000"), D("221.250000"), "pass", 509)]
    outcomes = dict(query(warehouse, """select rule_id, list(distinct outcome order by outcome) from dq_results
                                        where family = 'performance' group by 1"""))
    assert outcomes == {"PERF-SCORES": ["pass"], "PERF-RATE": ["rounding"], "PERF-SCORE-CAP": ["pass"],
                        "PERF-COVERAGE": ["pass"]}


def test_shaoguan_2020_project_form_amount_score_and_indicators(raw_build):
    warehouse = raw_build[0]
    row = project(warehouse, "市行政服务中心大厅、政府服务热线平台运行与服务")
    assert (row[0], row[1], row[2], row[5]) == ("韶关市行政服务中心", 2020, D("122.170000"), D("97.000"))
    indicators = query(warehouse, """select level1, level2, indicator_name, target_text, target_comparator, target_value,
                                            target_unit, actual_text, actual_value, actual_unit
                                     from fct_performance_indicator where fiscal_year = 2020 order by indicator_index""")
    assert indicators == [
        ("产出指标", "质量指标", "最多跑一次事项率", "95%以上", "≥", D("95.000000"), "%", "99.16%", D("99.160000"), "%"),
        ("满意度指标", "服务对象或公众满意度", "群众满意度", "95%以上", "≥", D("95.000000"), "%", "99.59%",
         D("99.590000"), "%"),
    ]
    # The 数量指标 row's cells wrap into each other without a number to anchor them: reported, not guessed.
    skipped = query(warehouse, """select message from raw.load_errors where file like 'shaoguan%2020%'""")
    assert skipped == [("project form: line 164: 数量指标 row not read (its cells do not end in a result)",)]


def test_department_results_and_their_change_in_one_mart(raw_build):
    rows = query(raw_build[0], """
        select agency_name, fiscal_year, score, grade, total_expenditure, budget, executed, execution_rate,
               previous_fiscal_year, score_change
        from fct_department_performance order by agency_name, fiscal_year""")
    assert rows == [
        ("乐昌市行政服务中心", 2020, D("98.000"), None, D("219.527000"), None, None, None, None, None),
        ("乐昌市行政服务中心", 2022, D("100.000"), "优", D("343.230000"), None, None, None, 2020, D("2.000")),
        ("韶关市行政服务中心", 2024, D("95.000"), None, D("1393.590000"), D("1613.170000"), D("1393.590000"),
         D("86.390"), None, None),
    ]
    staffing = query(raw_build[0], """select staffing_authorized, staffing_actual, final_accounts_total_expenditure
                                      from fct_department_performance where fiscal_year = 2024""")
    assert staffing == [(20, 28, D("1393.590000"))]


def test_operational_metrics_of_a_department_report(raw_build):
    rows = query(raw_build[0], """select metric_value, metric_unit, source_line from fct_document_metric
                                  join dim_agency using (agency_id)
                                  where agency_name = '韶关市行政服务中心' and fiscal_year = 2024
                                    and metric_label in ('12345热线办理业务', '服务满意率') order by source_line, metric_index""")
    assert rows[:2] == [(D("63.290000"), "万件", 868), (D("99.800000"), "%", 868)]


def test_contact_details_stay_out_of_every_mart(raw_build):
    warehouse = raw_build[0]
    tables = [t for (t,) in query(warehouse, "select table_name from duckdb_tables() where schema_name = 'main'")]
    for table in tables:
        text = str(query(warehouse, f"select * from {table}"))
        for secret in ("肖舒丹", "8877833", "2213245999", "陈振文", "5572223"):
            assert secret not in text, (table, secret)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("≥32个", ("≥", D("32"), "个")),
        ("95%以上", ("≥", D("95"), "%")),
        ("≤5000元", ("≤", D("5000"), "元")),
        ("高达 90%", (None, D("90"), "%")),
        ("基本达成目标", (None, None, None)),
    ],
)
def test_targets_parse_into_comparator_number_and_unit(text, parsed):
    assert parse_target(text) == parsed
