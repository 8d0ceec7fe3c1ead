"""The rule catalog (expectations/rules.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml

from ..settings import PROJECT_ROOT

EXPECTATIONS = PROJECT_ROOT / "expectations"
# libyaml's loader when PyYAML was built with it: the pure-Python one takes a quarter of a second per catalog.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Rule:
    """One consistency rule: what it compares, how strictly, and how bad a failure is."""

    id: str
    family: str
    severity: str
    tables: tuple[str, ...]
    tolerance: str
    description: str


@cache
def rules() -> dict[str, Rule]:
    """Every rule of the catalog, by id."""
    data = yaml.load((EXPECTATIONS / "rules.yml").read_text(encoding="utf-8"), Loader=_LOADER)
    return {r["id"]: Rule(r["id"], r["family"], r["severity"], tuple(r["tables"]), r["tolerance"], r["description"])
            for r in data["rules"]}


def families() -> list[str]:
    """Rule families in catalog order: one GX suite each."""
    return list(dict.fromkeys(rule.family for rule in rules().values()))
