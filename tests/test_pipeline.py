"""The pipeline flow end to end: discovery, extraction, loading, bad input, idempotence."""

import shutil
from decimal import Decimal as D

import duckdb
import pytest
from conftest import GANZHOU_2023, RAW, SHAOGUAN_2024
from juesuan.cli import main
from juesuan.pipeline import pipeline


def query(warehouse, sql):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


@pytest.fixture
def bad_raw(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SHAOGUAN_2024, raw / "a.txt")  # a name that says nothing: facts come from the content
    (raw / "notes.txt").write_text("会议纪要\n今天讨论了下周的工作安排，无其他事项。\n", encoding="utf-8")
    (raw / "empty.md").write_bytes(b"")
    lines = SHAOGUAN_2024.read_text(encoding="utf-8").splitlines()
    (raw / "cut.txt").write_text("\n".join(lines[:160]), encoding="utf-8")
    (raw / "gbk.md").write_bytes(GANZHOU_2023.read_text(encoding="utf-8").encode("gb18030"))
    (raw / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ngarbage\n")
    (raw / "scan.docx").write_bytes(b"PK\x03\x04")
    doctored = SHAOGUAN_2024.read_text(encoding="utf-8").replace(
        "755.91 0.00 755.91 0.00 0.00 0.00", "755.9l 0.00 755.91 0.00 0.00 0.00")
    (raw / "doctored.txt").write_text(doctored, encoding="utf-8")
    return raw


def test_bad_input_is_listed_with_its_reason_and_the_rest_loads(bad_raw, tmp_path, prefect_harness, capsys):
    warehouse = tmp_path / "w.duckdb"
    status = main(["run", "--raw", str(bad_raw), "--warehouse", str(warehouse)])
    assert status == 1
    loaded = dict(query(warehouse, "select file, agency from raw.documents"))
    assert loaded == {"a.txt": "韶关市行政服务中心", "cut.txt": "韶关市行政服务中心",
                      "doctored.txt": "韶关市行政服务中心", "gbk.md": "赣州蓉江新区政务服务中心"}
    errors = query(warehouse, "select file, severity, error_code, message, source_line, loaded from raw.load_errors")
    by_file = {}
    for file, severity, code, message, line, was_loaded in errors:
        by_file.setdefault(file, []).append((severity, code, message, line, was_loaded))
    assert [(s, c) for s, c, *_ in by_file["notes.txt"]] == [("error", "not_a_report")]
    assert by_file["empty.md"][0][:3] == ("error", "unreadable_file", "empty file: it holds no text")
    assert by_file["broken.pdf"][0][1] == "unreadable_file" and "corrupt PDF" in by_file["broken.pdf"][0][2]
    assert "unsupported file type '.docx'" in by_file["scan.docx"][0][2]
    assert by_file["cut.txt"][0][1] == "missing_tables" and "expenditure_by_function" in by_file["cut.txt"][0][2]
    assert by_file["doctored.txt"][0][1:4] == (
        "unreadable_figure", "expenditure_by_function: figure '755.9l' cannot be read as a number", 232)
    assert by_file["gbk.md"] == [("warning", "encoding", by_file["gbk.md"][0][2], None, True)]
    # Nothing is dropped silently: every file is loaded or listed as not loaded.
    not_loaded = {f for f, *_, was_loaded in errors if not was_loaded}
    assert set(loaded) | not_loaded == {p.name for p in bad_raw.iterdir()}
    printed = capsys.readouterr().out
    assert "documents loaded: 4 · failed: 4" in printed
    assert "  notes.txt: not_a_report: not a final-accounts, budget or self-evaluation document" in printed
    # The GBK copy is read as well as the UTF-8 original.
    assert query(warehouse, """select amount from raw.table_rows join raw.documents using (sha256)
                                where file = 'gbk.md' and table_key = 'expenditure_by_function'
                                  and code = '2010306' and measure = 'basic'""") == [(D("93.970000"),)]


def test_seed_warehouse_rows_with_provenance_and_no_duplicates_on_rerun(tmp_path, prefect_harness):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    warehouse = tmp_path / "w.duckdb"
    first = pipeline(raw=str(raw), warehouse=str(warehouse))
    assert (first.load.documents, first.load.failed_files, first.failed) == (5, [], False)
    snapshot = "select * exclude (sha256) from raw.table_rows order by all"
    rows_first = query(warehouse, snapshot)
    second = pipeline(raw=str(raw), warehouse=str(warehouse))
    assert second.up_to_date and second.run_id != first.run_id  # nothing changed: nothing reloaded
    assert query(warehouse, snapshot) == rows_first
    (raw / "extra-copy.md").write_bytes((raw / GANZHOU_2023.name).read_bytes())  # same bytes, another name
    third = pipeline(raw=str(raw), warehouse=str(warehouse))
    assert third.extracted == ["extra-copy.md"] and not third.up_to_date
    assert query(warehouse, snapshot) == rows_first  # reloading keeps every row once
    assert query(warehouse, "select count(*) from raw.documents") == [(5,)]
    row = query(warehouse, """
        select d.file, r.amount, r.printed, r.source_line, r.page
        from raw.table_rows r join raw.documents d using (sha256)
        where r.table_key = 'expenditure_by_function' and r.name = '合计' and r.measure = 'total'
          and d.agency = '韶关市行政服务中心'""")
    assert row == [(SHAOGUAN_2024.name, D("1393.590000"), "1,393.59", 218, 1)]
    types = dict(query(warehouse, "select column_name, data_type from information_schema.columns "
                                  "where table_schema = 'raw' and table_name = 'table_rows'"))
    assert types["amount"] == "DECIMAL(20,6)"
    empty = query(warehouse, """select table_key from raw.document_tables join raw.documents using (sha256)
                                where file like 'ganzhou%' and present and empty order by 1""")
    assert [t for (t,) in empty] == ["gov_fund", "soe_capital", "state_assets", "three_public"]


def test_amounts_in_yuan_are_converted_to_wan(tmp_path, prefect_harness):
    raw = tmp_path / "raw"
    raw.mkdir()
    text = SHAOGUAN_2024.read_text(encoding="utf-8").replace("单位：万元", "单位：元")
    (raw / "yuan.txt").write_text(text, encoding="utf-8")
    (raw / "copy.txt").write_text(text, encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    report = pipeline(raw=str(raw), warehouse=str(warehouse))
    assert report.load.documents == 1  # the second file has the same content: loaded once
    assert query(warehouse, "select unit from raw.documents") == [("元",)]
    assert query(warehouse, """select amount, printed from raw.table_rows where table_key = 'expenditure_by_function'
                                and code = '2010399' and measure = 'total'""") == [(D("0.075591"), "755.91")]
    duplicate = query(warehouse, "select file, error_code, loaded from raw.load_errors")
    assert duplicate == [("yuan.txt", "duplicate_file", False)]
