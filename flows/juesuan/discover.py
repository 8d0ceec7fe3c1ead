"""The input folder: which files a run reads, their content hashes, and whether the published build is current.

Nothing here imports Prefect, dbt or Great Expectations, so an unchanged rerun is decided without starting them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .settings import Settings
from .warehouse import runs
from .warehouse.publish import inputs_fingerprint, pages_complete


@dataclass
class Inputs:
    """The files found in the input folder with their sha256, and those that vanished while being read."""

    files: list[tuple[Path, str]] = field(default_factory=list)
    vanished: list[Path] = field(default_factory=list)

    def names(self, raw_dir: Path) -> list[tuple[str, str]]:
        """(path relative to raw_dir, sha256) of every file: what the inputs fingerprint is made of."""
        return [(str(path.relative_to(raw_dir)), sha) for path, sha in self.files]


def discover_files(raw_dir: Path) -> list[Path]:
    """Every regular, non-hidden file under raw_dir, in a stable order."""
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"input folder {raw_dir} does not exist")
    return sorted(
        p for p in raw_dir.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(raw_dir).parts)
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_inputs(raw_dir: Path) -> Inputs:
    """List and hash the input folder; a file removed between listing and hashing is noted, not fatal."""
    inputs = Inputs()
    for path in discover_files(raw_dir):
        try:
            inputs.files.append((path, _sha256(path)))
        except FileNotFoundError:
            inputs.vanished.append(path)
    return inputs


def up_to_date(settings: Settings, inputs: Inputs) -> bool:
    """Whether the published warehouse and its pages were built from exactly these inputs by this code."""
    if inputs.vanished or not settings.warehouse.is_file():
        return False
    previous = runs.read_previous(settings.warehouse)
    if previous.fingerprint != inputs_fingerprint(inputs.names(settings.raw_dir)):
        return False
    return pages_complete(settings.build_dir)  # someone removed the pages: build them again
