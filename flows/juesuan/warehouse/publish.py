"""Safe publishing: a run builds the warehouse and its pages aside and publishes both together, only on success.

DuckDB lets one process write a file and fails read-only opens while a writer holds it, so readers are served
from a file no run ever writes: the build happens in `<warehouse>.building`, renamed over the served file at the
end (an atomic replace on one filesystem). A killed or failed run leaves the served warehouse as it was.

The pages of a run (report, data-quality docs, dbt docs and logs) are written into a folder of their own,
`<build>.runs/<run id>/`, handed to every page writer as its build folder; `<build>` itself is a symbolic link to
the published run's folder. Publishing renames the warehouse into place (the commit point), then swaps the link
(atomic too). A run killed between the two is completed by the next run (`recover_pages`): the published
warehouse names its run, and that run's folder is complete. So the pages always describe the published warehouse.
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


def publish(building: Path, served: Path, pages: Path | None = None, build_dir: Path | None = None) -> None:
    """Replace the served warehouse with the finished build, atomically, then publish the run's pages with it."""
    with open(building, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(building, served)
    _fsync_dir(served.parent)
    if pages is not None and build_dir is not None:
        publish_pages(pages, build_dir)


def _fsync_dir(folder: Path) -> None:
    # A rename is durable once its directory is flushed.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def runs_folder(build_dir: Path) -> Path:
    """Where the runs' page folders live, beside the build folder: `<build>.runs/`."""
    return build_dir.with_name(build_dir.name + ".runs")


def published_pages(build_dir: Path) -> Path | None:
    """The folder the build link points to (the published run's pages), or None before the first publish."""
    if build_dir.is_symlink():
        target = build_dir.resolve()
        return target if target.is_dir() else None
    return build_dir if build_dir.is_dir() else None


def start_pages(build_dir: Path, run_id: str) -> Path:
    """A new, empty folder for this run's pages; leftovers of earlier unpublished runs are removed first.

    dbt's parse cache is carried over from the published pages so that dbt does not parse the project afresh.
    """
    folder = runs_folder(build_dir)
    folder.mkdir(parents=True, exist_ok=True)
    current = published_pages(build_dir)
    for stale in folder.iterdir():
        if stale != current:
            shutil.rmtree(stale, ignore_errors=True)
    pages = folder / run_id
    pages.mkdir()
    if current is not None and (current / "dbt" / "target" / "partial_parse.msgpack").is_file():
        (pages / "dbt" / "target").mkdir(parents=True)
        shutil.copy2(current / "dbt" / "target" / "partial_parse.msgpack", pages / "dbt" / "target")
    return pages


def publish_pages(pages: Path, build_dir: Path) -> None:
    """Point the build link at this run's pages (atomically) and remove the pages it pointed to before."""
    previous = published_pages(build_dir)
    if build_dir.exists() and not build_dir.is_symlink():
        # A build folder from before pages were published by link: moved aside once, then replaced.
        legacy = runs_folder(build_dir) / f"legacy-{os.getpid()}"
        os.replace(build_dir, legacy)
        previous = legacy
    link = build_dir.with_name(build_dir.name + ".link")
    link.unlink(missing_ok=True)
    link.symlink_to(os.path.relpath(pages, build_dir.parent))
    os.replace(link, build_dir)
    _fsync_dir(build_dir.parent)
    if previous is not None and previous != pages:
        shutil.rmtree(previous, ignore_errors=True)


def recover_pages(build_dir: Path, run_id: str | None) -> bool:
    """Finish a publish a killed run left half done: the published warehouse's run has pages the link misses."""
    if run_id is None:
        return False
    pages = runs_folder(build_dir) / run_id
    if not pages.is_dir() or published_pages(build_dir) == pages.resolve():
        return False
    publish_pages(pages, build_dir)
    return True


PAGES = (Path("report") / "index.html", Path("dq") / "index.html", Path("dbt") / "target" / "index.html")


def pages_complete(build_dir: Path) -> bool:
    """Whether the published pages are all there (someone may have removed the build folder)."""
    return all((build_dir / page).is_file() for page in PAGES)


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
        # os.fsencode: a file name that is not valid UTF-8 arrives with surrogate escapes and hashes as its bytes.
        digest.update(os.fsencode(name) + b"\0" + sha.encode() + b"\n")
    return digest.hexdigest()
