"""The CLI's habits: --version, help on a bare `juesuan`, --force and --json on run, the documents with findings
and the files not loaded named at the end of a run, DuckDB's table rendering and error text, a closed pipe."""

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import LECHANG_2022, ROOT, SHAOGUAN_2024

JUESUAN = str(Path(sys.executable).parent / "juesuan")
ENV = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def juesuan(*args, timeout=120):
    return subprocess.run([JUESUAN, *args], capture_output=True, text=True, timeout=timeout, env=ENV)


def test_version_is_the_package_version():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    result = juesuan("--version")
    assert result.returncode == 0 and result.stdout == f"juesuan {version}\n"


def test_bare_juesuan_prints_help_listing_the_commands():
    result = juesuan()
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("usage: juesuan [-h] [--version] COMMAND ...")
    for command in ("run", "extract", "query", "export", "docs", "serve", "status"):
        assert f"\n    {command} " in result.stdout, command


def test_query_error_keeps_duckdbs_hint_and_caret(raw_build):
    result = juesuan("query", "select agency_name from dim_agenc", "--warehouse", str(raw_build[0]))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "juesuan query: Catalog Error: Table with name dim_agenc does not exist!",
        'Did you mean "dim_agency"?',
        "",
        "LINE 1: select agency_name from dim_agenc",
        "                                ^^^^^^^^^",
    ]


def test_query_table_is_duckdbs_box_with_types_and_right_aligned_numbers(raw_build):
    sql = ("select agency_name, fiscal_year, project_share_pct from mart_agency_year_overview "
           "order by agency_name")
    lines = juesuan("query", sql, "--warehouse", str(raw_build[0]), "--width", "100").stdout.splitlines()
    assert lines[0].startswith("┌") and lines[-2].startswith("└") and lines[-1] == "(2 rows)"
    assert [c.strip() for c in lines[1].strip("│").split("│")] == ["agency_name", "fiscal_year", "project_share_pct"]
    assert [c.strip() for c in lines[2].strip("│").split("│")] == ["varchar", "int32", "decimal(9,2)"]
    # 韶关 2024: 项目支出 54.24 % of 支出合计, right-aligned against the column's edge.
    assert lines[5].startswith("│ 韶关市行政服务中心 ") and lines[5].endswith(" 54.24 │")
    assert lines[4].endswith(" 89.46 │")


def test_a_closed_pipe_ends_quietly():
    # 164 kB of JSON into `head -n 2`, which stops reading: no BrokenPipeError traceback, the shell's 141.
    result = subprocess.run(f"set -o pipefail; '{JUESUAN}' extract '{SHAOGUAN_2024}' --json | head -n 2",
                            shell=True, executable="/bin/bash", capture_output=True, text=True, timeout=120, env=ENV)
    assert result.stdout == '{\n  "document": {\n'
    assert result.stderr == "" and result.returncode == 141


def test_runs_name_the_failing_documents_and_files_not_loaded_and_force_rebuilds(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / LECHANG_2022.name).write_bytes(LECHANG_2022.read_bytes())  # 三公 决算为4.4元 against 预算 4.4万元
    (raw / "notes.txt").write_text("会议记录：下周二讨论年度预算。\n", encoding="utf-8")
    warehouse, build = tmp_path / "w.duckdb", tmp_path / "build"
    where = ("--raw", str(raw), "--warehouse", str(warehouse), "--build", str(build))

    first = juesuan("run", *where, timeout=1800)
    assert first.returncode == 1, first.stderr[-2000:]  # a file could not be loaded
    out = first.stdout
    assert "documents with findings 有问题的文档 (1):\n  lechang-admin-service-center_2022_dept-self-evaluation.md" \
           "  (乐昌市行政服务中心 2022): fail 1\n" in out
    assert "files not loaded 未载入的文件 (1):\n  notes.txt: not_a_report: " in out
    for stage in ("extract", "load", "dbt", "checks", "docs", "report", "publish"):
        assert f" {stage} " in first.stderr, stage  # the progress display's rows
    assert "Traceback" not in first.stderr

    unchanged = juesuan("run", *where, "--json", timeout=1800)
    summary = json.loads(unchanged.stdout)
    assert summary["up_to_date"] is True and unchanged.returncode == 0
    assert [d["file_name"] for d in summary["documents_with_findings"]] == [LECHANG_2022.name]
    assert [(f["file"], f["error_code"]) for f in summary["files_not_loaded"]] == [("notes.txt", "not_a_report")]

    forced = juesuan("run", *where, "--force", "--json", "--quiet", timeout=1800)
    summary = json.loads(forced.stdout)
    assert summary["up_to_date"] is False and sorted(summary["extracted"]) == [LECHANG_2022.name, "notes.txt"]
    assert summary["checks"]["fail"] == 1 and summary["documents_with_findings"][0]["failures"] == 1
    assert (build / "report" / "index.html").is_file()
    assert (build / "dbt" / "target" / "static_index.html").is_file()

    status = json.loads(juesuan("status", "--warehouse", str(warehouse), "--json").stdout)
    assert [r["status"] for r in status["last_runs"]] == ["failed", "failed"]
    assert status["files_not_loaded"][0]["file"] == "notes.txt"
    assert status["documents_with_findings"] == [{"file_name": LECHANG_2022.name, "agency_name": "乐昌市行政服务中心",
                                                  "fiscal_year": 2022, "failures": 1, "suspect_extraction": 0}]
