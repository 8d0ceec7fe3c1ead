"""Running the dbt project (models, seeds and dbt tests) in process, against the warehouse file."""

from __future__ import annotations

import hashlib
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..settings import DBT_PROJECT, duckdb_memory
from .connection import connect

PARTIAL_PARSE = "partial_parse.msgpack"


class DbtBuildError(RuntimeError):
    """dbt build or docs generation failed: the warehouse's models are not to be trusted."""


@dataclass
class DbtSummary:
    """What one dbt build did."""

    models: int = 0
    tests_passed: int = 0
    seeds: int = 0
    failures: list[str] = field(default_factory=list)


@contextmanager
def _warehouse_env(warehouse: Path):
    # The profile reads the warehouse path and DuckDB's memory limit from the same settings as the rest of the project.
    values = {"JUESUAN_WAREHOUSE": str(warehouse), "JUESUAN_DUCKDB_MEMORY": duckdb_memory()}
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def preload() -> None:
    """Import dbt and its DuckDB adapter now (about 2 s): a run does it while Prefect's temporary server starts in
    its own process, instead of when the build begins."""
    import dbt.adapters.duckdb.impl  # noqa: F401
    import dbt.cli.main  # noqa: F401
    import dbt.version  # noqa: F401


def _invoke(command: list[str], build_dir: Path):
    from dbt.cli.main import dbtRunner

    target = build_dir / "dbt" / "target"
    args = [*command, "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
            "--target-path", str(target), "--log-path", str(build_dir / "dbt" / "logs"), "--quiet"]
    return dbtRunner().invoke(args)


def _release_warehouse() -> None:
    """Close the DuckDB instance dbt-duckdb keeps open for the process after an in-process run.

    Left open, it holds the warehouse read-write, and this process could not open it read-only afterwards.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
        DuckDBConnectionManager.close_all_connections()


def build_models(warehouse: Path, build_dir: Path, run_id: str | None = None,
                 published: Path | None = None) -> DbtSummary:
    """`dbt build` (seeds, models, dbt tests); raises DbtBuildError on any failure.

    Models kept by document are built incrementally (the documents run_id loaded, and those that left); when the
    models changed since the warehouse's last build, everything is rebuilt (--full-refresh). `published`: the pages
    of the last published run, whose dbt parse is reused where the project did not change (partial parsing).
    """
    summary = DbtSummary()
    fingerprint = models_fingerprint()
    arguments = ["build"]
    if _built_with(warehouse) != fingerprint:
        arguments.append("--full-refresh")
    with connect(warehouse) as con:
        con.execute("create schema if not exists meta")
        con.execute("create or replace table meta.dbt_run as select ? as run_id", [run_id or ""])
    _carry_parse(published, build_dir)
    with _warehouse_env(warehouse):
        try:
            _build(summary, build_dir, arguments)
        finally:
            _release_warehouse()
    with connect(warehouse) as con:
        con.execute("create schema if not exists meta")
        con.execute("create or replace table meta.dbt_state as select ? as models_fingerprint", [fingerprint])
    return summary


def _carry_parse(published: Path | None, build_dir: Path) -> None:
    """Start from the published run's parse of the project: dbt checks it against the project's files, its version
    and settings, and parses again only what changed (a whole parse costs several CPU-seconds every run)."""
    made = published / "dbt" / "target" / PARTIAL_PARSE if published is not None else None
    target = build_dir / "dbt" / "target"
    if made is not None and made.is_file() and not (target / PARTIAL_PARSE).exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(made, target / PARTIAL_PARSE)


def _built_with(warehouse: Path) -> str | None:
    """The models fingerprint of the warehouse's last dbt build, if any."""
    if not warehouse.exists():
        return None
    with connect(warehouse, read_only=True) as con:
        if not con.sql("select 1 from duckdb_tables() where schema_name = 'meta' and table_name = 'dbt_state'").fetchall():
            return None
        return con.sql("select models_fingerprint from meta.dbt_state").fetchall()[0][0]


def models_fingerprint() -> str:
    """A hash of what the dbt docs describe: the project's models, seeds, macros, docs and settings, dbt's version,
    and the code that shapes the raw tables and the check results the docs also list."""
    from dbt.version import __version__

    from .publish import code_fingerprint

    digest = hashlib.sha256(__version__.encode() + code_fingerprint().encode())
    for path in sorted(p for p in DBT_PROJECT.rglob("*") if p.is_file() and p.suffix in (".sql", ".yml", ".csv", ".md")
                       and "target" not in p.relative_to(DBT_PROJECT).parts):
        digest.update(str(path.relative_to(DBT_PROJECT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def generate_docs(warehouse: Path, build_dir: Path, published: Path | None = None) -> bool:
    """`dbt docs generate --static` (one self-contained static_index.html that opens without a server) into
    build_dir, unless the models are unchanged since the docs in `published` (the
    pages of the last published run) were made: those are carried over instead. True when generated.

    The docs describe models and columns, which only the project defines: rows coming and going do not change them.
    """
    target = build_dir / "dbt" / "target"
    fingerprint = models_fingerprint()
    if published is not None:
        made = published / "dbt" / "target"
        names = ("index.html", "static_index.html", "catalog.json", "docs_fingerprint")
        if all((made / name).exists() for name in names) and (made / "docs_fingerprint").read_text() == fingerprint:
            target.mkdir(parents=True, exist_ok=True)
            for name in names:
                shutil.copy2(made / name, target / name)
            return False
    with _warehouse_env(warehouse):
        try:
            docs = _invoke(["docs", "generate", "--static"], build_dir)
        finally:
            _release_warehouse()
    if not docs.success:
        raise DbtBuildError(f"dbt docs generate failed: {docs.exception}")
    (target / "docs_fingerprint").write_text(fingerprint)
    return True


def _build(summary: DbtSummary, build_dir: Path, arguments: list[str]) -> None:
    """Run dbt build, recording what ran into summary."""
    result = _invoke(arguments, build_dir)
    if result.exception is not None:
        raise DbtBuildError(f"dbt build could not run: {result.exception}")
    for node_result in result.result or []:
        node = node_result.node
        status = str(node_result.status)
        if status in ("error", "fail"):
            summary.failures.append(f"{node.resource_type} {node.name}: {node_result.message}")
        elif node.resource_type == "model":
            summary.models += 1
        elif node.resource_type == "test":
            summary.tests_passed += 1
        elif node.resource_type == "seed":
            summary.seeds += 1
    if summary.failures or not result.success:
        raise DbtBuildError("dbt build failed: " + "; ".join(summary.failures or [f"see {build_dir / 'dbt' / 'logs'}"]))
