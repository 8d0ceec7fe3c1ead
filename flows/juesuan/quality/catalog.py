"""The rule catalog (expectations/rules.yml) and the prose-subject map (expectations/prose_subjects.yml)."""

from __future__ import annotations

import re
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


@dataclass(frozen=True)
class Subject:
    """What a prose phrase refers to: a table figure, and the base its shares are of."""

    pattern: re.Pattern
    table: str
    line: str
    measure: str
    side: str | None = None
    share_of: str | None = None
    kinds: tuple[str, ...] = ("final_accounts", "budget")  # document kinds whose tables the phrase refers to
    context: re.Pattern | None = None  # what the text before the phrase must say for it to refer to this figure


@cache
def prose_subjects() -> tuple[list[Subject], dict[str, Subject]]:
    """The phrase patterns in order (first match wins) and the share bases."""
    data = yaml.load((EXPECTATIONS / "prose_subjects.yml").read_text(encoding="utf-8"), Loader=_LOADER)
    subjects = [Subject(re.compile(s["pattern"]), s["table"], s["line"], s["measure"], s.get("side"), s.get("share_of"),
                        tuple(s.get("kinds", ("final_accounts", "budget"))),
                        re.compile(s["context"]) if s.get("context") else None)
                for s in data["subjects"]]
    bases = {name: Subject(re.compile(""), b["table"], b["line"], b["measure"], b.get("side"))
             for name, b in data["share_bases"].items()}
    return subjects, bases
