"""Time the checks stage (the dbt check models, the GX suites, dq_results and the data docs)
on synthetic corpora: copies of two real final accounts with their agency and year rewritten.

Run: .venv/bin/python benchmarks/checks_stage.py [--documents 1000] [--reference 10]
Each document is extracted once and copied (extraction is not what is measured); the dbt build, which the checks
stage needs first, is timed apart. Prints seconds per stage and the ratio to the reference corpus measured in the
same run, so the figures compare across machines.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "flows"))
SHARED = Path(os.environ.get("JUESUAN_SHARED", ROOT.parent / "shared"))

from juesuan.extract.document import Extraction, extract_file  # noqa: E402
from juesuan.quality.validate import validate_warehouse  # noqa: E402
from juesuan.warehouse.dbt import build_models  # noqa: E402
from juesuan.warehouse.load import load_extractions  # noqa: E402

TEMPLATES = [ROOT / "raw" / "shaoguan-admin-service-center_2024_final-accounts.txt",
             SHARED / "corpus" / "external" / "上海市普陀区财政局_2024_部门决算.pymupdf.txt"]


LOAD_BATCH = 500


def synthetic(templates: list[Extraction], n: int, start: int = 0) -> list[Extraction]:
    """Copies start … start + n - 1 of the templates, each its own agency (第i号) and year (2015 + i % 10), as a new
    document."""
    out = []
    for i in range(start, start + n):
        base = templates[i % len(templates)]
        agency, year = f"{base.document['agency']}第{i}号", 2015 + i % 10
        clone = copy.deepcopy(base)
        clone.sha256 = hashlib.sha256(f"{base.sha256}-{i}".encode()).hexdigest()
        clone.path = base.path.with_name(f"synthetic-{i:05d}{base.path.suffix}")
        clone.document = {**base.document, "sha256": clone.sha256, "file": clone.path.name, "agency": agency,
                          "fiscal_year": year}
        for statement in clone.statements:  # the document stays consistent with itself
            if statement.year == base.document["fiscal_year"]:
                statement.year = year
            if statement.agency == base.document["agency"]:
                statement.agency = agency
        out.append(clone)
    return out


def measure(templates: list[Extraction], n: int) -> tuple[float, float, int]:
    """(dbt build seconds, checks stage seconds, checks) for a warehouse of n synthetic documents."""
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        warehouse = tmp / "w.duckdb"
        loaded: dict[str, str] = {}
        for start in range(0, n, LOAD_BATCH):  # a batch at a time: the copies of 10,000 would not fit in memory
            batch = synthetic(templates, min(LOAD_BATCH, n - start), start)
            load_extractions(warehouse, batch, "bench", kept=dict(loaded))
            loaded.update({e.sha256: e.path.name for e in batch})
        start = time.perf_counter()
        build_models(warehouse, tmp / "build")
        built = time.perf_counter()
        summary = validate_warehouse(warehouse, tmp / "build", "bench")
        done = time.perf_counter()
    return built - start, done - built, summary.checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--reference", type=int, default=10)
    args = parser.parse_args()
    templates = [extract_file(path) for path in TEMPLATES if path.is_file()]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    ref_dbt, ref_checks, ref_count = measure(templates, args.reference)
    dbt, checks, count = measure(templates, args.documents)
    print(f"{args.reference} documents: dbt build {ref_dbt:.1f} s, checks stage {ref_checks:.1f} s ({ref_count} checks)")
    print(f"{args.documents} documents: dbt build {dbt:.1f} s, checks stage {checks:.1f} s ({count} checks, "
          f"{count / checks:.0f} checks/s, {args.documents / checks:.1f} documents/s)")
    print(f"ratio to the {args.reference}-document reference: dbt build {dbt / ref_dbt:.1f}×, "
          f"checks stage {checks / ref_checks:.1f}× for {args.documents / args.reference:.0f}× the documents")


if __name__ == "__main__":
    main()
