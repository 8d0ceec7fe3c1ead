"""A worker process that imports dbt and Great Expectations while the run starts, and then runs its dbt build and
its checks.

Importing them costs seconds of one core on every run (dbt about 3 s, Great Expectations with pandas about 5 s), on
the run's critical path: for a run that changed one file, a quarter of its time. `juesuan run` starts this worker
first, so that it imports them on the other core while Prefect's server starts and the documents are extracted.
A flow called in-process without one (as the tests call it) runs the same functions in its own process.
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
MODULES = ("dbt.cli.main", "dbt.adapters.duckdb", "great_expectations", "juesuan.warehouse.dbt",
           "juesuan.quality.validate")

_worker: Pool | None = None
_leaving: Pool | None = None  # released, exiting


def _prepare(modules: tuple[str, ...]) -> None:
    # A run killed outright must not leave its dbt build writing on: on Linux the worker dies with the run.
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
    """Stop the worker, if one was started, once it has finished what it was given (stopped mid-way, the locks dbt
    creates in it would be reported as leaked at exit)."""
    global _leaving
    release()
    if _leaving is not None:
        _leaving.join()
        _leaving = None
