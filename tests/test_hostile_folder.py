"""Issue 9's folder: the seeds and external PDFs beside a 1e16-doctored document, a budget, a blank template, an
encrypted, a truncated and an xref-scrambled PDF and a file whose name is not UTF-8. It builds and publishes: every
good document loads with its figures, every other file is in raw.load_errors with its reason, the exit status is 1."""

import io
import os
import random
import shutil
import sys
from decimal import Decimal as D
from pathlib import Path

import duckdb
from conftest import GANZHOU_2023, LECHANG_2022, RAW, SHAOGUAN_2024, external_file
from juesuan.cli import main
from test_load_isolation import RUN_TOGETHER, _doctored_shaoguan

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import fuzz  # noqa: E402

ODD_NAME = b"\xff\xfe-lechang.md"  # not valid UTF-8


def query(warehouse, sql):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


def amount(warehouse, file, table, code, measure):
    return query(warehouse, f"""select amount from raw.table_rows join raw.documents using (sha256)
                                where file = '{file}' and table_key = '{table}' and code = '{code}'
                                  and measure = '{measure}'""")


def hostile_folder(tmp_path) -> Path:
    from pypdf import PdfReader, PdfWriter

    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    putuo = external_file("上海市普陀区财政局_2024_部门决算", ".pdf")
    foshan = external_file("佛山市轨道交通局_2019_部门决算", ".pdf")
    shutil.copy(putuo, raw / "putuo.pdf")
    shutil.copy(foshan, raw / "foshan.pdf")
    shutil.move(_doctored_shaoguan(tmp_path), raw / "doctored-1e16.txt")
    budget = fuzz.CORPUS / "budgets" / "广州市信访局_2026_部门预算.pdfplumber.txt"
    shutil.copy(budget, raw / "budget.txt")
    text = external_file("上海市普陀区财政局_2024_部门决算", ".pdfplumber.txt").read_text(encoding="utf-8")
    (raw / "template.txt").write_text(text.replace("上海市普陀区财政局", "上海市XX局"), encoding="utf-8")
    writer = PdfWriter(clone_from=PdfReader(foshan))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    (raw / "encrypted.pdf").write_bytes(encrypted.getvalue())
    data = putuo.read_bytes()
    (raw / "truncated.pdf").write_bytes(data[: len(data) * 2 // 5])
    (raw / "scrambled.pdf").write_bytes(fuzz.pdf_scramble_xref(foshan.read_bytes(), random.Random(9)))
    with open(os.fsencode(raw) + b"/" + ODD_NAME, "wb") as handle:
        handle.write(LECHANG_2022.read_bytes() + "\n附：本报告另存一份。\n".encode())
    return raw


def test_a_hostile_folder_builds_publishes_and_says_what_failed(tmp_path, prefect_harness, capsys):
    raw = hostile_folder(tmp_path)
    warehouse = tmp_path / "w.duckdb"
    status = main(["run", "--raw", str(raw), "--warehouse", str(warehouse), "--build", str(tmp_path / "build")])
    assert status == 1 and warehouse.is_file()  # published, and the exit status says something failed
    odd = "\\xff\\xfe-lechang.md"
    documents = dict((f, (k, a, y)) for f, k, a, y in query(
        warehouse, "select file, kind, agency, fiscal_year from raw.documents"))
    good = {
        SHAOGUAN_2024.name: ("final_accounts", "韶关市行政服务中心", 2024),
        GANZHOU_2023.name: ("final_accounts", "赣州蓉江新区政务服务中心", 2023),
        LECHANG_2022.name: ("dept_self_evaluation", "乐昌市行政服务中心", 2022),
        odd: ("dept_self_evaluation", "乐昌市行政服务中心", 2022),
        "putuo.pdf": ("final_accounts", "上海市普陀区财政局", 2024),
        "foshan.pdf": ("final_accounts", "佛山市轨道交通局", 2019),
        "scrambled.pdf": ("final_accounts", "佛山市轨道交通局", 2019),  # pdfminer rebuilds the cross-reference table
        "doctored-1e16.txt": ("final_accounts", "韶关市行政服务中心", 2024),
    }
    assert {f: documents[f] for f in good} == good
    # The budget is loaded as a budget, never as anything else.
    assert documents["budget.txt"] == ("budget", "广州市信访局", 2026)
    assert set(documents) - set(good) - {"budget.txt"} == {
        "shaoguan-admin-service-center_2020_project-self-evaluation.txt",
        "lechang-admin-service-center_2020_dept-self-evaluation.txt"}
    # Good documents carry their printed figures.
    assert amount(warehouse, SHAOGUAN_2024.name, "expenditure_by_function", "2010301", "total") == [(D("428.89"),)]
    assert amount(warehouse, "putuo.pdf", "expenditure_by_function", "2010601", "basic") == [(D("1503.52"),)]
    assert amount(warehouse, "foshan.pdf", "income_by_function", "2140101", "other_income") == [(D("0.01"),)]
    assert amount(warehouse, "scrambled.pdf", "income_by_function", "2140101", "total") == [(D("609.30"),)]
    assert amount(warehouse, "doctored-1e16.txt", "expenditure_by_function", "2010301", "total") == []
    assert query(warehouse, "select count(*) from raw.table_rows where abs(amount) >= 1e9") == [(0,)]
    # Every other file is listed with its reason; the doctored figures as misreadings at their lines.
    errors = query(warehouse, """select file, error_code, message, source_line, loaded from raw.load_errors
                                 where severity = 'error' order by file, source_line""")
    reasons = {}
    for file, code, message, line, loaded in errors:
        reasons.setdefault(file, []).append((code, message, line, loaded))
    assert reasons["template.txt"] == [("template", "a blank template, not a report: the agency is printed as a "
                                        "placeholder (上海市XX局); not loaded", None, False)]
    assert reasons["encrypted.pdf"] == [("unreadable_file", "encrypted PDF: it needs a password to open, so its "
                                         "text cannot be read", None, False)]
    assert [(c, loaded) for c, _, _, loaded in reasons["truncated.pdf"]] == [("unreadable_file", False)]
    assert "corrupt PDF" in reasons["truncated.pdf"][0][1]
    assert "budget.txt" not in reasons
    # Every misreading at its line: the table row's two cells, the prose fact, the prose metric (累计…人次, printed
    # without decimals), the department result's two figures, and the 全年预算数 as the budget of the 执行数 on line
    # 859 (…，执行数1393.59万元，完成预算的86.39%: its rate is not checked on a misread budget).
    run_together = RUN_TOGETHER.removesuffix(".00")
    doctored = [(c, line) for c, m, line, _ in reasons["doctored-1e16.txt"] if run_together in m]
    assert doctored == [
        ("implausible_figure", 224), ("implausible_figure", 224), ("implausible_figure", 639),
        ("implausible_figure", 786), ("implausible_figure", 857), ("implausible_figure", 857),
        ("implausible_figure", 859)]
    not_loaded = {f for f, _, _, _, loaded in errors if not loaded}
    assert set(documents) | not_loaded == {os.fsencode(p.name).decode("utf-8", "backslashreplace")
                                           for p in raw.iterdir()}
    printed = capsys.readouterr().out
    assert "ERROR   template.txt: a blank template, not a report" in printed
