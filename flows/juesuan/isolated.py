"""Running one stage of the pipeline in a process of its own, so the memory it grows is returned when it ends."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def in_own_process(function: Callable[..., T], *args) -> T:
    """function(*args) in a fresh process: its result returned, its exception raised here.

    Spawned, not forked: the caller runs threads (Prefect's), with which fork is not safe. The child inherits the
    environment, so it reads the same settings.
    """
    return PreparedProcess().run(function, *args)


class PreparedProcess:
    """A process of its own for one stage, started before the stage: `prepare(*args)`, given here, runs at once
    (imports, set-up) while the stages before it run in this process, then `run()` makes the stage's one call
    there. Spawned, as in_own_process."""

    def __init__(self, prepare: Callable[..., object] | None = None, *args):
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        # A failed preparation is not raised here: the call then does the same work and fails with its own error.
        if prepare is not None:
            self._pool.submit(prepare, *args)

    def run(self, function: Callable[..., T], *args) -> T:
        """function(*args) in the prepared process: its result returned, its exception raised here; the process
        then ends."""
        try:
            return self._pool.submit(function, *args).result()
        finally:
            self._pool.shutdown()

    def close(self) -> None:
        """End the process unused (a stage before failed)."""
        self._pool.shutdown(cancel_futures=True)
