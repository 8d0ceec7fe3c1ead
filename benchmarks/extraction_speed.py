"""Extraction speed against references measured in the same run: PDF pages/s against pdfplumber's extract_words,
text extraction against a bare regex pass, and one PDF checked end to end against GovBudgetChecker's times.

Run: .venv/bin/python benchmarks/extraction_speed.py [--repeat N] [--all-pdfs] [--skip-check] [--check-runs N]
Reads ../shared/corpus (never copied into the project). Times are CPU seconds of this process (or of the child
process for `juesuan check`) unless marked wall: on a shared machine CPU time is what the code costs.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "flows"))

from juesuan.extract.document import extract_file  # noqa: E402
from juesuan.extract.pdfwords import pdfium_pages, pdfplumber_pages  # noqa: E402

CORPUS = Path(os.environ.get("JUESUAN_SHARED", ROOT.parent / "shared")) / "corpus"
# GovBudgetChecker on the same PDFs (../shared/docs/PEERS.md): engine time and whole process, median of 3.
PEER_SECONDS = {"上海市普陀区财政局_2024_部门决算.pdf": (1.82, 2.71), "佛山市轨道交通局_2019_部门决算.pdf": (2.40, 3.37)}
# The bare pass: read, decode, split lines and find every figure and code with one compiled regex.
FIGURE = re.compile(r"-?\d[\d,]*\.\d+|\b\d{3,7}\b")


def cpu_best(function, repeat: int) -> float:
    """Best CPU seconds of `repeat` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        function()
        best = min(best, time.process_time() - start)
    return best


def bare_regex_pass(paths: list[Path]) -> int:
    found = 0
    for path in paths:
        for line in path.read_bytes().decode("utf-8-sig").split("\n"):
            found += len(FIGURE.findall(line))
    return found


def pdf_figures(pdfs: list[Path], repeat: int) -> None:
    datas = [p.read_bytes() for p in pdfs]
    pages = sum(sum(1 for _ in pdfium_pages(d)) for d in datas)
    plumber = cpu_best(lambda: [list(pdfplumber_pages(d)) for d in datas], max(1, repeat // 2))
    pdfium = cpu_best(lambda: [list(pdfium_pages(d)) for d in datas], repeat)
    extraction = cpu_best(lambda: [extract_file(p) for p in pdfs], repeat)
    print(f"PDF, {len(pdfs)} documents, {pages} pages:")
    print(f"  pdfplumber extract_words   {pages / plumber:8.1f} pages/s")
    print(f"  pdfium words (this reader) {pages / pdfium:8.1f} pages/s   {plumber / pdfium:5.1f}x extract_words")
    print(f"  whole extraction (pdfium)  {pages / extraction:8.1f} pages/s   {plumber / extraction:5.1f}x extract_words")


def clear_caches() -> None:
    """Empty every cache the extraction keeps (lru_cache'd functions): each pass then pays for every text once,
    as a fresh worker reading these files would, not for what the pass before it already worked out."""
    for module in [m for name, m in sys.modules.items() if name.startswith("juesuan.")]:
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def text_figures(texts: list[Path], repeat: int) -> None:
    bare = cpu_best(lambda: bare_regex_pass(texts), repeat * 3)
    extraction = cpu_best(lambda: (clear_caches(), [extract_file(p) for p in texts]), repeat)
    size = sum(p.stat().st_size for p in texts) / 1e6
    print(f"text, {len(texts)} files, {size:.2f} MB:")
    print(f"  bare regex pass            {bare * 1000:8.1f} ms")
    print(f"  whole extraction           {extraction * 1000:8.1f} ms   {bare / extraction:6.3f}x the bare pass")


def check_figures(pdfs: list[Path], runs: int) -> None:
    print(f"one PDF checked end to end (`juesuan check FILE`, a fresh process each time, median of {runs} after one "
          "run that warms the caches):")
    # As on a user's machine: Python keeps its bytecode (some sandboxes set PYTHONDONTWRITEBYTECODE, and every
    # process then compiles the project's modules again) and `juesuan check` its rendered model SQL.
    env = {**os.environ, "PYTHONPATH": str(ROOT / "flows")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for pdf in pdfs:
        if pdf.name not in PEER_SECONDS:
            continue
        walls, cpus = [], []
        subprocess.run([sys.executable, "-m", "juesuan.cli", "check", str(pdf)], env=env, capture_output=True)
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "juesuan.cli", "check", str(pdf)], env=env,
                                  capture_output=True, text=True)
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if done.returncode not in (0, 1):
                raise SystemExit(f"juesuan check {pdf.name} failed: {done.stderr.strip()}")
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        peer = PEER_SECONDS[pdf.name][1]
        verdict = done.stdout.splitlines()[1] if len(done.stdout.splitlines()) > 1 else done.stdout.strip()
        print(f"  {pdf.name}: wall {wall:5.2f} s, CPU {cpu:5.2f} s; GovBudgetChecker whole process {peer:.2f} s "
              f"-> wall {wall / peer:4.2f}x, CPU {cpu / peer:4.2f}x its time ({verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--all-pdfs", action="store_true", help="the twelve budget PDFs too (pdfplumber is slow)")
    parser.add_argument("--skip-check", action="store_true", help="no `juesuan check` timings")
    parser.add_argument("--check-runs", type=int, default=9, help="`juesuan check` runs per PDF (the median is shown)")
    args = parser.parse_args()
    pdfs = sorted((CORPUS / "external").glob("*.pdf"))
    if args.all_pdfs:
        pdfs += sorted((CORPUS / "budgets").glob("*.pdf"))
    texts = sorted((CORPUS / "seeds").iterdir()) + sorted((CORPUS / "external").glob("*.txt"))
    texts += sorted((CORPUS / "budgets").glob("*.txt"))
    load = os.getloadavg()[0]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {load:.1f}")
    pdf_figures(pdfs, args.repeat)
    text_figures(texts, args.repeat)
    if not args.skip_check:
        check_figures(pdfs, args.check_runs)


if __name__ == "__main__":
    main()
