"""The project's dbt model SQL run without dbt: rendered with the project's own macros and created as tables.

For checking one document now: its raw rows sit in a scratch DuckDB, and the staging, intermediate, mart and
check models are the same SQL the warehouse build runs, as tables over them (no dbt import, no build). A table is
computed once, where a view would be inlined again at each reference (0.6 s against 0.9 s for one document). The
seeds they ref are read from their CSV files. The statements rendered are kept in the user's cache directory, keyed
by the project's files, so that a later check replays them without importing Jinja (about a tenth of a check's time).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from types import SimpleNamespace

from ..settings import DBT_PROJECT

# The schema each model folder builds into (dbt_project.yml: custom schemas used as named, marts in the default).
_SCHEMAS = {"staging": "staging", "intermediate": "intermediate", "marts": "main", "quality": "quality"}


class _Return(Exception):
    """dbt's `return()` inside a macro: the macro's value."""

    def __init__(self, value):
        self.value = value


class _Rows:
    """What dbt's run_query gives a macro, as far as the models use it: the result's rows."""

    def __init__(self, rows: list[tuple]):
        self.rows = rows


def _raise_return(value):
    raise _Return(value)


def _model_paths(project: Path) -> dict[str, Path]:
    return {path.stem: path for path in sorted((project / "models").rglob("*.sql"))}


def _qualified(path: Path, project: Path) -> str:
    folder = path.relative_to(project / "models").parts[0]
    return f"{_SCHEMAS.get(folder, 'main')}.{path.stem}"


def _seed_types(project: Path) -> dict[str, dict[str, str]]:
    """Each seed's column types as dbt_project.yml gives them (codes are text: 301, not the number 301)."""
    import yaml

    config = yaml.safe_load((project / "dbt_project.yml").read_text(encoding="utf-8"))
    seeds = config.get("seeds", {}).get(config["name"], {})
    return {name: settings.get("+column_types", {}) for name, settings in seeds.items() if isinstance(settings, dict)}


def _seed(con, name: str, path: Path, types: dict[str, str]) -> str:
    """The seed as a table, created once, with the column types dbt gives it (DuckDB infers the others)."""
    con.execute("create schema if not exists reference")
    typed = ", ".join(f"'{column}': '{kind}'" for column, kind in types.items())
    con.execute(f"create table if not exists reference.{name} as "
                f"select * from read_csv(?, header = true{f', types = {{{typed}}}' if typed else ''})", [str(path)])
    return f"reference.{name}"


def create_models(con, names: list[str], project: Path = DBT_PROJECT) -> None:
    """Create the named models (and every model they ref) as tables in `con`, over the raw schema already there."""
    cached = _cache_path(project, names)
    try:
        statements = json.loads(cached.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        statements = None
    if statements is not None:
        for sql, parameters in statements:
            con.execute(sql, parameters)
        return
    recording = _Recording(con)
    _render_models(recording, names, project)
    _write_atomically(cached, json.dumps(recording.statements, ensure_ascii=False))


class _Recording:
    """A connection that keeps every statement it executes, to be replayed on another."""

    def __init__(self, con):
        self.con, self.statements = con, []

    def execute(self, sql: str, parameters: list | None = None):
        self.statements.append((sql, parameters))
        return self.con.execute(sql, parameters)


def _cache_path(project: Path, names: list[str]) -> Path:
    """Where the statements rendered for these models of this project are kept: named by a hash of every file the
    rendering reads (models, macros, seeds, dbt_project.yml) and of where the project is (seeds are read by path)."""
    digest = hashlib.sha256(f"{project.resolve()}\n{sorted(names)}".encode())
    files = [project / "dbt_project.yml", *sorted(project.glob("models/**/*.sql")), *sorted(project.glob("macros/*.sql")),
             *sorted(project.glob("seeds/*.csv"))]
    for path in files:
        digest.update(str(path.relative_to(project)).encode() + b"\0" + path.read_bytes())
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "juesuan"
    return root / f"check-models-{digest.hexdigest()[:24]}.json"


def _write_atomically(path: Path, text: str) -> None:
    """Write the cache file whole or not at all (two checks at once each write their own copy); a cache that
    cannot be written is no error, the next check renders again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as out:
            out.write(text)
        os.replace(out.name, path)
    except OSError:
        pass


def _render_models(con, names: list[str], project: Path) -> None:
    """Render the named models with Jinja, as dbt would, and create them (and what they ref) in `con`."""
    import jinja2

    paths = _model_paths(project)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    created: set[str] = set()
    macros: dict = {}

    seeds = {path.stem: path for path in sorted((project / "seeds").glob("*.csv"))}
    seed_types = _seed_types(project)

    def ref(name: str) -> str:
        if name in seeds:
            return _seed(con, name, seeds[name], seed_types.get(name, {}))
        build(name)
        return _qualified(paths[name], project)

    def build(name: str) -> None:
        if name in created:
            return
        created.add(name)
        sql = env.from_string(paths[name].read_text(encoding="utf-8")).render(**context())
        con.execute(f"create schema if not exists {_qualified(paths[name], project).split('.')[0]}")
        con.execute(f"create or replace table {_qualified(paths[name], project)} as {sql}")

    # What dbt's context gives the models and macros; these tables are never incremental, so no `this` is read:
    # every build is a full one, over every document in the scratch database.
    dbt_context = {"ref": ref, "source": lambda schema, table: f"{schema}.{table}", "config": lambda **_: "",
                   "return": _raise_return, "is_incremental": lambda: False,
                   "flags": SimpleNamespace(FULL_REFRESH=True), "load_relation": lambda relation: None,
                   "var": lambda name, default=None: default, "this": None,
                   # a model reading a seed's rows to write them into its SQL (run_query(...).rows)
                   "execute": True, "run_query": lambda sql: _Rows(con.execute(sql).fetchall())}

    def context() -> dict:
        return {**dbt_context, **macros}

    def as_function(macro):
        def call(*args, **kwargs):
            try:
                return macro(*args, **kwargs)
            except _Return as value:
                return value.value
        return call

    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted((project / "macros").glob("*.sql")))
    source = source.replace("{% test ", "{% macro test_").replace("{% endtest %}", "{% endmacro %}")
    module = env.from_string(source).make_module(vars=dbt_context)
    for name in dir(module):
        if not name.startswith("_"):
            macros[name] = as_function(getattr(module, name))
    for name in names:
        build(name)
