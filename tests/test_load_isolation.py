"""No value and no document can abort a load: implausible figures are reported misreadings, a document whose rows
cannot be typed is listed in raw.load_errors, and every other document loads with its figures."""

from decimal import Decimal as D

import duckdb
from conftest import GANZHOU_2023, LECHANG_2020, SHAOGUAN_2024
from juesuan.extract.document import extract_file
from juesuan.warehouse.load import load_extractions

RUN_TOGETHER = "40434043404310100.00"  # form cells run together by text extraction (docs/domain.md §8)


def query(warehouse, sql):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


def _doctored_shaoguan(tmp_path):
    lines = SHAOGUAN_2024.read_text(encoding="utf-8").split("\n")
    edits = {
        224: ("2010301 行政运行 428.89 428.89 0.00", f"2010301 行政运行 {RUN_TOGETHER} {RUN_TOGETHER} 0.00"),
        639: ("收入1,393.59万元", f"收入{RUN_TOGETHER}万元"),  # a prose fact
        786: ("累计0人次", "累计40434043404310100人次"),  # a prose metric
        857: ("全年预算数1613.17万元", f"全年预算数{RUN_TOGETHER}万元"),  # the department's performance result
    }
    for number, (old, new) in edits.items():
        assert old in lines[number - 1], (number, lines[number - 1])
        lines[number - 1] = lines[number - 1].replace(old, new, 1)
    path = tmp_path / "doctored.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_figures_no_budget_could_print_are_reported_and_the_rest_loads(tmp_path):
    doctored = extract_file(_doctored_shaoguan(tmp_path))
    others = [extract_file(GANZHOU_2023), extract_file(LECHANG_2020)]
    warehouse = tmp_path / "w.duckdb"
    summary = load_extractions(warehouse, [doctored, *others], "run1")
    assert summary.documents == 3 and summary.failed_files == []
    misread = query(warehouse, """select source_line, table_key, message, loaded from raw.load_errors
                                  where error_code = 'implausible_figure' order by source_line, message""")
    assert [(line, table, loaded) for line, table, _, loaded in misread] == [
        (224, "expenditure_by_function", True), (224, "expenditure_by_function", True),
        (639, None, True), (786, None, True), (857, None, True), (857, None, True), (859, None, True)]
    assert f"printed '{RUN_TOGETHER}'" in misread[0][2] and "basic" in misread[0][2]
    assert misread[2][2] == (
        f"prose: 1.一般公共预算财政拨款收入: printed '{RUN_TOGETHER}万元', read as {RUN_TOGETHER}: more integer "
        "digits than any budget has (a figure of 1,000,000,000 万元 or more); a misreading, not loaded")
    assert "metric: 累计" in misread[3][2]
    assert [m for _, _, m, _ in misread[4:]][0].startswith("department result: budget")
    # 全年预算数…，执行数1393.59万元，完成预算的86.39%: the misread figure is the 执行数's budget too, so its rate is
    # not checked either.
    assert misread[6][2].startswith(f"prose: 执行数 budget: printed '{RUN_TOGETHER}万元，完成预算的86.39%'")
    # Not one of the misread figures is in the warehouse; the rest of the doctored document is.
    assert query(warehouse, "select count(*) from raw.table_rows where abs(amount) >= 1e9") == [(0,)]
    assert query(warehouse, """select measure, amount from raw.table_rows join raw.documents using (sha256)
                               where file = 'doctored.txt' and table_key = 'expenditure_by_function'
                                 and code = '2010301' order by measure""") == [
        ("operating", D("0")), ("project", D("0")), ("remit_to_superior", D("0")), ("subsidy_to_subsidiary", D("0"))]
    assert query(warehouse, """select amount from raw.table_rows join raw.documents using (sha256)
                               where file = 'doctored.txt' and table_key = 'expenditure_by_function'
                                 and name = '合计' and measure = 'total'""") == [(D("1393.59"),)]
    assert query(warehouse, """select budget, executed from raw.performance_department
                               join raw.documents using (sha256) where file = 'doctored.txt'""") == [
        (None, D("1393.59"))]
    assert query(warehouse, "select count(*) from raw.prose_metrics where value >= 1e9") == [(0,)]
    # The other documents load with their printed figures.
    assert query(warehouse, f"""select amount from raw.table_rows join raw.documents using (sha256)
                                where file = '{GANZHOU_2023.name}' and table_key = 'expenditure_by_function'
                                  and code = '2010306' and measure = 'basic'""") == [(D("93.97"),)]


def test_a_document_whose_rows_cannot_be_typed_is_listed_and_the_others_load(tmp_path):
    broken = extract_file(SHAOGUAN_2024)
    broken.tables["expenditure_by_function"]["rows"][0]["name"] = object()  # a fault no Arrow column can hold
    others = [extract_file(GANZHOU_2023), extract_file(LECHANG_2020)]
    warehouse = tmp_path / "w.duckdb"
    summary = load_extractions(warehouse, [broken, *others], "run1")
    assert summary.failed_files == [SHAOGUAN_2024.name]
    assert query(warehouse, "select file from raw.documents order by 1") == [(GANZHOU_2023.name,), (LECHANG_2020.name,)]
    (code, message, loaded), = query(warehouse, f"""select error_code, message, loaded from raw.load_errors
                                                   where file = '{SHAOGUAN_2024.name}' and severity = 'error'""")
    assert (code, loaded) == ("load_failed", False) and "could not be loaded (ArrowTypeError" in message
    assert query(warehouse, "select count(*) from raw.table_rows join raw.documents using (sha256) "
                            f"where file = '{GANZHOU_2023.name}'")[0][0] > 100


def test_a_runs_documents_share_one_load_time_whatever_batch_read_them(tmp_path):
    # Each batch stamped its documents with its own start time, so of two readings of one report the "newest"
    # (is_current) was whichever batch started last; a run's load now stamps all its documents at once.
    import time

    from juesuan.warehouse.load import load_staged
    from juesuan.warehouse.staging import extract_batch

    staging = tmp_path / "staging"
    extract_batch([str(SHAOGUAN_2024)], str(staging), 0, "run")
    time.sleep(0.01)
    extract_batch([str(GANZHOU_2023)], str(staging), 1, "run")
    warehouse = tmp_path / "w.duckdb"
    assert load_staged(warehouse, staging, {}, []).documents == 2
    assert query(warehouse, "select count(distinct loaded_at), count(*) from raw.documents") == [(1, 2)]
