"""Never lose a run: a fresh machine, an unchanged rerun without the orchestrator, odd file names, bounded queries,
and a run killed at any stage leaving the published warehouse and its pages as they were."""

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import LECHANG_2022, PUTUO, RAW, SHAOGUAN_2024, build_warehouse, external_file
from juesuan import discover
from juesuan.discover import read_inputs, up_to_date
from juesuan.isolated import PreparedProcess
from juesuan.settings import load_settings
from juesuan.warehouse.publish import inputs_fingerprint

JUESUAN = str(Path(sys.executable).parent / "juesuan")
PAGES = ("report/index.html", "dq/index.html", "dbt/target/index.html")


def juesuan(*args, env=None, timeout=1800):
    return subprocess.run([JUESUAN, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **(env or {})})


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fresh_home(tmp: Path) -> dict:
    """The environment of a user who never ran Prefect, dbt or the project."""
    home = tmp / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return {**env, "HOME": str(home), "PREFECT_HOME": str(home / ".prefect"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def test_a_fresh_home_prepares_prefect_and_says_what_to_do_when_it_cannot_start(tmp_path):
    env = fresh_home(tmp_path)
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(LECHANG_2022, raw)
    args = ["run", "--raw", str(raw), "--warehouse", str(tmp_path / "w.duckdb"), "--build", str(tmp_path / "build")]
    too_short = subprocess.run([JUESUAN, *args, "--startup-timeout", "1"], capture_output=True, text=True,
                               timeout=1800, env=env)
    assert too_short.returncode == 2, too_short.stderr[-2000:]
    assert too_short.stderr.count("\n") == 1 and "Traceback" not in too_short.stderr
    assert "did not start within 1 s" in too_short.stderr and "JUESUAN_ORCHESTRATOR_TIMEOUT" in too_short.stderr
    assert not (tmp_path / "w.duckdb").exists()
    # The database was prepared outside the deadline, once: the next run only starts the server.
    assert (Path(env["PREFECT_HOME"]) / "prefect.db").is_file()
    assert (Path(env["PREFECT_HOME"]) / "memo_store.toml").is_file()
    run = subprocess.run([JUESUAN, *args], capture_output=True, text=True, timeout=1800, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "orchestrator ready in" in run.stderr
    assert "INFO" not in run.stderr  # libraries' chatter, also from the worker running dbt and the checks
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.sql("select agency, fiscal_year from raw.documents").fetchall() == [("乐昌市行政服务中心", 2022)]


def test_a_prefect_server_that_does_not_answer_is_one_line_and_exit_2(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(LECHANG_2022, raw)
    api = f"http://127.0.0.1:{closed_port()}/api"
    result = juesuan("run", "--raw", str(raw), "--warehouse", str(tmp_path / "w.duckdb"), "--build",
                     str(tmp_path / "build"), env={"PREFECT_API_URL": api})
    assert result.returncode == 2
    assert result.stderr.startswith(f"juesuan run: the Prefect server at PREFECT_API_URL={api} does not answer")
    assert "`prefect server start`" in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "w.duckdb").exists()


def copy_build(source_warehouse: Path, tmp: Path) -> tuple[Path, Path, Path]:
    """A copy of a built warehouse, its raw folder and its published pages (link and run folders)."""
    source = source_warehouse.parent
    shutil.copytree(source / "raw", tmp / "raw")
    shutil.copy(source_warehouse, tmp / "warehouse.duckdb")
    shutil.copytree(source / "build.runs", tmp / "build.runs", symlinks=True)
    (tmp / "build").symlink_to(os.readlink(source / "build"))
    return tmp / "raw", tmp / "warehouse.duckdb", tmp / "build"


def test_an_unchanged_rerun_is_up_to_date_without_prefect_dbt_or_gx(raw_build, tmp_path):
    raw, warehouse, build = copy_build(raw_build[0], tmp_path)
    # A server that does not answer: reaching for the orchestrator would fail the run.
    code = ("import sys; from juesuan.cli import main; status = main(sys.argv[1:]); "
            "print(sorted(m for m in ('prefect', 'dbt', 'great_expectations') if m in sys.modules)); sys.exit(status)")
    result = subprocess.run([sys.executable, "-c", code, "run", "--raw", str(raw), "--warehouse", str(warehouse),
                             "--build", str(build)], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PREFECT_API_URL": f"http://127.0.0.1:{closed_port()}/api"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "up to date: none of the 5 files changed since the last run; nothing rebuilt" in result.stdout
    assert result.stdout.splitlines()[-1] == "[]"


def test_removed_pages_or_a_changed_file_are_not_up_to_date(raw_build, tmp_path):
    raw, warehouse, build = copy_build(raw_build[0], tmp_path)
    settings = load_settings(raw, warehouse, build)
    assert up_to_date(settings, read_inputs(raw))
    (build / "report" / "index.html").unlink()
    assert not up_to_date(settings, read_inputs(raw))
    shutil.rmtree(build, ignore_errors=True)
    build.unlink()
    assert not up_to_date(settings, read_inputs(raw))


def test_a_file_name_that_is_not_utf8_is_fingerprinted_by_its_bytes(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SHAOGUAN_2024, raw)
    before = inputs_fingerprint(read_inputs(raw).names(raw))
    odd = os.path.join(os.fsencode(raw), "部门决算".encode("gbk") + b".txt")  # a GBK name on a UTF-8 system
    with open(odd, "wb") as handle:
        handle.write(LECHANG_2022.read_bytes())
    inputs = read_inputs(raw)
    assert sorted(os.fsencode(path.name) for path, _ in inputs.files) == [SHAOGUAN_2024.name.encode(),
                                                                           "部门决算".encode("gbk") + b".txt"]
    after = inputs_fingerprint(inputs.names(raw))
    assert after != before and after == inputs_fingerprint(read_inputs(raw).names(raw))


def test_a_file_removed_while_the_folder_is_read_is_reported(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in (SHAOGUAN_2024, LECHANG_2022):
        shutil.copy(path, raw)
    hash_file = discover._sha256

    def removed_first(path):  # the user deletes the file after the folder was listed, before it is read
        if path.name == LECHANG_2022.name:
            path.unlink()
        return hash_file(path)

    monkeypatch.setattr(discover, "_sha256", removed_first)
    inputs = read_inputs(raw)
    assert inputs.vanished == [raw / LECHANG_2022.name]
    assert [path.name for path, _ in inputs.files] == [SHAOGUAN_2024.name]
    assert inputs.files[0][1] == hashlib.sha256(SHAOGUAN_2024.read_bytes()).hexdigest()


# count(*) over a cross join is answered without enumerating it; hashing every combination of four is not.
RUNAWAY = ("select sum(hash(a.row_index, b.row_index, c.row_index, d.row_index)) "
           "from raw.table_rows a, raw.table_rows b, raw.table_rows c, raw.table_rows d")


def test_a_stage_process_whose_preparation_failed_still_makes_its_call_and_raises_its_error():
    assert PreparedProcess(int, "not a number").run(int, "12") == 12
    with pytest.raises(ValueError, match="invalid literal for int"):
        PreparedProcess(int, "7").run(int, "x")
    unused = PreparedProcess(time.sleep, 0.2)
    processes = list(unused._pool._processes.values())
    unused.close()  # a stage before it failed: the process ends without a call
    assert len(processes) == 1 and not processes[0].is_alive()


def test_a_runaway_cross_join_stops_at_its_time_limit(raw_build):
    warehouse = str(raw_build[0])
    started = time.monotonic()
    result = juesuan("query", RUNAWAY, "--warehouse", warehouse, "--timeout", "2", timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("juesuan query: query stopped at its time limit of 2 s: raise it with --timeout SECONDS "
                             "or JUESUAN_QUERY_TIMEOUT\n")
    assert time.monotonic() - started < 60
    via_env = juesuan("query", RUNAWAY, "--warehouse", warehouse, env={"JUESUAN_QUERY_TIMEOUT": "1.5"}, timeout=120)
    assert via_env.returncode == 2 and "time limit of 1.5 s" in via_env.stderr


def test_a_query_past_its_memory_limit_stops_with_one_line(raw_build):
    warehouse = str(raw_build[0])
    huge = "select list(r.amount) from raw.table_rows r, range(200000)"  # every amount, 200,000 times, in one list
    result = juesuan("query", huge, "--warehouse", warehouse, "--memory-limit", "100MB", timeout=120)
    assert result.returncode == 2
    assert result.stderr == ("juesuan query: query stopped at its memory limit of 100MB: raise it with --memory-limit "
                             "SIZE (e.g. 4GB) or JUESUAN_QUERY_MEMORY\n")
    # Rows as Python objects count too: 4 million rows are far more than 50MB once converted.
    rows = juesuan("query", "select i, i::varchar as s from range(4000000) t(i)", "--warehouse", warehouse,
                   "--memory-limit", "50MB", "--format", "csv", timeout=120)
    assert rows.returncode == 2 and "memory limit of 50MB" in rows.stderr
    fine = juesuan("query", "select count(*) from raw.documents", "--warehouse", warehouse, "--format", "csv",
                   "--memory-limit", "100MB", "--timeout", "30")
    assert fine.returncode == 0 and fine.stdout.splitlines() == ["count_star()", "5"]


@pytest.mark.parametrize("args, message", [
    (["--timeout", "soon"], "query time limit 'soon' is not a positive number of seconds"),
    (["--timeout", "0"], "query time limit '0' is not a positive number of seconds"),
    (["--memory-limit", "lots"], "query memory limit 'lots' is not a size such as 2GB or 500MB"),
])
def test_bad_query_limits_are_one_line(raw_build, args, message):
    result = juesuan("query", "select 1", "--warehouse", str(raw_build[0]), *args)
    assert result.returncode == 2
    assert result.stderr.startswith(f"juesuan query: {message}") and result.stderr.count("\n") == 1


def fingerprint_pages(build: Path) -> dict[str, tuple[str, int]]:
    """Each published page's sha256 and modification time."""
    return {page: (hashlib.sha256((build / page).read_bytes()).hexdigest(), (build / page).stat().st_mtime_ns)
            for page in PAGES}


@pytest.fixture(scope="module")
def published_once(tmp_path_factory, prefect_harness):
    """A published warehouse of the seeds with its pages, and one more (PDF) document waiting in raw/."""
    tmp = tmp_path_factory.mktemp("kills")
    warehouse, _ = build_warehouse(tmp, sorted(RAW.iterdir()))
    pdf = external_file(PUTUO, ".pdf")
    (tmp / "raw" / pdf.name).write_bytes(pdf.read_bytes())
    return tmp / "raw", warehouse, tmp / "build"


# Where a run is, seen from outside: the files each stage writes first into the run's own pages folder.
STAGES = {
    "extraction": lambda w, b: w.with_name(w.name + ".building").exists(),
    "dbt": lambda w, b: any(b.with_name(b.name + ".runs").glob("*/dbt/logs/*")),
    "checks": lambda w, b: any(b.with_name(b.name + ".runs").glob("*/dq/*")),
}


@pytest.mark.parametrize("stage", list(STAGES))
def test_a_run_killed_during_a_stage_leaves_warehouse_and_pages(published_once, stage):
    raw, warehouse, build = published_once
    before, pages_before = hashlib.sha256(warehouse.read_bytes()).hexdigest(), fingerprint_pages(build)
    for stale in build.with_name("build.runs").iterdir():  # an earlier case's killed run: not this run's stage
        if stale != build.resolve():
            shutil.rmtree(stale)
    warehouse.with_name(warehouse.name + ".building").unlink(missing_ok=True)
    run = subprocess.Popen([JUESUAN, "run", "--quiet", "--raw", str(raw), "--warehouse", str(warehouse), "--build",
                            str(build)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True, env={**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
    deadline = time.monotonic() + 1800
    while not STAGES[stage](warehouse, build) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert run.poll() is None, f"the run ended before {stage}: {run.stderr.read()[-2000:]}"
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(timeout=60)
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before
    assert fingerprint_pages(build) == pages_before
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.sql("select count(*) from raw.documents").fetchall() == [(5,)]


def test_after_kills_the_next_run_publishes_warehouse_and_pages_together(published_once):
    raw, warehouse, build = published_once
    pages_before = fingerprint_pages(build)
    result = juesuan("run", "--quiet", "--raw", str(raw), "--warehouse", str(warehouse), "--build", str(build))
    assert result.returncode == 0, result.stderr[-2000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.sql("select count(*) from raw.documents").fetchall() == [(6,)]
        run_id = con.sql("select run_id from meta.runs order by finished_at desc limit 1").fetchall()[0][0]
    assert build.resolve() == (build.with_name("build.runs") / run_id).resolve()
    assert all(fingerprint_pages(build)[page][0] != pages_before[page][0] for page in ("report/index.html",))
    assert "上海市普陀区财政局" in (build / "report" / "index.html").read_text(encoding="utf-8")
    assert [p.name for p in build.with_name("build.runs").iterdir()] == [run_id]  # the killed runs' folders went


def test_pages_are_published_by_link_and_a_half_done_publish_is_completed(tmp_path):
    from juesuan.warehouse.publish import pages_complete, publish_pages, recover_pages, start_pages

    build = tmp_path / "build"
    (build / "report").mkdir(parents=True)  # pages written in place by an older version
    (build / "report" / "index.html").write_text("old report", encoding="utf-8")

    def write_pages(folder: Path, text: str) -> None:
        for page in PAGES:
            (folder / page).parent.mkdir(parents=True, exist_ok=True)
            (folder / page).write_text(text, encoding="utf-8")

    first = start_pages(build, "run1")
    assert first == tmp_path / "build.runs" / "run1" and list(first.iterdir()) == []
    write_pages(first, "run 1")
    assert (build / "report" / "index.html").read_text(encoding="utf-8") == "old report"  # not yet published
    publish_pages(first, build)
    assert build.is_symlink() and os.readlink(build) == "build.runs/run1" and pages_complete(build)
    assert (build / "report" / "index.html").read_text(encoding="utf-8") == "run 1"
    assert [p.name for p in (tmp_path / "build.runs").iterdir()] == ["run1"]  # the old folder went
    # run2 was killed after its warehouse was published, before the link moved: the next run completes it.
    write_pages(start_pages(build, "run2"), "run 2")
    assert recover_pages(build, "run2") and (build / "dq" / "index.html").read_text(encoding="utf-8") == "run 2"
    assert not recover_pages(build, "run2")
    # run3 failed: its folder is not published, and the next run removes it.
    write_pages(start_pages(build, "run3"), "run 3")
    start_pages(build, "run4")
    assert sorted(p.name for p in (tmp_path / "build.runs").iterdir()) == ["run2", "run4"]
    assert (build / "report" / "index.html").read_text(encoding="utf-8") == "run 2"


def test_every_duckdb_connection_of_the_pipeline_and_dbts_keep_the_memory_limit(tmp_path, monkeypatch):
    # Unset, DuckDB takes up to 80 % of the machine: a 10,000-document dbt build grew to 7.4 GB.
    from juesuan.warehouse.connection import connect
    from juesuan.warehouse.dbt import _invoke, _release_warehouse, _warehouse_env

    monkeypatch.setenv("JUESUAN_DUCKDB_MEMORY", "300MB")
    with connect(tmp_path / "w.duckdb") as con:
        assert con.execute("select current_setting('memory_limit')").fetchone()[0] == "286.1 MiB"
    with _warehouse_env(tmp_path / "w.duckdb"):
        try:
            shown = _invoke(["show", "--inline", "select current_setting('memory_limit') as memory_limit"], tmp_path)
        finally:
            _release_warehouse()
    assert shown.success and shown.result.results[0].agate_table.rows[0][0] == "286.1 MiB"
    monkeypatch.delenv("JUESUAN_DUCKDB_MEMORY")
    with connect(tmp_path / "w.duckdb") as con:
        assert con.execute("select current_setting('memory_limit')").fetchone()[0] == "953.6 MiB"  # 1GB, the default


def test_a_memory_limit_that_is_no_size_stops_the_run_before_it_starts(tmp_path):
    result = juesuan("run", "--raw", str(RAW), "--warehouse", str(tmp_path / "w.duckdb"), "--build",
                     str(tmp_path / "build"), env={"JUESUAN_DUCKDB_MEMORY": "lots"}, timeout=300)
    assert result.returncode == 2
    assert result.stderr.endswith("juesuan run: DuckDB memory limit 'lots' is not a size such as 1GB or 500MB "
                                  "(JUESUAN_DUCKDB_MEMORY)\n")
    assert not (tmp_path / "w.duckdb").exists()
