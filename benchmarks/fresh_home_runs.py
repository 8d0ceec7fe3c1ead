"""`juesuan run` as a new user runs it: N runs, each with a fresh, empty HOME and Prefect home, over raw/.

Run: .venv/bin/python benchmarks/fresh_home_runs.py [--runs 5] [--burners 2] [--raw DIR]
--burners starts that many CPU-bound processes (`yes > /dev/null`) beside the runs, as a busy machine.
Prints each run's exit status, the orchestrator's start-up time (Prefect's database prepared, temporary server
answering) and the whole run's time; then the successes, and the fresh start-up as a ratio to a warm one (a run in
an already prepared home, measured at the end with the same burners).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JUESUAN = str(Path(sys.executable).parent / "juesuan")
READY = re.compile(r"orchestrator ready in ([\d.]+) s")


def one_run(raw: Path, home: Path, out: Path) -> tuple[int, float | None, float, str]:
    """Exit status, start-up seconds, total seconds and the last line of stderr of one `juesuan run`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(HOME=str(home), PREFECT_HOME=str(home / ".prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    started = time.perf_counter()
    result = subprocess.run([JUESUAN, "run", "--raw", str(raw), "--warehouse", str(out / "w.duckdb"),
                             "--build", str(out / "build")], capture_output=True, text=True, env=env)
    total = time.perf_counter() - started
    ready = READY.search(result.stderr)
    last = (result.stderr.strip().splitlines() or [""])[-1]
    return result.returncode, float(ready.group(1)) if ready else None, total, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--burners", type=int, default=0, help="CPU-bound processes beside the runs")
    parser.add_argument("--raw", type=Path, default=ROOT / "raw")
    args = parser.parse_args()
    burners = [subprocess.Popen(["sh", "-c", "yes > /dev/null"], start_new_session=True) for _ in range(args.burners)]
    results = []
    try:
        with tempfile.TemporaryDirectory() as name:
            tmp = Path(name)
            for index in range(args.runs):
                home, out = tmp / f"home{index}", tmp / f"out{index}"
                home.mkdir()
                out.mkdir()
                results.append(one_run(args.raw, home, out))
                status, ready, total, last = results[-1]
                start = f"{ready:.1f} s" if ready is not None else "-"
                print(f"fresh run {index + 1}: exit {status}, start-up {start}, run {total:.1f} s"
                      + ("" if status == 0 else f"  ({last[:160]})"), flush=True)
            warm_out = tmp / "warm"
            warm_out.mkdir()
            warm = one_run(args.raw, tmp / f"home{args.runs - 1}", warm_out)
            print(f"warm run (prepared home): exit {warm[0]}, start-up {warm[1]} s, run {warm[2]:.1f} s")
    finally:
        for burner in burners:
            os.killpg(burner.pid, signal.SIGTERM)
            burner.wait()
    succeeded = [r for r in results if r[0] == 0]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{args.burners} busy process(es) beside the runs, load average {os.getloadavg()[0]:.1f}")
    print(f"fresh-home runs that succeeded (exit 0): {len(succeeded)}/{len(results)}")
    if succeeded:
        starts = [r[1] for r in succeeded]
        print(f"start-up on a fresh home: median {statistics.median(starts):.1f} s, max {max(starts):.1f} s"
              + (f" ({statistics.median(starts) / warm[1]:.1f}x the warm home's {warm[1]:.1f} s)" if warm[1] else ""))
        print(f"whole run on a fresh home: median {statistics.median(r[2] for r in succeeded):.1f} s")


if __name__ == "__main__":
    main()
