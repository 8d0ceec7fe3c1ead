"""Data quality: every rule family over the seeds, doctored copies caught at the right row, GX and the data docs."""

import re
import shutil
import subprocess
from decimal import Decimal as D

import duckdb
import pytest
from conftest import FOSHAN, LECHANG_2022, ROOT, SHAOGUAN_2024, build_warehouse, external_file
from juesuan.extract.document import CORE_TABLES
from juesuan.isolated import PreparedProcess
from juesuan.quality import validate
from juesuan.quality.catalog import families, rules

TABLE_FAMILIES = ("summary", "tree", "row", "cross_table", "three_public", "economic")


def query(warehouse, sql, params=None):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def doctor(text: str, line: int, old: str, new: str | None) -> str:
    """Change (or with new=None, drop) one printed line, checking it says what we expect first."""
    lines = text.split("\n")
    assert old in lines[line - 1], (line, lines[line - 1])
    if new is None:
        del lines[line - 1]
    else:
        lines[line - 1] = lines[line - 1].replace(old, new)
    return "\n".join(lines)


@pytest.fixture(scope="module")
def doctored(tmp_path_factory, prefect_harness):
    shaoguan = SHAOGUAN_2024.read_text(encoding="utf-8")
    foshan_path = external_file(FOSHAN, ".pdfplumber.txt")
    foshan = foshan_path.read_text(encoding="utf-8")
    foshan_lines = foshan.split("\n")
    expenditure_2140102 = foshan_lines.index("2140102 一般行政管理事务 905.60 0.00 905.60 0.00 0.00 0.00") + 1
    expenditure_2140101 = foshan_lines.index("2140101 行政运行 609.29 609.29 0.00 0.00 0.00 0.00") + 1
    share = next(i for i, ln in enumerate(foshan_lines, 1) if "占 100.0%" in ln)
    files = [
        SHAOGUAN_2024,
        foshan_path,
        ("sg-figure.txt", doctor(shaoguan, 224, "2010301 行政运行 428.89", "2010301 行政运行 438.89")),
        ("sg-percent.txt", doctor(shaoguan, 780, "占79.8%", "占89.8%")),  # the figure 1.61 is on line 778
        ("sg-dropped.txt", doctor(shaoguan, 226, "2010302 一般行政管理事务 27.28 27.28 0.00 0.00 0.00 0.00", None)),
        ("fs-figure.txt", doctor(foshan, expenditure_2140102, "905.60 0.00 905.60", "915.60 0.00 905.60")),
        ("fs-percent.txt", doctor(foshan, share, "占 100.0%", "占 90.0%")),
        ("fs-dropped.txt", doctor(foshan, expenditure_2140101, "2140101 行政运行", None)),
    ]
    tmp = tmp_path_factory.mktemp("doctored")
    warehouse, report = build_warehouse(tmp, files)
    return warehouse, report, tmp / "build", {"2140102": expenditure_2140102, "share": share}


def failures(warehouse, file_name):
    return query(warehouse, """select rule_id, table_key, coalesce(row_code, row_name), column_name, expected, actual,
                                      source_line
                               from dq_results where file_name = ? and outcome = 'fail' order by all""", [file_name])


def test_every_rule_has_a_suite_and_every_family_ran(raw_build):
    warehouse, report, _ = raw_build
    ran = {family for (family,) in query(warehouse, "select distinct family from dq_results")}
    assert set(TABLE_FAMILIES) | {"prose", "unit", "completeness", "performance", "document"} == set(families()) == ran
    # One expectation per rule: the one finding of the seeds is one failed expectation, naming rule and document.
    assert report.quality.failed_expectations == [
        "unit: UNIT-CONSISTENCY on lechang-admin-service-center_2022_dept-self-evaluation.md"]
    assert report.quality.checks == query(warehouse, "select count(*) from dq_results")[0][0] > 500


def test_every_rule_is_a_dbt_check_model(raw_build):
    # Every rule is computed set-based by the dbt check models of dbt_project/models/quality/ (in the lineage): every
    # dq_results row is one of their rows, outcome and all, and the rules of every family are among them.
    warehouse, _, _ = raw_build
    columns = "rule_id, document_id, table_key, row_name, column_name, expected, actual, outcome, page, source_line"
    model = query(warehouse, " union all ".join(
        f"select {columns} from quality.{name}"
        for name in ("chk_table_rules", "chk_document_rules", "chk_prose_rules", "chk_performance_rules"))
        + " order by all")
    stored = query(warehouse, f"select {columns} from dq_results order by all")
    assert stored == model
    rules_run = {rule for rule, *_ in model}
    assert {"TP-TOTAL", "TP-VEHICLE", "ECO-GROUPS", "ECO-BASIC", "X-INCOME-TOTAL", "X-EXPENDITURE-TOTAL",
            "X-EXPENDITURE-CLASS", "TREE-FUNCTION", "ROW-EXPENDITURE", "SUM-INCOME", "SUM-EXPENDITURE",
            "SUM-INCOME-TOTAL", "SUM-EXPENDITURE-TOTAL", "SUM-BALANCE", "FAS-INCOME", "FAS-EXPENDITURE",
            "FAS-BALANCE", "PROSE-AMOUNT", "PROSE-SHARE", "PROSE-CHANGE", "PROSE-WORDS", "DOC-COMPLETE",
            "DOC-YEAR", "PERF-SCORES", "PERF-RATE", "PERF-SCORE-CAP"} <= rules_run
    # 赣州融江's form prints 97.30 executed of 129.00 budgeted and a rate of 75.43 %: 75.4264 within 0.1.
    assert query(warehouse, """select expected, actual, outcome from quality.chk_performance_rules
                               where rule_id = 'PERF-RATE' and source_line = 549""") == [
        (D("75.426400"), D("75.430000"), "rounding")]


def test_the_completeness_rule_knows_the_core_tables_of_the_extraction():
    # DOC-COMPLETE (quality.chk_document_rules) lists the core tables in SQL; they are the extractor's CORE_TABLES.
    sql = (ROOT / "dbt_project/models/quality/chk_document_rules.sql").read_text(encoding="utf-8")
    listed = re.search(r"core_tables as \(\s*select unnest\(\[(.*?)\]\)", sql, re.S).group(1)
    assert tuple(re.findall(r"'(\w+)'", listed)) == CORE_TABLES


def test_seed_final_accounts_pass_or_round_on_every_table_rule(raw_build):
    warehouse, _, _ = raw_build
    outcomes = query(warehouse, f"""
        select file_name, outcome, count(*) from dq_results
        where family in {TABLE_FAMILIES} and file_name in ('{SHAOGUAN_2024.name}',
              'ganzhou-rongjiang-gov-service-center_2023_final-accounts.md')
        group by all order by all""")
    assert {(f, o) for f, o, _ in outcomes} == {
        (SHAOGUAN_2024.name, "pass"), (SHAOGUAN_2024.name, "rounding"),
        ("ganzhou-rongjiang-gov-service-center_2023_final-accounts.md", "pass"),
        ("ganzhou-rongjiang-gov-service-center_2023_final-accounts.md", "rounding")}
    assert sum(n for _, _, n in outcomes) > 400
    assert query(warehouse, "select count(*) from dq_results where outcome = 'fail' and family <> 'unit'") == [(0,)]


def test_a_real_rounding_case_with_its_printed_figures(raw_build):
    warehouse, _, _ = raw_build
    # 支出决算表 合计 prints 1,393.59; its classes print 1,212.08 + 120.39 + 21.06 + 40.07 = 1,393.60.
    row = query(warehouse, """select expected, actual, difference, tolerance, outcome, source_line from dq_results
                              where rule_id = 'TREE-FUNCTION' and file_name = ? and table_key = 'expenditure_by_function'
                                and row_name = '合计' and column_name = 'total'""", [SHAOGUAN_2024.name])
    assert row == [(D("1393.600000"), D("1393.590000"), D("-0.010000"), D("0.025000"), "rounding", 218)]
    # Prose: 1.61 of 2.02 is 79.70%, printed 占79.8% — within the rounding of 1.61 and 2.02.
    share = query(warehouse, """select expected, actual, outcome from dq_results
                                where rule_id = 'PROSE-SHARE' and file_name = ? and source_line = 778
                                  and row_name = '公务用车购置及运行维护费支出'""",
                  [SHAOGUAN_2024.name])
    assert share == [(D("79.703000"), D("79.800000"), "rounding")]


def test_unit_slip_in_lechang_2022_is_reported(raw_build):
    warehouse, _, _ = raw_build
    rows = query(warehouse, """select rule_id, severity, row_name, expected, actual, outcome, source_line, detail
                               from dq_results where file_name = ? and outcome <> 'pass'""", [LECHANG_2022.name])
    assert rows == [("UNIT-CONSISTENCY", "warning", "决算为", D("4.400000"), D("0.000440"), "fail", 158,
                     '"三公"经费预算为4.4万元 but 决算为4.4元: one unit is wrong')]


def test_document_summary_counts(raw_build):
    warehouse, _, _ = raw_build
    rows = query(warehouse, "select file_name, checks_run, failures, failed_warnings from dq_document_summary order by 1")
    assert [(f, c > 0, fl, w) for f, c, fl, w in rows] == [
        ("ganzhou-rongjiang-gov-service-center_2023_final-accounts.md", True, 0, 0),
        ("lechang-admin-service-center_2020_dept-self-evaluation.txt", False, 0, 0),
        ("lechang-admin-service-center_2022_dept-self-evaluation.md", True, 1, 1),
        ("shaoguan-admin-service-center_2020_project-self-evaluation.txt", False, 0, 0),
        ("shaoguan-admin-service-center_2024_final-accounts.txt", True, 0, 0),
    ]


def test_a_changed_table_figure_is_caught_at_its_row(doctored):
    warehouse = doctored[0]
    found = failures(warehouse, "sg-figure.txt")
    assert ("ROW-EXPENDITURE", "expenditure_by_function", "2010301", "total", D("428.890000"), D("438.890000"), 224) in found
    assert ("TREE-FUNCTION", "expenditure_by_function", "20103", "total", D("1222.080000"), D("1212.080000"), 222) in found
    line = doctored[3]["2140102"]
    assert ("ROW-EXPENDITURE", "expenditure_by_function", "2140102", "total", D("905.600000"), D("915.600000"), line) in \
        failures(warehouse, "fs-figure.txt")


def test_a_changed_prose_percentage_is_caught_at_its_line(doctored):
    warehouse = doctored[0]
    assert failures(warehouse, "sg-percent.txt") == [
        ("PROSE-SHARE", "prose", "公务用车购置及运行维护费支出", "share_pct", D("79.703000"), D("89.800000"), 778)]
    assert failures(warehouse, "fs-percent.txt") == [
        ("PROSE-SHARE", "prose", "公务接待费支出", "share_pct", D("100.000000"), D("90.000000"), doctored[3]["share"])]


def test_a_dropped_item_row_is_caught_at_its_parent(doctored):
    warehouse = doctored[0]
    found = failures(warehouse, "sg-dropped.txt")
    assert ("TREE-FUNCTION", "expenditure_by_function", "20103", "total", D("1184.800000"), D("1212.080000"), 222) in found
    assert ("TREE-FUNCTION", "expenditure_by_function", "20103", "basic", D("428.890000"), D("456.170000"), 222) in found
    assert {rule for rule, *_ in found} == {"TREE-FUNCTION"}
    found = failures(warehouse, "fs-dropped.txt")
    assert ("TREE-FUNCTION", "expenditure_by_function", "21401", "total", D("921.750000"), D("1531.040000"), 185) in found


def test_the_undoctored_originals_are_not_caught(doctored):
    warehouse = doctored[0]
    assert failures(warehouse, SHAOGUAN_2024.name) == []
    assert failures(warehouse, f"{FOSHAN}.pdfplumber.txt") == []


def test_an_expectation_that_raises_fails_the_run(raw_build, tmp_path, monkeypatch):
    warehouse, _, _ = raw_build
    copy = tmp_path / "w.duckdb"
    shutil.copy(warehouse, copy)
    real = validate._suites_module()

    class Broken:
        @staticmethod
        def build_suite(family, rules):
            import great_expectations as gx

            suite = real.build_suite(family, rules)
            suite.add_expectation(gx.expectations.ExpectColumnValuesToBeBetween(column="no_such_column", max_value=0))
            return suite

    monkeypatch.setattr(validate, "_suites_module", lambda: Broken)
    with pytest.raises(validate.DataQualityEngineError, match="no_such_column|raised"):
        validate.validate_warehouse(copy, tmp_path / "build", "broken-run")


def _prepared_sites() -> list[str]:
    return sorted(str(site) for site in validate._prepared)


def test_the_checks_process_is_prepared_before_its_call_and_validates_as_an_unprepared_one(raw_build, tmp_path):
    # The pipeline starts the checks' process as dbt starts building: GX is imported and the context made there,
    # and the stage's call, in that same process, finds it waiting.
    assert PreparedProcess(validate.prepare, tmp_path / "b1").run(_prepared_sites) == [str(tmp_path / "b1" / "dq" / "gx")]
    warehouse, _, _ = raw_build
    copy = tmp_path / "w.duckdb"
    shutil.copy(warehouse, copy)
    stored = dict(query(copy, "select outcome, count(*) from dq_results group by 1"))
    validate.prepare(tmp_path / "b2")
    summary = validate.validate_warehouse(copy, tmp_path / "b2", "prepared-run")
    assert validate._prepared == {}  # used, and not kept for another call
    assert dict(summary.outcomes) == stored and stored["fail"] >= 1 and stored["pass"] > 500
    assert (tmp_path / "b2" / "dq" / "gx" / "index.html").is_file()


def test_the_checks_stage_stops_on_a_rule_outside_the_catalog_and_keeps_the_stored_checks(raw_build, tmp_path):
    # The checks stage writes dq_results within the warehouse by SQL: a check model row whose rule the catalog
    # lacks stops it with the rule's id, and the transaction leaves the last run's rows as they were.
    warehouse, _, _ = raw_build
    copy = tmp_path / "w.duckdb"
    shutil.copy(warehouse, copy)
    stored = query(copy, "select run_id, count(*), count(*) filter (where outcome = 'fail') from dq_results group by 1")
    assert len(stored) == 1 and stored[0][1] > 500 and stored[0][2] >= 1
    with duckdb.connect(str(copy)) as con:
        con.execute("""insert into quality.chk_prose_rules by name
                       select 'PROSE-NOWHERE' as rule_id, document_id, 'fail' as outcome
                       from dim_document order by document_id limit 1""")
    with pytest.raises(KeyError, match=r"rules not in expectations/rules.yml: \['PROSE-NOWHERE'\]"):
        validate.validate_warehouse(copy, tmp_path / "build", "unknown-rule-run")
    assert query(copy, "select run_id, count(*), count(*) filter (where outcome = 'fail') from dq_results group by 1"
                 ) == stored
    assert query(copy, "select count(*) from duckdb_tables() where table_name = 'dq_results_next'") == [(0,)]


def test_rule_catalog_is_complete_data():
    catalog = rules()
    assert len(catalog) >= 30
    for rule in catalog.values():
        assert rule.severity in ("error", "warning") and rule.tolerance in ("rounding", "percent", "exact")
        assert rule.description and rule.tables


def _chromium() -> str:
    """Debian's headless Chromium; installed here when missing (CI runs as root)."""
    path = shutil.which("chromium")
    if path is None:
        install = subprocess.run("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
                                 "chromium fonts-noto-cjk", shell=True, capture_output=True, text=True, timeout=900)
        path = shutil.which("chromium")
        if path is None:
            pytest.skip(f"chromium is not installed and apt-get could not install it: {install.stderr[-300:]}")
    return path


def dump_dom(url: str) -> str:
    result = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--user-data-dir=/tmp/juesuan-chromium-test", "--dump-dom", url],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-500:]
    return result.stdout


def test_data_docs_in_a_browser_show_the_suites_and_a_failing_check(doctored):
    _, report, build_dir, _ = doctored
    index = dump_dom((build_dir / "dq" / "index.html").as_uri())
    assert "<table id=\"document-outcomes\">" in index
    for name in ("sg-figure.txt", "sg-percent.txt", "fs-dropped.txt", SHAOGUAN_2024.name):
        assert f'data-document="{name}"' in index
    assert "ROW-EXPENDITURE" in index and ">438.89<" in index and ">428.89<" in index
    gx_index = dump_dom((build_dir / "dq" / "gx" / "index.html").as_uri())
    for family in families():
        assert f"{family}_rules" in gx_index
    row_page = next((build_dir / "dq" / "gx" / "validations" / "row_rules").rglob("*.html"))
    page = dump_dom(row_page.as_uri())
    # The failed rule's unexpected rows name the document, line and printed text.
    assert "ROW-EXPENDITURE" in page and "sg-figure.txt" in page and "2010301 行政运行 438.89" in page
    assert str(report.quality.docs_index) == str(build_dir / "dq" / "index.html")


def test_a_run_id_of_digits_names_the_gx_run():
    # GX parses a run name as a date when no time is given: a run id read as the year 4031482841 once
    # overflowed dateutil and lost the run's checks stage.
    from great_expectations.core.run_identifier import RunIdentifier
    with pytest.raises(OverflowError):
        RunIdentifier(run_name="4031482841")
    run = validate.gx_run_identifier("4031482841")
    assert run.run_name == "4031482841" and run.run_time.tzinfo is not None


def test_a_check_row_of_a_rule_outside_the_catalog_is_an_error():
    # A check model giving a rule id that expectations/rules.yml lacks would have no family or severity: the checks
    # stage stops with the id rather than store the row without them.
    from juesuan.quality.checks import CHECK_COLUMNS, SQL_CHECK_MODELS, check_rows
    con = duckdb.connect()
    con.execute("create schema quality")
    for model in SQL_CHECK_MODELS:
        con.execute(f"create table {model} as select " + ", ".join(
            f"null::varchar as {c}" for c in CHECK_COLUMNS if c != "rule_id") + ", 'TREE-FUNCTION' as rule_id")
    assert check_rows(con)["family"].to_pylist() == ["tree"] * len(SQL_CHECK_MODELS)
    con.execute("insert into quality.chk_prose_rules by name select 'PROSE-NOWHERE' as rule_id")
    with pytest.raises(KeyError, match="PROSE-NOWHERE"):
        check_rows(con)
