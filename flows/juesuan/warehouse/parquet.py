"""The warehouse as partitioned Parquet beside the DuckDB file: raw tables and models, Hive-partitioned by
fiscal year and document kind, for engines that read a lake (Spark, Trino, DuckDB over object storage)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from .connection import connect


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return [c for (c,) in con.execute("select column_name from information_schema.columns where table_schema = ? "
                                      "and table_name = ? order by ordinal_position", [schema, table]).fetchall()]


def _partitioned_select(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> tuple[str, list[str]]:
    """The rows of one table with the partition columns it has or can take from its document."""
    columns = _columns(con, schema, table)
    source = f'"{schema}"."{table}"'
    if schema == "raw" and "sha256" in columns and table != "documents":
        # Raw rows carry only their document's sha256: the year and kind come from raw.documents.
        return (f"select t.*, d.fiscal_year, d.kind from {source} t left join raw.documents d using (sha256)",
                ["fiscal_year", "kind"])
    if schema == "raw" and table == "documents":
        return f"select * from {source}", ["fiscal_year", "kind"]
    if "document_id" in columns and "document_kind" not in columns and "fiscal_year" in columns:
        return (f"select t.*, d.document_kind from {source} t "
                f"left join main.dim_document d using (document_id)", ["fiscal_year", "document_kind"])
    keys = [c for c in ("fiscal_year", "document_kind") if c in columns]
    return f"select * from {source}", keys


def export_parquet(warehouse: Path, out_dir: Path) -> dict[str, int]:
    """Write every raw table and every model table as `<out_dir>/<schema>.<table>/<partition=…>/*.parquet`.

    Written aside and swapped in whole, so readers see the previous export or the new one, never a mix.
    Returns rows written per table.
    """
    partial = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    written = {}
    with connect(warehouse, read_only=True) as con:
        tables = con.sql("""select schema_name, table_name from duckdb_tables()
                            where schema_name in ('raw', 'main') and table_name != 'schema_info'
                            order by all""").fetchall()
        for schema, table in tables:
            select, keys = _partitioned_select(con, schema, table)
            target = partial / f"{schema}.{table}"
            options = "format parquet"
            if keys:
                options += f", partition_by ({', '.join(keys)}), filename_pattern 'part_{{i}}'"
            else:
                target.mkdir()
                target = target / "part_0.parquet"
            con.execute(f"copy ({select}) to '{target}' ({options})")
            written[f"{schema}.{table}"] = con.sql(f'select count(*) from "{schema}"."{table}"').fetchall()[0][0]
    previous = out_dir.with_name(out_dir.name + ".previous")
    shutil.rmtree(previous, ignore_errors=True)
    if out_dir.exists():
        os.replace(out_dir, previous)
    os.replace(partial, out_dir)
    shutil.rmtree(previous, ignore_errors=True)
    return written
