"""The product around the pipeline: CLI, incremental and atomic publishing, locked queries, schedules, report."""

import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest
from conftest import LECHANG_2022, PUTUO, RAW, build_warehouse, external_file
from juesuan import pipeline as pipeline_module
from juesuan.cli import build_parser
from juesuan.pipeline import pipeline
from juesuan.warehouse.dbt import DbtBuildError

JUESUAN = str(Path(sys.executable).parent / "juesuan")
PREFECT = str(Path(sys.executable).parent / "prefect")


def juesuan(*args, env=None, stdin=None, timeout=300):
    return subprocess.run([JUESUAN, *args], capture_output=True, text=True, timeout=timeout, input=stdin,
                          env={**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **(env or {})})


def query(warehouse, sql):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("command", sorted(build_parser()._subparsers._group_actions[0].choices))
def test_every_command_has_help(command):
    result = juesuan(command, "--help", timeout=60)
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: juesuan {command}")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("run", "--raw", "/no/such/folder"), "juesuan run: input folder /no/such/folder does not exist"),
        (("query", "select 1", "--warehouse", "/no/such.duckdb"), "juesuan query: no warehouse at /no/such.duckdb"),
        (("status", "--warehouse", "/no/such.duckdb"), "juesuan status: no warehouse at /no/such.duckdb"),
        (("extract", "/no/such.pdf"), "juesuan extract: no such file: /no/such.pdf"),
    ],
)
def test_errors_are_one_clear_line(args, message):
    result = juesuan(*args, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_bad_sql_gets_duckdbs_whole_message(raw_build):
    result = juesuan("query", "selec agency_name frm dim_agency", "--warehouse", str(raw_build[0]), timeout=60)
    assert result.returncode == 2
    assert result.stderr.splitlines() == ['juesuan query: Parser Error: syntax error at or near "selec"', "",
                                          "LINE 1: selec agency_name frm dim_agency", "        ^^^^^"]


def test_query_output_as_table_csv_and_json(raw_build):
    warehouse = str(raw_build[0])
    sql = ("select agency_name, fiscal_year, project_share_pct from mart_agency_year_overview "
           "order by agency_name")
    table = juesuan("query", sql, "--warehouse", warehouse, timeout=60).stdout.splitlines()
    assert table[1].strip("│ ").split() == ["agency_name", "│", "fiscal_year", "│", "project_share_pct"]
    assert table[4].strip("│ ").split() == ["赣州蓉江新区政务服务中心", "│", "2023", "│", "89.46"]
    assert table[-1] == "(2 rows)"
    csv = juesuan("query", sql, "--warehouse", warehouse, "--format", "csv", timeout=60).stdout
    assert csv.splitlines()[1:] == ["赣州蓉江新区政务服务中心,2023,89.46", "韶关市行政服务中心,2024,54.24"]
    rows = json.loads(juesuan("query", "--warehouse", warehouse, "--format", "json", stdin=sql, timeout=60).stdout)
    assert rows[1] == {"agency_name": "韶关市行政服务中心", "fiscal_year": 2024, "project_share_pct": 54.24}


@pytest.mark.parametrize(
    "sql",
    [
        "select * from read_csv('/etc/passwd')",
        "copy (select 1) to '/tmp/juesuan-escape.csv'",
        "set enable_external_access = true",
        "create table stolen as select 1",
        "attach '/tmp/other.duckdb' as other",
        "install httpfs",
    ],
)
def test_queries_are_locked_down(raw_build, sql):
    result = juesuan("query", sql, "--warehouse", str(raw_build[0]), timeout=60)
    assert result.returncode == 2 and result.stderr.startswith("juesuan query: ")
    assert not Path("/tmp/juesuan-escape.csv").exists()


def test_status_lists_runs_outcomes_and_findings(raw_build):
    result = juesuan("status", "--warehouse", str(raw_build[0]), timeout=60)
    assert result.returncode == 0
    out = result.stdout
    assert out.startswith("last runs\n") and f"\n{raw_build[1].run_id}  " in out
    assert "adds up          2" in out and "findings         1" in out and "no checks apply  2" in out
    assert "warning   unit    1" in out


def test_docs_says_where_and_serves_on_localhost(raw_build):
    build = raw_build[2]
    listed = juesuan("docs", "--build", str(build), timeout=60).stdout.splitlines()
    assert listed == [f"report        {build / 'report' / 'index.html'}",
                      f"data quality  {build / 'dq' / 'index.html'}",
                      f"dbt docs      {build / 'dbt' / 'target' / 'static_index.html'}"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([JUESUAN, "docs", "--serve", "--port", str(port), "--build", str(build)],
                              stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(50):
            try:
                index = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.2)
        # The index links the three sites; each link opens.
        links = re.findall(r"<a href='(/[^']+)'>", index)
        assert links == ["/report/index.html", "/dq/index.html", "/dbt/target/static_index.html"]
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}{links[0]}", timeout=2).read().decode()
        assert "<h1>部门决算报告 <small>" in page
    finally:
        server.terminate()
        server.wait(timeout=10)


# source_file: where each build read its files (a fresh rebuild reads them from another folder).
def snapshot(warehouse, table, exclude=("run_id", "loaded_at", "source_file")):
    columns = [c for (c,) in query(warehouse, f"select column_name from information_schema.columns where "
                                   f"table_schema || '.' || table_name = '{table}' order by ordinal_position")
               if c not in exclude]
    return query(warehouse, f"select {', '.join(columns)} from {table} order by all")


COMPARED = ("raw.documents", "raw.table_rows", "raw.prose_facts", "raw.document_tables", "main.fct_expenditure_by_function",
            "main.mart_agency_year_overview", "main.dim_agency", "main.dq_results")


def test_incremental_runs_equal_a_full_rebuild(tmp_path, prefect_harness):
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in RAW.iterdir():
        (raw / path.name).write_bytes(path.read_bytes())
    warehouse, build = tmp_path / "w.duckdb", tmp_path / "build"
    first = pipeline(raw=str(raw), warehouse=str(warehouse), build=str(build))
    assert len(first.extracted) == 5 and first.reused == []
    second = pipeline(raw=str(raw), warehouse=str(warehouse), build=str(build))
    assert second.up_to_date and not second.failed
    changed = raw / LECHANG_2022.name
    changed.write_text(changed.read_text(encoding="utf-8").replace("决算为4.4元", "决算为4.4万元"), encoding="utf-8")
    (raw / "shaoguan-admin-service-center_2020_project-self-evaluation.txt").unlink()
    # A page of the published report whose document did not change: marked, to see it copied, not rendered again.
    unchanged = next(p for p in (build / "report" / "documents").glob("*.html") if "ganzhou" in p.read_text(encoding="utf-8"))
    unchanged.write_text(unchanged.read_text(encoding="utf-8") + "<!-- published -->", encoding="utf-8")
    third = pipeline(raw=str(raw), warehouse=str(warehouse), build=str(build))
    assert (build / "report" / "documents" / unchanged.name).read_text(encoding="utf-8").endswith("<!-- published -->")
    assert third.extracted == [LECHANG_2022.name]
    assert len(third.reused) == 3
    assert query(warehouse, "select count(*) from raw.documents") == [(4,)]
    assert query(warehouse, "select count(*) from dq_results where rule_id = 'UNIT-CONSISTENCY'") == [(0,)]
    assert query(warehouse, "select count(*) from meta.runs") == [(2,)]  # the up-to-date run rebuilt nothing
    fresh, _ = build_warehouse(tmp_path / "fresh", sorted(raw.iterdir()))
    for table in COMPARED:
        assert snapshot(warehouse, table) == snapshot(fresh, table), table
    # The report's pages, most of them copied from the published report (their inputs unchanged), read as a fresh
    # build's, but for the minute each was built.

    def pages(build_dir: Path) -> dict[str, str]:
        return {p.relative_to(build_dir).as_posix(): re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}|<!-- published -->", "",
                                                           p.read_text(encoding="utf-8"))
                for p in (build_dir / "report").rglob("*.html")}

    assert pages(build) == pages(tmp_path / "fresh" / "build") and len(pages(build)) == 4 + 3 + 1


def test_a_failed_run_leaves_the_published_warehouse(tmp_path, prefect_harness, monkeypatch):
    warehouse, _ = build_warehouse(tmp_path, [LECHANG_2022])
    before = digest(warehouse)
    pages = [tmp_path / "build" / page for page in ("report/index.html", "dq/index.html", "dbt/target/index.html")]
    pages_before = [(digest(page), page.stat().st_mtime_ns) for page in pages]
    extra = tmp_path / "raw" / "more.md"
    extra.write_bytes(LECHANG_2022.read_bytes().replace(b"2022", b"2021"))

    def broken(*args, **kwargs):
        raise DbtBuildError("dbt build failed: injected fault")

    monkeypatch.setattr(pipeline_module, "build_models", broken)
    with pytest.raises(DbtBuildError):
        pipeline(raw=str(tmp_path / "raw"), warehouse=str(warehouse), build=str(tmp_path / "build"))
    assert digest(warehouse) == before
    assert [(digest(page), page.stat().st_mtime_ns) for page in pages] == pages_before  # dbt ran: pages stay
    assert not (tmp_path / "warehouse.duckdb.building").exists()
    assert query(warehouse, "select count(*) from raw.documents") == [(1,)]


def start_run(raw: Path, warehouse: Path, build: Path) -> subprocess.Popen:
    return subprocess.Popen([JUESUAN, "run", "--quiet", "--raw", str(raw), "--warehouse", str(warehouse),
                             "--build", str(build)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})


@pytest.fixture
def published(tmp_path, prefect_harness):
    """A published warehouse of the seeds, and a raw folder with one more (PDF) document for the next run."""
    warehouse, _ = build_warehouse(tmp_path, sorted(RAW.iterdir()))
    raw = tmp_path / "raw"
    pdf = external_file(PUTUO, ".pdf")
    (raw / pdf.name).write_bytes(pdf.read_bytes())
    return raw, warehouse, tmp_path / "build"


def test_sigkill_mid_run_leaves_the_previous_warehouse_queryable(published):
    raw, warehouse, build = published
    before, report_before = digest(warehouse), digest(build / "report" / "index.html")
    run = start_run(raw, warehouse, build)
    building = warehouse.with_name(warehouse.name + ".building")
    deadline = time.monotonic() + 900  # the run starts Prefect first: minutes on a busy machine
    while not building.exists() and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.05)
    assert building.exists(), "the run never started building"
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(timeout=30)
    assert digest(warehouse) == before and digest(build / "report" / "index.html") == report_before
    result = juesuan("query", "select count(*) from raw.documents", "--warehouse", str(warehouse), "--format", "csv")
    assert result.stdout.splitlines() == ["count_star()", "5"]
    after = start_run(raw, warehouse, build)  # the killed run's leftovers do not stop the next one
    assert after.wait(timeout=1800) == 0, after.stderr.read()[-2000:]
    assert query(warehouse, "select count(*) from raw.documents") == [(6,)]


def test_queries_never_fail_while_a_run_is_in_progress(published):
    raw, warehouse, build = published
    run = start_run(raw, warehouse, build)
    outcomes = []
    while run.poll() is None:
        result = juesuan("query", "select count(*) as documents from raw.documents", "--warehouse", str(warehouse),
                         "--format", "csv", timeout=60)
        outcomes.append((result.returncode, result.stdout.splitlines()[-1:], result.stderr))
    assert run.returncode == 0, run.stderr.read()[-2000:]
    assert len(outcomes) >= 5
    assert [o for o in outcomes if o[0] != 0] == []
    assert {tuple(o[1]) for o in outcomes} <= {("5",), ("6",)}
    assert query(warehouse, "select count(*) from raw.documents") == [(6,)]


def test_scheduled_deployment_on_a_real_prefect_server(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_ENABLED": "false", "PREFECT_API_URL": api}
    server = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    serving = None
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"{api}/health", timeout=2).read() == b"true":
                    break
            except OSError:
                time.sleep(0.5)
        raw = tmp_path / "raw"
        raw.mkdir()
        (raw / LECHANG_2022.name).write_bytes(LECHANG_2022.read_bytes())
        warehouse = tmp_path / "scheduled.duckdb"
        serving = subprocess.Popen([JUESUAN, "serve", "--cron", "0 3 * * *", "--raw", str(raw), "--warehouse",
                                    str(warehouse), "--build", str(tmp_path / "build")], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
        trigger = subprocess.run([sys.executable, "-c", """
import time
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
for _ in range(120):
    try:
        with get_client(sync_client=True) as client:
            deployment = client.read_deployment_by_name("juesuan-pipeline/juesuan-scheduled")
        break
    except Exception:
        time.sleep(0.5)
print("schedule", deployment.schedules[0].schedule.cron)
run = run_deployment("juesuan-pipeline/juesuan-scheduled", timeout=300)
print("state", run.state.type.value)
"""], env=env, capture_output=True, text=True, timeout=420)
        assert "schedule 0 3 * * *" in trigger.stdout, trigger.stderr[-2000:]
        assert "state COMPLETED" in trigger.stdout, trigger.stderr[-2000:]
        assert query(warehouse, "select agency, fiscal_year from raw.documents") == [("乐昌市行政服务中心", 2022)]
    finally:
        for process in (serving, server):
            if process is not None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
