"""`juesuan export`: CSV that Excel opens, Parquet and XLSX read back equal, decimals exact, the lockdown kept."""

import csv
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
from openpyxl import load_workbook

JUESUAN = str(Path(sys.executable).parent / "juesuan")
OVERVIEW = ("select agency_name, fiscal_year, total_expenditure, basic_expenditure, project_share_pct, "
            "three_public_actual from mart_agency_year_overview order by agency_name")


def juesuan(*args):
    return subprocess.run([JUESUAN, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})


def rows_of(warehouse, sql):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_csv_has_a_bom_and_decodes_as_utf8_with_exact_decimals(raw_build, tmp_path):
    out = tmp_path / "overview.csv"
    result = juesuan("export", OVERVIEW, "-o", str(out), "--warehouse", str(raw_build[0]))
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"wrote 2 rows to {out} (csv)\n"
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs to read UTF-8
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines[0] == ["agency_name", "fiscal_year", "total_expenditure", "basic_expenditure", "project_share_pct",
                        "three_public_actual"]
    # 赣州: 支出决算表 合计 1,112.22, 基本支出 117.23, 项目支出 89.46 %; no 三公 table read (empty cell, not 0).
    assert lines[1] == ["赣州蓉江新区政务服务中心", "2023", "1112.220000", "117.230000", "89.46", ""]
    # 韶关 2024: 支出合计 1,393.59, 基本支出 637.68, 三公 actual 2.02.
    assert lines[2] == ["韶关市行政服务中心", "2024", "1393.590000", "637.680000", "54.24", "2.020000"]


def test_parquet_reads_back_equal_in_duckdb_with_decimal_types(raw_build, tmp_path):
    warehouse = raw_build[0]
    out = tmp_path / "expenditure.parquet"
    result = juesuan("export", "fct_expenditure_by_function", "-o", str(out), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    original = rows_of(warehouse, "select * from fct_expenditure_by_function order by all")
    with duckdb.connect() as con:
        back = con.execute(f"select * from read_parquet('{out}') order by all").fetchall()
        types = dict(con.execute(f"select column_name, column_type from (describe select * from read_parquet('{out}'))")
                     .fetchall())
    assert back == original and len(back) > 20
    assert types["total"] == "DECIMAL(20,6)"
    # 韶关 2024 支出决算表 2010399 其他政府办公厅（室）及相关机构事务支出: 755.91, all of it project spending.
    with duckdb.connect() as con:
        assert con.execute(f"select total, basic, project from read_parquet('{out}') where function_code = '2010399' "
                           "and fiscal_year = 2024").fetchall() == [
            (Decimal("755.910000"), Decimal("0.000000"), Decimal("755.910000"))]


def test_xlsx_reads_back_equal_in_openpyxl(raw_build, tmp_path):
    warehouse = raw_build[0]
    out = tmp_path / "overview.xlsx"
    sql = OVERVIEW.replace(" from ", ", 12345678901234.567891::decimal(20, 6) as too_many_digits from ")
    result = juesuan("export", sql, "-o", str(out), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    sheet = load_workbook(out).active
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert cells[0] == ["agency_name", "fiscal_year", "total_expenditure", "basic_expenditure", "project_share_pct",
                        "three_public_actual", "too_many_digits"]
    original = rows_of(warehouse, sql)
    assert len(cells) == len(original) + 1
    for written, row in zip(cells[1:], original, strict=True):
        back = [Decimal(repr(v)) if isinstance(v, float) else Decimal(v) if isinstance(v, str) and v[0].isdigit()
                else v for v in written]
        assert back == list(row)
    assert cells[2][:3] == ["韶关市行政服务中心", 2024, 1393.59]
    # More digits than a double holds: written as text, so nothing is rounded.
    assert cells[1][6] == "12345678901234.567891"
    # Decimal numbers carry a number format: two places, more shown only when the value has them.
    assert sheet["C2"].number_format == "#,##0.00####" and sheet["E2"].number_format == "#,##0.00"


def test_export_keeps_the_query_lockdown(raw_build, tmp_path):
    out = tmp_path / "escape.csv"
    target = tmp_path / "copied.csv"
    result = juesuan("export", f"copy (select 1) to '{target}'", "-o", str(out), "--warehouse", str(raw_build[0]))
    assert result.returncode == 2 and result.stderr.startswith("juesuan export: ")
    assert not out.exists() and not target.exists()
    result = juesuan("export", "select * from read_csv('/etc/passwd')", "-o", str(out), "--warehouse",
                     str(raw_build[0]))
    assert result.returncode == 2 and "Permission Error" in result.stderr and not out.exists()


def test_fiscal_data_package_describes_its_csv_files(raw_build, tmp_path):
    result = juesuan("export", "--datapackage", "-o", str(tmp_path / "fdp"), "--warehouse", str(raw_build[0]))
    assert result.returncode == 0, result.stderr
    descriptor = json.loads((tmp_path / "fdp" / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["profile"] == "fiscal-data-package"
    names = {r["name"]: r for r in descriptor["resources"]}
    assert set(names) == {"expenditure-by-function", "agency-year-overview"}
    overview = names["agency-year-overview"]
    header = next(csv.reader((tmp_path / "fdp" / overview["path"]).read_text(encoding="utf-8-sig").splitlines()))
    assert header == [f["name"] for f in overview["schema"]["fields"]]
    assert overview["model"]["measures"]["total_expenditure"] == {
        "source": "total_expenditure", "currency": "CNY", "factor": 10000, "direction": "expenditure",
        "phase": "executed"}
    assert overview["model"]["dimensions"]["agency"]["attributes"] == {"agency_name": {"source": "agency_name"}}
