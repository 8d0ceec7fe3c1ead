"""The report stage over a built warehouse: every page rendered, then again with the first report as the published
one (nothing changed, so every agency and document page is copied), in one process.

Run: .venv/bin/python benchmarks/report_pages.py WAREHOUSE
WAREHOUSE: any warehouse a run built, e.g. the one `benchmarks/scale_run.py 1000` leaves, or `warehouse.duckdb` of
`make warehouse`. Prints CPU seconds of each report and their ratio.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "flows"))

from juesuan.report.html import write_report  # noqa: E402


def cpu(function) -> float:
    start = time.process_time()
    function()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        first, second = Path(tmp) / "first", Path(tmp) / "second"
        full = cpu(lambda: write_report(args.warehouse, first))
        pages = len(list(first.glob("*/*.html")))
        reused = cpu(lambda: write_report(args.warehouse, second, previous=first))
    print(f"pages: {pages} agency and document pages")
    print(f"every page rendered:          {full:7.1f} CPU-s")
    print(f"pages copied (none changed):  {reused:7.1f} CPU-s  ({reused / full:.2f}× the full report)")


if __name__ == "__main__":
    main()
