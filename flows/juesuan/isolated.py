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
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()
