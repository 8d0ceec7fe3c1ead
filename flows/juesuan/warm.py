"""A worker process that imports Great Expectations while the run extracts and builds, and then runs its checks.

Importing Great Expectations (with pandas) costs about 5 s of one core on every run, on the run's critical path:
for a run that changed one file, an eighth of its time. `juesuan run` starts this worker once Prefect's server
answers, so that the import runs on the other core while the documents are extracted and loaded and `dbt build`
runs (one core, mostly: dbt's own work holds the interpreter). Started earlier, beside the server's own start-up, it
slowed that down as much as it saved (measured). A flow called from Python without the CLI runs the checks in its
own process.
"""

from __future__ import annotations

import ctypes
import importlib
import logging
import multiprocessing
import signal
import sys
from collections.abc import Callable
from multiprocessing.pool import Pool
from typing import TypeVar

T = TypeVar("T")
MODULES = ("great_expectations", "juesuan.quality.validate")

_worker: Pool | None = None
_leaving: Pool | None = None  # released, exiting


def _prepare(modules: tuple[str, ...]) -> None:
    # A run killed outright must not leave its checks writing on: on Linux the worker dies with the run.
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    for name in modules:
        importlib.import_module(name)
    # A library's own INFO chatter (GX sets some of its loggers to INFO, and a root handler is installed on import)
    # stays out of the run's output, as in the run's own process; warnings and errors still show.
    for handler in logging.root.handlers:
        handler.setLevel(logging.WARNING)


def start(modules: tuple[str, ...] = MODULES) -> None:
    """Start the worker, which imports `modules` at once (a fresh process: spawned, so no thread or open database
    of this one is copied into it)."""
    global _worker
    if _worker is None:
        _worker = multiprocessing.get_context("spawn").Pool(1, initializer=_prepare, initargs=(modules,))


def call(function: Callable[..., T], *args) -> T:
    """function(*args) in the worker when one was started, else here; its exceptions are raised here either way."""
    if _worker is None:
        return function(*args)
    return _worker.apply(function, args)


def release() -> None:
    """Let the worker exit once idle, without waiting: its teardown (about a second) overlaps what the run does
    next. Later calls run here."""
    global _worker, _leaving
    if _worker is not None:
        _worker.close()
        _leaving, _worker = _worker, None


def stop() -> None:
    """Stop the worker, if one was started, once it has finished what it was given (stopped mid-way, the locks its
    libraries create in it would be reported as leaked at exit)."""
    global _leaving
    release()
    if _leaving is not None:
        _leaving.join()
        _leaving = None
