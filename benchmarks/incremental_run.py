"""Time a first `juesuan run` over the seeds, a second with nothing changed, and a third with one file changed.

Run: .venv/bin/python benchmarks/incremental_run.py
Each run is a separate process, as a user runs it (Prefect starts its temporary server each time).
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JUESUAN = str(Path(sys.executable).parent / "juesuan")


def timed_run(tmp: Path) -> float:
    start = time.perf_counter()
    subprocess.run([JUESUAN, "run", "--quiet", "--raw", str(tmp / "raw"), "--warehouse", str(tmp / "w.duckdb"),
                    "--build", str(tmp / "build")], check=False, capture_output=True,
                   env={**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        shutil.copytree(ROOT / "raw", tmp / "raw")
        first = timed_run(tmp)
        second = timed_run(tmp)
        changed = next((tmp / "raw").glob("lechang*2022*"))
        changed.write_text(changed.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
        third = timed_run(tmp)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"first run (5 documents extracted, models, checks, docs): {first:.1f} s")
    print(f"second run, nothing changed (up to date, nothing rebuilt): {second:.1f} s ({second / first:.0%} of the first)")
    print(f"third run, one file changed (1 extracted, 4 reused, rebuilt and republished): {third:.1f} s")


if __name__ == "__main__":
    main()
