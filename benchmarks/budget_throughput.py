"""Budget extraction throughput beside final accounts', per core: pages per second for PDF and for text.

Run: .venv/bin/python benchmarks/budget_throughput.py [--repeat N] [--limit N]
Reads the twelve budgets of ../shared/corpus/budgets and the two final accounts of ../shared/corpus/external
(never copied into the project), in the same run, so the ratio budget / final accounts is what to compare.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "flows"))

from juesuan.extract.document import extract_file  # noqa: E402

CORPUS = Path(os.environ.get("JUESUAN_SHARED", ROOT.parent / "shared")) / "corpus"


def pages_per_second(paths: list[Path], repeat: int) -> tuple[float, int, float]:
    """(best seconds per pass, pages per pass, pages/s) over paths."""
    best, pages = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        pages = 0
        for path in paths:
            result = extract_file(path)
            pages += result.document["pages"] if result.document else 0
        best = min(best, time.perf_counter() - start)
    return best, pages, pages / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="at most this many budgets per format")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    for fmt, suffix in (("pdf", ".pdf"), ("text", ".pdfplumber.txt")):
        budgets = sorted((CORPUS / "budgets").glob(f"*{suffix}"))[: args.limit]
        finals = sorted((CORPUS / "external").glob(f"*{suffix}"))
        if not budgets or not finals:
            print(f"{fmt}: documents missing under {CORPUS}")
            continue
        final_s, final_pages, final_rate = pages_per_second(finals, args.repeat)
        budget_s, budget_pages, budget_rate = pages_per_second(budgets, args.repeat)
        print(f"{fmt}: final accounts {len(finals)} documents, {final_pages} pages in {final_s:.2f} s -> "
              f"{final_rate:.1f} pages/s/core; budgets {len(budgets)} documents, {budget_pages} pages in "
              f"{budget_s:.2f} s -> {budget_rate:.1f} pages/s/core ({budget_rate / final_rate:.2f} × final accounts)")


if __name__ == "__main__":
    main()
