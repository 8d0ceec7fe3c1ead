"""Peak memory of the stages after the load (dbt build, checks, dbt docs, report), on a copy of a built warehouse.

Run: .venv/bin/python benchmarks/stage_memory.py WAREHOUSE
     (a warehouse kept by `benchmarks/scale_run.py 10000 --keep DIR`: DIR/n10000/w.duckdb)

The stages run in this process as the flow runs them (the checks in a process of their own, as its task does), on a
copy whose dbt state is removed, so `dbt build` rebuilds every model as a first run does. A sampler sums the resident
sets of this process and its children every 0.05 s; each stage prints its time, its peak and what is left after it.
Prefect's server, which a real run adds (about 220 MB), is not started here.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "flows"))


class TreePeak(threading.Thread):
    """Samples the summed resident sets of this process and its children; a stage's peak is the largest sample
    taken since it started."""

    def __init__(self):
        super().__init__(daemon=True)
        self.process, self.samples, self.halt = psutil.Process(), [], threading.Event()

    def resident(self) -> int:
        total = self.process.memory_info().rss
        for child in self.process.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return total

    def run(self) -> None:
        while not self.halt.is_set():
            self.samples.append((time.time(), self.resident()))
            time.sleep(0.05)

    def stage(self, name: str, started: float) -> float:
        """Print the stage begun at `started`; returns the time the next one begins."""
        peak = max((rss for at, rss in list(self.samples) if at >= started), default=0)
        print(f"  {name:<10} {time.time() - started:7.1f} s   peak {peak / 2**20:7,.0f} MB   "
              f"after {self.resident() / 2**20:7,.0f} MB", flush=True)
        return time.time()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    args = parser.parse_args()
    import duckdb
    from juesuan.isolated import in_own_process
    from juesuan.quality.validate import validate_warehouse
    from juesuan.report.html import write_report
    from juesuan.warehouse.dbt import build_models, generate_docs

    print(f"machine: {platform.machine()}, {psutil.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GB, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        warehouse, pages = Path(tmp) / "w.duckdb", Path(tmp) / "pages"
        shutil.copyfile(args.warehouse, warehouse)
        with duckdb.connect(str(warehouse)) as con:
            con.execute("drop table if exists meta.dbt_state")
            documents = con.sql("select count(*) from dim_document").fetchall()[0][0]
        print(f"{documents:,} documents")
        sampler = TreePeak()
        sampler.start()
        started = sampler.stage("start", time.time())
        build_models(warehouse, pages, "stage-memory")
        started = sampler.stage("dbt build", started)
        quality = in_own_process(validate_warehouse, warehouse, pages, "stage-memory")
        started = sampler.stage("checks", started)
        generate_docs(warehouse, pages)
        started = sampler.stage("dbt docs", started)
        write_report(warehouse, pages / "report")
        sampler.stage("report", started)
        sampler.halt.set()
        print(f"{quality.checks:,} checks")


if __name__ == "__main__":
    main()
