"""Shared fixtures: where the documents are, and one Prefect test harness for the whole session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no network here: telemetry only logs failures

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "raw"
SHARED = Path(os.environ.get("JUESUAN_SHARED", ROOT.parent / "shared"))
EXTERNAL = SHARED / "corpus" / "external"

sys.path.insert(0, str(Path(__file__).parent))  # tests/identities.py

SHAOGUAN_2024 = RAW / "shaoguan-admin-service-center_2024_final-accounts.txt"
GANZHOU_2023 = RAW / "ganzhou-rongjiang-gov-service-center_2023_final-accounts.md"
SHAOGUAN_2020 = RAW / "shaoguan-admin-service-center_2020_project-self-evaluation.txt"
LECHANG_2020 = RAW / "lechang-admin-service-center_2020_dept-self-evaluation.txt"
LECHANG_2022 = RAW / "lechang-admin-service-center_2022_dept-self-evaluation.md"
PUTUO = "上海市普陀区财政局_2024_部门决算"
FOSHAN = "佛山市轨道交通局_2019_部门决算"
FORMATS = (".pdf", ".pdfplumber.txt", ".pymupdf.txt")


def external_file(base: str, suffix: str) -> Path:
    """A document from ../shared/corpus/external; skips when that folder is not beside the checkout."""
    path = EXTERNAL / f"{base}{suffix}"
    if not path.is_file():
        pytest.skip(f"{path} is missing: clone the project next to the shared/ folder (or set JUESUAN_SHARED)")
    return path


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for every flow test in the session.

    The harness migrates a new database inside its start-up deadline (30 s by default): on a busy machine or a
    fresh home that is missed, so it gets the same generous start-up time as `juesuan run`.
    """
    from juesuan.orchestrator import startup_timeout
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=startup_timeout()):
        yield


def build_warehouse(tmp: Path, files) -> tuple[Path, object]:
    """Run the whole pipeline over copies of `files` (paths, or (name, text) pairs) into tmp."""
    from juesuan.pipeline import pipeline

    raw = tmp / "raw"
    raw.mkdir(parents=True)
    for item in files:
        if isinstance(item, Path):
            (raw / item.name).write_bytes(item.read_bytes())
        else:
            name, text = item
            (raw / name).write_text(text, encoding="utf-8")
    warehouse = tmp / "warehouse.duckdb"
    report = pipeline(raw=str(raw), warehouse=str(warehouse), build=str(tmp / "build"))
    return warehouse, report


@pytest.fixture(scope="session")
def raw_build(tmp_path_factory, prefect_harness):
    """The warehouse, dbt docs and data docs built from raw/, once per session: (warehouse, report, build dir)."""
    tmp = tmp_path_factory.mktemp("raw_build")
    warehouse, report = build_warehouse(tmp, sorted(RAW.iterdir()))
    return warehouse, report, tmp / "build"
