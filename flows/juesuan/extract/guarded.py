"""One document's extraction under a time and a memory budget, in a worker process that can be killed.

A pathological file (a PDF with scrambled xref offsets, a deflate bomb) must cost the run one reported document,
not the run. Each worker process caps its own address space (RLIMIT_AS) and the caller waits for at most the time
budget; a worker past its time is killed and replaced, one out of memory is replaced. Whatever happens, the caller
gets an Extraction: the document's, or one carrying the reason (`timeout`, `memory`, `worker_crashed`,
`file_missing`, `extraction_failed`) as a fatal problem.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import queue
import resource
import signal
import threading
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from .document import Extraction, Problem, extract_file

DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MEMORY_MB = 1536


@dataclass(frozen=True)
class Limits:
    """The per-document budget: wall-clock seconds and address-space megabytes of the worker process."""

    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB


def load_limits() -> Limits:
    """The budget from JUESUAN_DOC_TIMEOUT (seconds) and JUESUAN_DOC_MEMORY_MB, else 120 s and 1.5 GB."""
    return Limits(float(os.environ.get("JUESUAN_DOC_TIMEOUT") or DEFAULT_TIMEOUT_S),
                  int(os.environ.get("JUESUAN_DOC_MEMORY_MB") or DEFAULT_MEMORY_MB))


@dataclass
class Outcome:
    """What one guarded extraction came to: the extraction, the seconds and the worker's peak resident memory."""

    extraction: Extraction
    seconds: float
    peak_rss_mb: float | None  # None when the worker was killed before it could say
    status: str  # ok | timeout | memory | crashed | error (a traceback in extraction code)
    traceback: str | None = None


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _serve(conn: Connection, memory_mb: int) -> None:
    """Worker loop: cap the address space, then extract each path sent and send back (status, result, peak)."""
    limit = memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn.send("ready")
    while True:
        try:
            path = conn.recv()
        except EOFError:
            return
        peak = [_rss_mb()]
        done = threading.Event()

        def sample(peak=peak, done=done) -> None:
            while not done.wait(0.02):
                peak[0] = max(peak[0], _rss_mb())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            reply = ("ok", extract_file(Path(path)), None)
        except MemoryError:
            reply = ("memory", None, None)
        except FileNotFoundError as exc:
            reply = ("missing", None, str(exc))
        except Exception:  # noqa: BLE001 - a bug in extraction code is reported with its traceback
            reply = ("error", None, traceback.format_exc())
        done.set()
        sampler.join()
        peak[0] = max(peak[0], _rss_mb())
        try:
            conn.send((*reply, peak[0]))
        except MemoryError:
            conn.send(("memory", None, None, peak[0]))
        if reply[0] == "memory":
            return  # after a MemoryError the heap may be fragmented: a fresh worker takes the next document


class _Worker:
    def __init__(self, memory_mb: int) -> None:
        ctx = multiprocessing.get_context("spawn")  # the caller runs threads (Prefect's): fork is not safe
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, memory_mb), daemon=True)
        self.process.start()
        child.close()
        self.ready = False

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


def _failed(path: Path, code: str, message: str) -> Extraction:
    try:
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        sha = None
    result = Extraction(path, sha)
    result.problems.append(Problem("error", code, message))
    result.fatal = True
    return result


class GuardedExtractor:
    """A set of worker processes extracting documents under Limits; safe to call from several threads."""

    def __init__(self, workers: int = 1, limits: Limits | None = None) -> None:
        self.limits = limits or load_limits()
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        for _ in range(max(1, workers)):
            self._idle.put(None)  # started on first use
        self._all: list[_Worker] = []
        self._lock = threading.Lock()

    def _start(self) -> _Worker:
        worker = _Worker(self.limits.memory_mb)
        with self._lock:
            self._all.append(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)

    def run(self, path: Path) -> Outcome:
        """Extract one file within the budget; never raises for anything the file does."""
        path = Path(path)
        if not path.exists():
            return Outcome(_failed(path, "file_missing", "the file was removed or renamed after the run listed it; "
                                   "not extracted"), 0.0, None, "error")
        worker = self._idle.get() or self._start()
        keep = False
        try:
            if not worker.ready:
                # A fresh worker's imports are not the document's cost: the clock starts once it says it is ready.
                if not worker.conn.poll(max(300.0, self.limits.timeout_s)):
                    return Outcome(_failed(path, "worker_crashed", "the extraction process did not start"), 0.0,
                                   None, "crashed")
                worker.conn.recv()
                worker.ready = True
            started = time.monotonic()
            worker.conn.send(str(path))
            if not worker.conn.poll(self.limits.timeout_s):
                return Outcome(_failed(path, "timeout", f"extraction took longer than the per-document budget of "
                                       f"{self.limits.timeout_s:g} s (JUESUAN_DOC_TIMEOUT); stopped, not loaded"),
                               time.monotonic() - started, None, "timeout")
            status, extraction, detail, peak = worker.conn.recv()
            keep = status != "memory"  # the worker exits after a MemoryError
        except (EOFError, OSError):
            worker.process.join(5)
            code = worker.process.exitcode
            elapsed = time.monotonic() - started if worker.ready else 0.0
            if code == -signal.SIGABRT:
                # PDFium (C++) aborts when an allocation fails; under RLIMIT_AS that is the memory budget.
                return Outcome(_failed(path, "memory", f"extraction needed more than the per-document memory budget "
                                       f"of {self.limits.memory_mb} MB (JUESUAN_DOC_MEMORY_MB): the PDF engine "
                                       "aborted on a failed allocation; stopped, not loaded"), elapsed, None, "memory")
            return Outcome(_failed(path, "worker_crashed", f"the extraction process died (exit code {code}) while "
                                   "reading this file; not loaded"), elapsed, None, "crashed")
        finally:
            if not keep:
                self._retire(worker)
            self._idle.put(worker if keep else None)
        elapsed = time.monotonic() - started
        if status == "ok":
            return Outcome(extraction, elapsed, peak, "ok")
        if status == "memory":
            return Outcome(_failed(path, "memory", f"extraction needed more than the per-document memory budget of "
                                   f"{self.limits.memory_mb} MB (JUESUAN_DOC_MEMORY_MB); stopped, not loaded"),
                           elapsed, peak, "memory")
        if status == "missing":
            return Outcome(_failed(path, "file_missing", f"the file was removed after the run listed it ({detail}); "
                                   "not extracted"), elapsed, peak, "ok")
        last = detail.strip().splitlines()[-1] if detail else "unknown error"
        return Outcome(_failed(path, "extraction_failed", f"extraction raised {last}; not loaded (a bug: please "
                               "report it with this file)"), elapsed, peak, "error", detail)

    def extract(self, path: Path) -> Extraction:
        """The Extraction of one file under the budget (see run)."""
        return self.run(path).extraction

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            workers, self._all = list(self._all), []
        for worker in workers:
            worker.stop()

    def __enter__(self) -> GuardedExtractor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
