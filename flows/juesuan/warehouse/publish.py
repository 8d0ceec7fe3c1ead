"""Safe publishing: a run builds into a copy and replaces the served warehouse atomically, only on success.

DuckDB lets one process write a file and fails read-only opens while a writer holds it, so readers are served
from a file no run ever writes: the build happens in `<warehouse>.building`, renamed over the served file at the
end (an atomic replace on one filesystem). A killed or failed run leaves the served warehouse as it was.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..settings import DBT_PROJECT, EXTRACTOR_VERSION, PROJECT_ROOT


class RunInProgress(RuntimeError):
    """Another run is building the same warehouse."""


def building_path(served: Path) -> Path:
    """Where a run builds before publishing."""
    return served.with_name(served.name + ".building")


@contextmanager
def build_lock(served: Path) -> Iterator[None]:
    """Hold the warehouse's build lock for the whole run; a second concurrent run fails at once."""
    served.parent.mkdir(parents=True, exist_ok=True)
    lock_path = served.with_name(served.name + ".lock")
    with open(lock_path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise RunInProgress(f"another juesuan run is building {served} (lock {lock_path})") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def start_build(served: Path, carry_over: bool = True) -> Path:
    """A fresh build file: a copy of the served warehouse (so unchanged documents carry over), or nothing."""
    building = building_path(served)
    for stale in (building, building.with_name(building.name + ".wal")):
        stale.unlink(missing_ok=True)  # left by a killed run
    if carry_over and served.exists():
        shutil.copyfile(served, building)
    return building


def publish(building: Path, served: Path) -> None:
    """Replace the served warehouse with the finished build, atomically."""
    with open(building, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(building, served)


def discard(building: Path) -> None:
    """Remove an unfinished build."""
    building.unlink(missing_ok=True)
    building.with_name(building.name + ".wal").unlink(missing_ok=True)


def code_fingerprint() -> str:
    """A hash of everything besides the inputs that shapes the warehouse: extractor, models, rules."""
    digest = hashlib.sha256(EXTRACTOR_VERSION.encode())
    roots = [PROJECT_ROOT / "flows" / "juesuan", DBT_PROJECT, PROJECT_ROOT / "expectations"]
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".py", ".sql", ".yml", ".csv")
                           and "target" not in p.parts and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def inputs_fingerprint(files: list[tuple[str, str]]) -> str:
    """A hash of the input folder's contents: (relative path, sha256) of every file, and the code's fingerprint."""
    digest = hashlib.sha256(code_fingerprint().encode())
    for name, sha in sorted(files):
        digest.update(f"{name}\0{sha}\n".encode())
    return digest.hexdigest()
