"""`juesuan check FILE`: one document's verdict now, without the warehouse, Prefect or dbt."""

import json
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

from conftest import PUTUO, ROOT, external_file
from juesuan.cli import main


def _doctored_putuo(tmp_path: Path) -> Path:
    """普陀区财政局's text with the 支出决算表's 201 total (page 10) printed 10 万元 too high: 2,116.66."""
    lines = external_file(PUTUO, ".pdfplumber.txt").read_text(encoding="utf-8").split("\n")
    title = next(i for i, line in enumerate(lines) if line.strip("\f") == "支出决算表")
    index = lines.index("201 2,106.66", title)
    lines[index] = "201 2,116.66"
    path = tmp_path / "putuo-doctored.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_original_pdf_shows_its_two_real_errors_and_nothing_else(capsys):
    # The 情况说明 (page 21) prints 财政拨款收入支出总计 as 0.3万元 (the table says 2,961.68) and 一般公共服务支出
    # 2106.66万元 as 71.73% of 2,940.05 (it is 71.65%): the publisher's own disagreements, and the only ones.
    assert main(["check", str(external_file(PUTUO, ".pdf"))]) == 1
    out = capsys.readouterr().out
    assert "上海市普陀区财政局 2024 (final_accounts)" in out and " 2 fail" in out
    assert "verdict: 2 finding(s)" in out
    assert "amount: expected 2961.68, printed 0.3 (difference -2961.38, tolerance 0.055) — page 21" in out
    assert "一般公共服务支出（类） · share_pct: expected 71.6539, printed 71.73" in out


def test_a_changed_total_is_found_with_its_page(tmp_path, capsys):
    assert main(["check", str(_doctored_putuo(tmp_path))]) == 1
    out = capsys.readouterr().out
    assert "verdict: 6 finding(s)" in out  # the 4 planted and the 2 real (page 21)
    assert ("TREE-FUNCTION [error] expenditure_by_function · 201 一般公共服务支出 · total: expected 2106.66, "
            "printed 2116.66 (difference 10, tolerance 0.01) — page 10") in out


def test_json_lists_each_finding(tmp_path, capsys):
    assert main(["check", str(_doctored_putuo(tmp_path)), "--json"]) == 1
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["verdict"] == "findings" and verdict["outcomes"]["fail"] == 6
    row = next(f for f in verdict["findings"] if f["rule_id"] == "ROW-EXPENDITURE")
    assert (row["table_key"], row["row_code"], row["expected"], row["actual"], row["page"]) == (
        "expenditure_by_function", "201", 2106.66, 2116.66, 10)
    cross = next(f for f in verdict["findings"] if f["rule_id"] == "X-EXPENDITURE-CLASS")
    assert (cross["table_key"], cross["actual"], cross["page"]) == ("income_expenditure_summary", 2106.66, 6)


def test_unusable_input_exits_2(tmp_path, capsys):
    path = tmp_path / "notes.txt"
    path.write_text("会议纪要\n今天讨论了明年的工作安排。\n", encoding="utf-8")
    assert main(["check", str(path)]) == 2
    assert "cannot be checked: not a final-accounts" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "missing.pdf")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_check_starts_no_orchestrator_dbt_or_gx(tmp_path):
    # A fresh process: the command must not import Prefect, dbt or Great Expectations (they cost seconds to load).
    code = ("import sys; from juesuan.cli import main; rc = main(['check', sys.argv[1]]); "
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'prefect', 'dbt', 'great_expectations'}); "
            "print('heavy:', heavy); sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code, str(_doctored_putuo(tmp_path))], capture_output=True,
                          text=True, env={"PYTHONPATH": str(ROOT / "flows"), "PATH": "/usr/bin:/bin"}, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "heavy: []" in done.stdout


def test_a_second_check_replays_the_rendered_model_sql(tmp_path):
    # The first check renders the models with Jinja and keeps the statements in the cache directory; the next
    # (a fresh process) replays them without importing Jinja and gives the same verdict.
    code = ("import sys; from juesuan.cli import main; rc = main(['check', sys.argv[1], '--json']); "
            "print('jinja2' in sys.modules, file=sys.stderr); sys.exit(rc)")
    env = {"PYTHONPATH": str(ROOT / "flows"), "PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    document = _doctored_putuo(tmp_path)
    runs = [subprocess.run([sys.executable, "-c", code, str(document)], capture_output=True, text=True, env=env,
                           timeout=300) for _ in range(2)]
    assert [r.returncode for r in runs] == [1, 1], runs[0].stderr
    assert [r.stderr.split()[-1] for r in runs] == ["True", "False"]
    assert [json.loads(r.stdout)["outcomes"]["fail"] for r in runs] == [6, 6]
    assert json.loads(runs[0].stdout)["findings"] == json.loads(runs[1].stdout)["findings"]
    assert len(list((tmp_path / "cache" / "juesuan").glob("check-models-*.json"))) == 1


def test_the_cached_model_sql_is_keyed_by_the_project_files(tmp_path):
    import shutil

    from juesuan.quality.sql_models import _cache_path
    from juesuan.settings import DBT_PROJECT

    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    before = _cache_path(project, ["chk_table_rules"])
    assert _cache_path(project, ["chk_table_rules"]) == before
    model = next(project.glob("models/quality/*.sql"))
    model.write_text(model.read_text(encoding="utf-8") + "\n-- changed\n", encoding="utf-8")
    assert _cache_path(project, ["chk_table_rules"]) != before


def _doctored_ganzhou(tmp_path: Path, old: str, new: str) -> Path:
    """赣州's final accounts (a seed) with one printed clause changed, checking it is there first."""
    from conftest import GANZHOU_2023

    text = GANZHOU_2023.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "ganzhou-doctored.md"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _rule(verdict, rule_id):
    return [(c["expected"], c["actual"], c["outcome"], c["source_line"]) for c in verdict.checks
            if c["rule_id"] == rule_id]


def test_a_budget_rate_stated_after_the_budget_and_what_was_spent(tmp_path):
    # 年初预算数450.70万元，决算数461.71万元，完成年初预算的102.44% (赣州, line 449): the rate is 461.71 on 450.70;
    # 普陀区: 年初预算为2,993.92万元，支出决算为2,940.05万元，完成年初预算的98.20%; 韶关: 全年预算数1613.17万元，
    # 执行数1393.59万元，完成预算的86.39%. All three agree; a doctored 112.44% does not.
    from conftest import GANZHOU_2023, SHAOGUAN_2024
    from juesuan.quality.one_document import check_document

    # (within rounding: the printed rate is the quotient rounded to its last digit)
    assert _rule(check_document(GANZHOU_2023), "PROSE-BUDGET-RATE") == [
        (D("246.7761"), D("246.78"), "rounding", 447), (D("102.4429"), D("102.44"), "rounding", 449)]
    assert _rule(check_document(external_file(PUTUO, ".pdf")), "PROSE-BUDGET-RATE") == [
        (D("98.2007"), D("98.2"), "rounding", 520), (D("0"), D("0"), "pass", 599)]
    assert _rule(check_document(SHAOGUAN_2024), "PROSE-BUDGET-RATE")[-1] == (D("86.3883"), D("86.39"), "rounding", 859)
    doctored = check_document(_doctored_ganzhou(tmp_path, "完成年初预算的102.44%", "完成年初预算的112.44%"))
    assert _rule(doctored, "PROSE-BUDGET-RATE")[1] == (D("102.4429"), D("112.44"), "fail", 449)


def test_a_change_stated_as_a_rate_after_two_years_figures(tmp_path):
    # 2022年决算数为548.76万元，2023年决算数为1,112.22万元，比2022年决算数增长102.68% (赣州's 本年收入合计 restated so):
    # the rate is the change the two figures give (563.46 on 548.76); printed as 92.68% it is a finding at its line.
    old = "本年收入合计 1112.22 万元，比上年增加 563.46 万元，增长 102.68%"
    stated = "本年收入合计 2022年决算数为548.76万元，2023年决算数为1,112.22万元，比2022年决算数增长{}%"
    from juesuan.quality.one_document import check_document

    right = check_document(_doctored_ganzhou(tmp_path, old, stated.format("102.68")))
    assert _rule(right, "PROSE-CHANGE")[0] == (D("102.6788"), D("102.68"), "rounding", 433)
    wrong = check_document(_doctored_ganzhou(tmp_path, old, stated.format("92.68")))
    assert _rule(wrong, "PROSE-CHANGE")[0] == (D("102.6788"), D("92.68"), "fail", 433)
    # The later year first (2023年…，2022年…，比2022年…): which figure the rate is on is not what print order says, so
    # no rate is read there (乐昌 prints its budgets so: 2022年年初预算为3432300.00元, 2021年年初预算2744510.00元).
    reversed_years = "本年收入合计 2023年决算数为1,112.22万元，2022年决算数为548.76万元，比2022年决算数增长102.68%"
    assert [r for r in _rule(check_document(_doctored_ganzhou(tmp_path, old, reversed_years)), "PROSE-CHANGE")
            if r[3] == 433] == []


def test_a_change_on_the_budget_is_checked_and_implies_no_prior_year_figure(tmp_path):
    # 韶关 2024: 一般公共预算财政拨款支出1,393.59万元，比年初预算数减少70.1万元，下降4.8% (line 718): 70.1 on
    # 1,463.69 is 4.79 %. The figure it implies is the budget, so it is not compared with the year before's final
    # accounts (PROSE-PRIOR-YEAR), which the changes on 上年 are, once that year is loaded (here a copy as 2023).
    from conftest import SHAOGUAN_2024
    from juesuan.extract.document import extract_file
    from juesuan.quality.checks import run_checks
    from juesuan.quality.one_document import CHECKED_MODELS
    from juesuan.quality.sql_models import create_models
    from juesuan.warehouse.connection import connect
    from juesuan.warehouse.load import load_extractions

    text = SHAOGUAN_2024.read_text(encoding="utf-8")
    assert "一般公共预算财政拨款支出1,393.59万元，比年初预算数减少70.1万元，下降4.8%" in text.replace("\n", "")
    prior = tmp_path / "shaoguan-2023.txt"
    prior.write_text(text.replace("2024", "2023"), encoding="utf-8")
    extractions = [extract_file(SHAOGUAN_2024), extract_file(prior)]
    assert [e.document["fiscal_year"] for e in extractions] == [2024, 2023]
    load_extractions(tmp_path / "w.duckdb", extractions, run_id="prior")
    with connect(tmp_path / "w.duckdb", threads=1) as con:
        create_models(con, CHECKED_MODELS)
        checks = [c for c in run_checks(con) if c["file_name"] == SHAOGUAN_2024.name]
    on_budget = [(c["rule_id"], c["expected"], c["actual"], c["outcome"]) for c in checks if c["source_line"] == 718]
    assert ("PROSE-CHANGE", D("4.7893"), D("4.8"), "rounding") in on_budget
    assert not [c for c in on_budget if c[0] == "PROSE-PRIOR-YEAR"]
    # The changes on 上年 are compared, each at its line; the copy prints 2024's figures as 2023's, so each prior
    # figure a sentence implies (1,479.96 for 1,393.59 比上年决算数减少86.37万元) differs from the copy's (1,393.59).
    prior_year = sorted((c["source_line"], c["outcome"]) for c in checks if c["rule_id"] == "PROSE-PRIOR-YEAR")
    assert prior_year == [(line, "fail") for line in (639, 671, 678, 696, 741, 749, 757, 759)]
    assert ("PROSE-PRIOR-YEAR", D("1393.590000"), D("1479.960000"), "fail") in [
        (c["rule_id"], c["expected"], c["actual"], c["outcome"]) for c in checks if c["source_line"] == 639]
