"""Running the dbt project (models, seeds and dbt tests) in process, against the warehouse file."""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..settings import DBT_PROJECT


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
    # The profile reads the warehouse path from the same setting as the rest of the project.
    previous = os.environ.get("JUESUAN_WAREHOUSE")
    os.environ["JUESUAN_WAREHOUSE"] = str(warehouse)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("JUESUAN_WAREHOUSE", None)
        else:
            os.environ["JUESUAN_WAREHOUSE"] = previous


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


def build_models(warehouse: Path, build_dir: Path) -> DbtSummary:
    """`dbt build` (seeds, models, dbt tests); raises DbtBuildError on any failure."""
    summary = DbtSummary()
    with _warehouse_env(warehouse):
        try:
            _build(summary, build_dir)
        finally:
            _release_warehouse()
    return summary


def generate_docs(warehouse: Path, build_dir: Path) -> Path:
    """`dbt docs generate --static`: one self-contained static_index.html that opens without a server."""
    with _warehouse_env(warehouse):
        try:
            docs = _invoke(["docs", "generate", "--static"], build_dir)
        finally:
            _release_warehouse()
    if not docs.success:
        raise DbtBuildError(f"dbt docs generate failed: {docs.exception}")
    return build_dir / "dbt" / "target" / "static_index.html"


def _build(summary: DbtSummary, build_dir: Path) -> None:
    """Run dbt build, recording what ran into summary."""
    result = _invoke(["build"], build_dir)
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
