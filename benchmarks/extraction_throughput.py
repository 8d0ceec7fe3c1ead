"""Extraction throughput on this machine, per core: documents and pages per second, for text and for PDF.

Run: .venv/bin/python benchmarks/extraction_throughput.py [--repeat N]
Reads the seeds in raw/ and the documents in ../shared/corpus/external (never copied into the project).
One process, so the figures are per core; a run uses one worker process per core.
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

EXTERNAL = Path(os.environ.get("JUESUAN_SHARED", ROOT.parent / "shared")) / "corpus" / "external"


def measure(paths: list[Path], repeat: int) -> tuple[float, int, int]:
    """Seconds per pass over paths (best of `repeat`), documents and pages per pass."""
    best = float("inf")
    pages = 0
    for _ in range(repeat):
        start = time.perf_counter()
        pages = 0
        for path in paths:
            result = extract_file(path)
            pages += result.document["pages"] if result.document else 0
        best = min(best, time.perf_counter() - start)
    return best, len(paths), pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    text = sorted(p for p in (ROOT / "raw").iterdir() if p.suffix in (".txt", ".md"))
    text += sorted(EXTERNAL.glob("*.txt"))
    pdf = sorted(EXTERNAL.glob("*.pdf"))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    for label, paths in (("text", text), ("pdf", pdf)):
        if not paths:
            print(f"{label}: no documents found")
            continue
        seconds, docs, pages = measure(paths, args.repeat)
        print(f"{label}: {docs} documents, {pages} pages in {seconds:.3f} s per pass -> "
              f"{docs / seconds:.1f} documents/s/core, {pages / seconds:.1f} pages/s/core")


if __name__ == "__main__":
    main()
