"""Scaling: extraction in batches staged as Parquet, dbt docs only when models change, and the same warehouse
from a 2-worker Dask cluster as from one machine."""

from __future__ import annotations

import shutil
from decimal import Decimal as D

import duckdb
import pytest
from conftest import GANZHOU_2023, PUTUO, RAW, SHAOGUAN_2024, external_file
from juesuan.extract.document import extract_file
from juesuan.pipeline import batch_size, pipeline, run_pipeline
from juesuan.warehouse.load import RAW_TABLES, load_extractions, load_staged
from juesuan.warehouse.staging import extract_batch

# Columns that name the run or the moment, not the data.
RUN_COLUMNS = {"run_id", "loaded_at", "recorded_at"}
SHAOGUAN_TOTAL = """select r.amount, r.printed, r.source_line from raw.table_rows r join raw.documents d using (sha256)
                    where r.table_key = 'expenditure_by_function' and r.name = '合计' and r.measure = 'total'
                      and d.file = '{file}'"""


def query(warehouse, sql):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


def snapshot(warehouse) -> dict[str, list[tuple]]:
    """Every raw table and every model and result table, without run ids and timestamps, in a stable order."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        relations = con.sql("""select schema_name, table_name from duckdb_tables()
                               where schema_name in ('raw', 'main') and table_name != 'schema_info'
                               union all
                               select schema_name, view_name from duckdb_views()
                               where schema_name = 'main' and not internal order by all""").fetchall()
        out = {}
        for schema, name in relations:
            columns = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?"
                " order by ordinal_position", [schema, name]).fetchall() if c not in RUN_COLUMNS]
            select = ", ".join(f'"{c}"' for c in columns)
            out[f"{schema}.{name}"] = con.sql(f"select {select} from {schema}.{name} order by all").fetchall()
        return out


def test_batches_are_sized_for_the_workers_and_capped():
    assert batch_size(5, 2) == 1  # few documents: one per task, every worker busy
    assert batch_size(1000, 2) == 125  # four batches per worker
    assert batch_size(10_000, 2) == 200  # capped: a worker holds at most 200 documents' rows
    assert batch_size(230_000, 16) == 200


def test_staged_batches_load_the_same_rows_as_a_direct_load(tmp_path):
    files = []
    for source in (SHAOGUAN_2024, GANZHOU_2023, RAW / "lechang-admin-service-center_2022_dept-self-evaluation.md"):
        files.append(tmp_path / source.name)
        shutil.copy(source, files[-1])
    copy = tmp_path / "zz-copy.txt"  # after the original in path order: the copy is the duplicate
    shutil.copy(SHAOGUAN_2024, copy)
    staging = tmp_path / "staging"
    first = extract_batch([str(p) for p in files[:2]], str(staging), 0, "run-a")
    second = extract_batch([str(files[2]), str(copy)], str(staging), 1, "run-a", {str(copy): str(files[0])})
    assert [(o.name, o.loaded, o.failed) for o in first + second] == [
        (SHAOGUAN_2024.name, True, False), (GANZHOU_2023.name, True, False), (files[2].name, True, False),
        ("zz-copy.txt", False, False)]  # the copy is a duplicate, not a failure
    assert sorted(p.name for p in (staging / "raw.documents").iterdir()) == ["000000.parquet", "000001.parquet"]
    assert sorted(p.name for p in (staging / "raw.table_rows").iterdir()) == ["000000.parquet"]  # no tables in 1
    staged = load_staged(tmp_path / "staged.duckdb", staging, {}, [])
    direct = load_extractions(tmp_path / "direct.duckdb", [extract_file(p) for p in [*files, copy]], "run-b")
    assert (staged.documents, staged.table_rows) == (direct.documents, direct.table_rows) == (3, staged.table_rows)
    assert query(tmp_path / "staged.duckdb", SHAOGUAN_TOTAL.format(file=SHAOGUAN_2024.name)) == [
        (D("1393.590000"), "1,393.59", 218)]
    for table in RAW_TABLES:
        columns = "* exclude (run_id, loaded_at)" if table == "raw.documents" else (
            "* exclude (run_id, recorded_at)" if table == "raw.load_errors" else "*")
        sql = f"select {columns} from {table} order by all"
        assert query(tmp_path / "staged.duckdb", sql) == query(tmp_path / "direct.duckdb", sql), table
    assert query(tmp_path / "staged.duckdb", "select file, error_code from raw.load_errors "
                                             "where error_code = 'duplicate_file'") == [("zz-copy.txt", "duplicate_file")]


@pytest.fixture
def mixed_raw(tmp_path):
    """The seeds, two external final accounts as text, and a copy of one seed under another name."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    for suffix in (".pdfplumber.txt", ".pymupdf.txt"):
        shutil.copy(external_file(PUTUO, suffix), raw / f"putuo{suffix}")
    shutil.copy(SHAOGUAN_2024, raw / "zz-copy.txt")
    return raw


def test_dask_cluster_of_two_workers_builds_the_same_warehouse(mixed_raw, tmp_path, prefect_harness, monkeypatch):
    monkeypatch.setenv("JUESUAN_BATCH_SIZE", "2")  # four batches: both workers take some
    single = pipeline(raw=str(mixed_raw), warehouse=str(tmp_path / "single.duckdb"), build=str(tmp_path / "b1"))
    lake = tmp_path / "lake"
    dask = run_pipeline(raw=str(mixed_raw), warehouse=str(tmp_path / "dask.duckdb"), build=str(tmp_path / "b2"),
                        dask="local:2", parquet=str(lake))
    assert dask.extracted == single.extracted and len(dask.extracted) == 8
    assert (dask.load.documents, dask.load.failed_files) == (single.load.documents, single.load.failed_files) == (7, [])
    assert query(tmp_path / "dask.duckdb", SHAOGUAN_TOTAL.format(file=SHAOGUAN_2024.name)) == [
        (D("1393.590000"), "1,393.59", 218)]
    # The Parquet beside it: partitioned by year and kind, the same rows.
    assert (lake / "raw.table_rows" / "fiscal_year=2024" / "kind=final_accounts").is_dir()
    assert duckdb.sql(f"""select sum(amount) filter (where file = '{SHAOGUAN_2024.name}' and name = '合计'
                                  and table_key = 'expenditure_by_function' and measure = 'total'), count(*)
                          from read_parquet('{lake}/raw.table_rows/*/*/*.parquet', hive_partitioning = true)
                          join read_parquet('{lake}/raw.documents/*/*/*.parquet') using (sha256)""").fetchall() == [
        (D("1393.590000"), query(tmp_path / "dask.duckdb", "select count(*) from raw.table_rows")[0][0])]
    one, cluster = snapshot(tmp_path / "single.duckdb"), snapshot(tmp_path / "dask.duckdb")
    assert {"raw.table_rows", "main.fct_expenditure_by_function", "main.mart_agency_year_overview",
            "main.dq_results"} <= set(one)
    assert one.keys() == cluster.keys()
    for relation in one:
        assert cluster[relation] == one[relation], relation


def test_dbt_docs_are_regenerated_only_when_the_models_change(tmp_path, prefect_harness):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SHAOGUAN_2024, raw)
    build = tmp_path / "build"
    target = build / "dbt" / "target"
    pipeline(raw=str(raw), warehouse=str(tmp_path / "w.duckdb"), build=str(build))
    made = (target / "catalog.json").stat().st_mtime_ns
    assert "fct_expenditure_by_function" in (target / "catalog.json").read_text()
    shutil.copy(GANZHOU_2023, raw)  # new rows, same models: the docs stay
    second = pipeline(raw=str(raw), warehouse=str(tmp_path / "w.duckdb"), build=str(build))
    assert second.extracted == [GANZHOU_2023.name]
    assert (target / "catalog.json").stat().st_mtime_ns == made
    (target / "docs_fingerprint").write_text("models of an older checkout")  # as if the models had changed
    (raw / GANZHOU_2023.name).unlink()
    pipeline(raw=str(raw), warehouse=str(tmp_path / "w.duckdb"), build=str(build))
    assert (target / "catalog.json").stat().st_mtime_ns > made


CHECK_MODELS = ("quality.chk_table_rules", "quality.chk_document_rules", "quality.chk_prose_rules",
                "quality.chk_performance_rules")


def _dq_rows(warehouse, file=None, table="dq_results"):
    where = f"where file_name = '{file}'" if file else ""
    run_id = "run_id, " if table == "dq_results" else ""
    return query(warehouse, f"select * exclude ({run_id}detail), replace(detail, ' · kept', '') from {table} "
                            f"{where} order by all")


def test_checks_of_unchanged_documents_are_kept_and_match_a_full_rebuild(tmp_path, prefect_harness):
    # Seeds of two agencies, then a third document added: only the new one's agency-year is checked again, and the
    # result is the same dq_results a build from scratch of all three gives.
    raw = tmp_path / "raw"
    raw.mkdir()
    shaoguan = "shaoguan-admin-service-center_2024_final-accounts.txt"
    for name in (shaoguan, "ganzhou-rongjiang-gov-service-center_2023_final-accounts.md"):
        shutil.copy(RAW / name, raw)
    warehouse = tmp_path / "w.duckdb"
    pipeline(raw=str(raw), warehouse=str(warehouse), build=str(tmp_path / "b"))
    shaoguan_before = _dq_rows(warehouse, shaoguan)
    assert len(shaoguan_before) > 200
    # Mark the stored rows of one unchanged document: kept rows keep the mark, recomputed ones would lose it.
    with duckdb.connect(str(warehouse)) as con:
        for table in ("dq_results", *CHECK_MODELS):
            con.execute(f"update {table} set detail = coalesce(detail, '') || ' · kept' where file_name = '{shaoguan}'")
    putuo = external_file(PUTUO, ".pdfplumber.txt")
    shutil.copy(putuo, raw)
    report = pipeline(raw=str(raw), warehouse=str(warehouse), build=str(tmp_path / "b"))
    assert report.extracted == [putuo.name]
    # The check models kept its rows too (computed for the new one only); it has rows in the table and prose models.
    for table in ("dq_results", *CHECK_MODELS):
        assert query(warehouse, f"select bool_and(detail like '% · kept') from {table} where file_name = '{shaoguan}'"
                     ) in ([(True,)], [(None,)]), table
    for table in ("quality.chk_table_rules", "quality.chk_prose_rules"):
        assert query(warehouse, f"select count(*) > 50 from {table} where file_name = '{shaoguan}'") == [(True,)]
    assert query(warehouse, f"select count(*) from dq_results where file_name = '{putuo.name}' and detail like "
                 "'% · kept'") == [(0,)]
    assert _dq_rows(warehouse, shaoguan) == shaoguan_before
    assert query(warehouse, "select count(distinct run_id) from dq_results") == [(1,)]
    # The same rows as a build from scratch of all three, the new document's two real errors (page 21) among them.
    fresh = tmp_path / "fresh.duckdb"
    from_scratch = pipeline(raw=str(raw), warehouse=str(fresh), build=str(tmp_path / "b2"))
    assert _dq_rows(warehouse) == _dq_rows(fresh)
    for table in CHECK_MODELS:
        assert _dq_rows(warehouse, table=table) == _dq_rows(fresh, table=table), table
    # The GX suites validated the new document's checks and the kept ones that did not pass, not every check, and
    # failed the same expectations on the same documents and pages as over every check.
    assert report.quality.failed_expectations == from_scratch.quality.failed_expectations
    assert any(putuo.name in failed for failed in report.quality.failed_expectations)
    assert from_scratch.quality.validated == from_scratch.quality.checks
    assert report.quality.validated == query(warehouse, f"select count(*) from dq_results where file_name = "
                                             f"'{putuo.name}' or outcome <> 'pass'")[0][0] < report.quality.checks
    assert query(warehouse, f"select count(*) from dq_results where file_name = '{putuo.name}' and outcome = 'fail'"
                 " and page = 21") == [(2,)]
