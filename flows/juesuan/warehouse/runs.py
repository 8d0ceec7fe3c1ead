"""The warehouse's own history: one row per run, and what the last build was made from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .connection import connect

DDL = """
create schema if not exists meta;
create table if not exists meta.runs (
    run_id varchar primary key, started_at timestamp not null, finished_at timestamp not null, status varchar not null,
    files integer not null, extracted integer not null, reused integer not null, documents integer not null,
    failed_files integer not null, load_errors integer not null, load_warnings integer not null,
    checks integer not null, checks_passed integer not null, checks_rounding integer not null,
    checks_failed integer not null, inputs_fingerprint varchar not null
);
"""


@dataclass
class Previous:
    """What the served warehouse was built from: its fingerprint and its loaded documents (sha256 → file)."""

    fingerprint: str | None
    documents: dict[str, tuple[str, str]]  # sha256 → (file, extractor version)
    last_run: dict | None
    raw_schema: str | None = None


def read_previous(served: Path) -> Previous:
    """Read the served warehouse's build record (read-only: runs never write the served file)."""
    if not served.exists():
        return Previous(None, {}, None, None)
    with connect(served, read_only=True) as con:
        tables = {t for (t,) in con.sql("select schema_name || '.' || table_name from duckdb_tables()").fetchall()}
        documents = {}
        if "raw.documents" in tables:
            documents = {sha: (file, version) for sha, file, version in
                         con.sql("select sha256, file, extractor_version from raw.documents").fetchall()}
        raw_schema = None
        if "raw.schema_info" in tables:
            raw_schema = con.execute("select version from raw.schema_info").fetchall()[0][0]
        last = None
        if "meta.runs" in tables:
            rows = con.sql("select * from meta.runs order by finished_at desc limit 1").to_arrow_table().to_pylist()
            last = rows[0] if rows else None
    return Previous(last["inputs_fingerprint"] if last else None, documents, last, raw_schema)


def record_run(warehouse: Path, record: dict) -> None:
    """Append this run to meta.runs in the build file."""
    with connect(warehouse) as con:
        con.execute(DDL)
        columns = ", ".join(record)
        con.execute(f"insert into meta.runs ({columns}) values ({', '.join('?' for _ in record)})", list(record.values()))


def now() -> dt.datetime:
    """UTC now, naive (DuckDB timestamps)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
