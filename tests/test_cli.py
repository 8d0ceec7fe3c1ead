import json
import subprocess
import sys
from pathlib import Path

from conftest import GANZHOU_2023, SHAOGUAN_2024

JUESUAN = str(Path(sys.executable).parent / "juesuan")


def run(*args):
    return subprocess.run([JUESUAN, *args], capture_output=True, text=True, timeout=120)


def test_extract_json_prints_document_tables_and_errors():
    result = run("extract", str(SHAOGUAN_2024), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"document", "tables", "prose", "projects", "department", "metrics", "errors"}
    doc = data["document"]
    assert (doc["agency"], doc["fiscal_year"], doc["kind"], doc["unit"], doc["source_format"]) == (
        "韶关市行政服务中心", 2024, "final_accounts", "万元", "text")
    rows = data["tables"]["expenditure_by_function"]["rows"]
    r = next(r for r in rows if r["code"] == "2010399")
    assert (r["total"], r["basic"], r["project"], r["source_line"]) == (755.91, 0.0, 755.91, 228)
    summary = data["tables"]["income_expenditure_summary"]["rows"]
    assert {"side", "name", "code", "amount"} <= set(summary[1])
    assert (summary[1]["side"], summary[1]["code"], summary[1]["amount"]) == ("expenditure", "201", 1212.08)
    assert data["tables"]["state_assets"] == {"title": "国有资产占用情况表", "present": False, "empty": None, "rows": []}
    assert data["errors"] == []
    assert (data["department"]["score"], data["department"]["budget"], data["department"]["execution_rate"]) == (
        95, 1613.17, 86.39)
    share = next(f for f in data["prose"] if f["share_text"] == "占79.8%")
    assert (share["subject"], share["value"], share["unit"], share["source_line"]) == ("公务用车购置及运行维护费支出", 1.61, "万元", 778)


def test_extract_without_json_is_a_readable_summary():
    result = run("extract", str(GANZHOU_2023))
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"{GANZHOU_2023.name}: final_accounts · 赣州蓉江新区政务服务中心 · 2023 · unit 万元 · markdown · 1 page(s)"
    assert any(line.split()[:2] == ["three_public", "empty"] for line in lines)
    assert any("合计: total=1112.22, basic=117.23, project=994.99" in line for line in lines)


def test_extract_missing_file_is_one_clear_line():
    result = run("extract", "/nonexistent/report.pdf")
    assert result.returncode == 2
    assert result.stderr.strip() == "juesuan extract: no such file: /nonexistent/report.pdf"
