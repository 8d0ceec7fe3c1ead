"""Whole-run cost at N synthetic documents: wall time, CPU time and peak memory per stage of `juesuan run`.

Run: nice -n 10 python benchmarks/scale_run.py [N ...] [--rerun] [--keep DIR] [--juesuan-arg ARG ...]
     (default N: 100 1000)

Each N gets a fresh synthetic corpus (benchmarks/synthetic_corpus.py) in a temporary folder and one `juesuan run`
in its own process, as a user runs it. A sampler follows the run's whole process tree (the flow process, its
extraction workers, Prefect's temporary server) every 0.2 s: CPU is the tree's user + system time, memory the sum of
the tree's resident sets (an upper bound: shared pages count once per process). Stages come from the task runs
Prefect recorded for the flow run (its database under PREFECT_HOME): `start` is everything before the first task
(imports, Prefect's server, hashing the inputs), `publish` everything after the last. With --rerun, the same
warehouse is run again unchanged, then with one file changed, and both are given as ratios of the full run.
The reference, measured just before each run in the same process tree's conditions, is one in-process extraction
of the five seed documents: figures divided by it compare across machines and loads.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_corpus import load_templates, make_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
JUESUAN = str(Path(sys.executable).parent / "juesuan")
# Task name prefixes → the stage they belong to (names of the current flow and of earlier ones).
STAGES = [
    ("discover", "start"), ("extract", "extract"), ("load", "load"), ("build-models", "dbt"),
    ("dbt-docs", "docs"), ("generate-docs", "docs"), ("generate-dbt-docs", "docs"), ("validate", "checks"), ("data-quality", "checks"),
    ("find-unregistered", "report"), ("write-report", "report"), ("export", "parquet"),
]
ORDER = ["start", "extract", "load", "dbt", "docs", "checks", "report", "parquet", "publish"]


@dataclass
class Sample:
    at: float  # epoch seconds
    cpu: float  # cumulative CPU seconds of the tree
    rss: int  # bytes


@dataclass
class RunCost:
    """One measured run: totals and per-stage figures."""

    wall: float
    cpu: float
    peak: int
    exit_code: int
    stages: dict[str, tuple[float, float, int]] = field(default_factory=dict)  # stage → wall, cpu, peak rss


class TreeSampler(threading.Thread):
    """Samples a process tree's cumulative CPU and summed RSS until stopped."""

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.interval = interval
        self.samples: list[Sample] = []
        self._cpu_by_pid: dict[tuple[int, float], float] = {}  # (pid, create time) → last CPU seen
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)
        self.sample()

    def sample(self) -> None:
        rss = 0
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            processes = []
        for process in processes:
            try:
                with process.oneshot():
                    times = process.cpu_times()
                    # A process's own time only: children's times would count the workers twice once reaped.
                    self._cpu_by_pid[(process.pid, process.create_time())] = times.user + times.system
                    rss += process.memory_info().rss
            except psutil.Error:
                continue
        self.samples.append(Sample(time.time(), sum(self._cpu_by_pid.values()), rss))

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _epoch(text: str | None) -> float | None:
    if not text:
        return None
    value = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


def task_spans(prefect_home: Path, since: float) -> tuple[list[tuple[str, float, float]], float | None, float | None]:
    """(task name, start, end) of the task runs of the newest flow run started after `since`, and the flow's span."""
    db = prefect_home / "prefect.db"
    if not db.exists():
        return [], None, None
    with sqlite3.connect(db) as con:
        flows = con.execute("select id, start_time, end_time from flow_run order by created desc limit 1").fetchall()
        if not flows or (_epoch(flows[0][1]) or 0) < since:
            return [], None, None
        flow_id, flow_start, flow_end = flows[0]
        rows = con.execute("select name, start_time, end_time from task_run where flow_run_id = ?", (flow_id,)).fetchall()
    spans = [(name, _epoch(start), _epoch(end)) for name, start, end in rows if start and end]
    return sorted(spans, key=lambda s: s[1]), _epoch(flow_start), _epoch(flow_end)


def _stage_of(task_name: str) -> str:
    return next((stage for prefix, stage in STAGES if task_name.startswith(prefix)), "other")


def _cpu_at(samples: list[Sample], at: float) -> float:
    """The tree's cumulative CPU at a moment, interpolated between samples."""
    before = [s for s in samples if s.at <= at]
    after = [s for s in samples if s.at >= at]
    if not before:
        return samples[0].cpu
    if not after:
        return samples[-1].cpu
    a, b = before[-1], after[0]
    if b.at == a.at:
        return a.cpu
    return a.cpu + (b.cpu - a.cpu) * (at - a.at) / (b.at - a.at)


def stage_costs(samples: list[Sample], spans, started: float, ended: float) -> dict[str, tuple[float, float, int]]:
    """Wall, CPU and peak RSS per stage; a stage runs from the end of the previous task to the end of its last."""
    boundaries: list[tuple[str, float, float]] = []
    cursor = started
    for name, start, end in spans:
        stage = _stage_of(name)
        if start > cursor and not boundaries:
            boundaries.append(("start", cursor, start))
            cursor = start
        if boundaries and boundaries[-1][0] == stage:
            boundaries[-1] = (stage, boundaries[-1][1], max(end, boundaries[-1][2]))
        else:
            boundaries.append((stage, cursor, max(end, cursor)))
        cursor = max(cursor, end)
    boundaries.append(("publish", cursor, ended))
    costs: dict[str, tuple[float, float, int]] = {}
    for stage, start, end in boundaries:
        inside = [s.rss for s in samples if start <= s.at <= end] or [0]
        wall, cpu, peak = costs.get(stage, (0.0, 0.0, 0))
        costs[stage] = (wall + end - start, cpu + _cpu_at(samples, end) - _cpu_at(samples, start), max(peak, *inside))
    return costs


def measured_run(tmp: Path, prefect_home: Path, extra: list[str]) -> RunCost:
    """One `juesuan run` over tmp/raw, sampled."""
    env = {**os.environ, "PREFECT_HOME": str(prefect_home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    command = [JUESUAN, "run", "--quiet", "--raw", str(tmp / "raw"), "--warehouse", str(tmp / "w.duckdb"),
               "--build", str(tmp / "build"), *extra]
    started = time.time()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = TreeSampler(process.pid)
    sampler.start()
    out, err = process.communicate()
    sampler.stop()
    ended = time.time()
    if process.returncode not in (0, 1):  # 1: the run found problems in documents, which is expected here
        sys.stderr.write(err.decode()[-3000:])
    samples = sampler.samples
    spans, _, _ = task_spans(prefect_home, started)
    cost = RunCost(ended - started, samples[-1].cpu, max(s.rss for s in samples), process.returncode)
    cost.stages = stage_costs(samples, spans, started, ended) if spans else {}
    (tmp / f"run-{int(started)}.log").write_bytes(out + b"\n--- stderr ---\n" + err)
    return cost


def reference_seconds() -> float:
    """Extracting the five seed documents in this process, best of three: the same-run yardstick."""
    from juesuan.extract.document import extract_file

    seeds = sorted((Path(os.environ.get("JUESUAN_SHARED", ROOT.parent / "shared")) / "corpus" / "seeds").glob("*.*"))
    if not seeds:
        raise SystemExit("no seed documents for the reference: clone next to shared/ or set JUESUAN_SHARED")
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for path in seeds:
            extract_file(path)
        best = min(best, time.perf_counter() - start)
    return best


def _mb(value: int) -> str:
    return f"{value / 2**20:,.0f} MB"


def print_cost(label: str, cost: RunCost, reference: float) -> None:
    print(f"  {label}: wall {cost.wall:.1f} s ({cost.wall / reference:,.0f}× ref), CPU {cost.cpu:.1f} s, "
          f"peak {_mb(cost.peak)}, exit {cost.exit_code}")
    for stage in [s for s in ORDER if s in cost.stages] + [s for s in cost.stages if s not in ORDER]:
        wall, cpu, peak = cost.stages[stage]
        print(f"    {stage:8s} wall {wall:7.1f} s   CPU {cpu:7.1f} s   peak {_mb(peak):>9s}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000])
    parser.add_argument("--rerun", action="store_true", help="also an unchanged rerun and a one-file change")
    parser.add_argument("--keep", help="keep the corpora and warehouses under this folder")
    parser.add_argument("--juesuan-arg", action="append", default=[], help="an extra argument for `juesuan run`")
    args = parser.parse_args()
    prefect_home = Path(os.environ.get("PREFECT_HOME") or Path(tempfile.gettempdir()) / "prefect-scale-bench")
    prefect_home.mkdir(parents=True, exist_ok=True)
    templates = load_templates()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GB, Python {platform.python_version()}")
    for n in args.sizes:
        holder = tempfile.TemporaryDirectory(dir=args.keep) if not args.keep else None
        tmp = Path(holder.name) if holder else Path(args.keep) / f"n{n}"
        make_corpus(n, tmp / "raw", templates)
        reference = reference_seconds()
        load = os.getloadavg()
        full = measured_run(tmp, prefect_home, args.juesuan_arg)
        print(f"N = {n} (load average before {load[0]:.1f}, after {os.getloadavg()[0]:.1f}; "
              f"reference {reference:.2f} s)")
        print_cost("full run", full, reference)
        print(f"  per document: {full.wall / n * 1000:.0f} ms wall, {full.cpu / n * 1000:.0f} ms CPU")
        if args.rerun:
            unchanged = measured_run(tmp, prefect_home, args.juesuan_arg)
            print_cost(f"unchanged rerun ({unchanged.wall / full.wall:.1%} of the full run)", unchanged, reference)
            changed = sorted((tmp / "raw").iterdir())[0]
            changed.write_text(changed.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
            one = measured_run(tmp, prefect_home, args.juesuan_arg)
            print_cost(f"one file changed ({one.wall / full.wall:.1%} of the full run)", one, reference)
        sys.stdout.flush()
        if holder:
            holder.cleanup()


if __name__ == "__main__":
    main()
