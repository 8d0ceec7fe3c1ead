"""The `juesuan` command: run, extract, check, query, docs, serve, status."""

from __future__ import annotations

import argparse
import json
import os
import sys
from decimal import Decimal
from pathlib import Path


class UserError(Exception):
    """A problem the user can act on: printed as one line, exit status 2."""


def _json_default(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def _summary_text(result) -> str:
    """A readable summary of one extraction, for a person checking a document."""
    out = []
    doc = result.document
    if doc:
        out.append(f"{doc['file']}: {doc['kind']} · {doc['agency']} · {doc['fiscal_year']} · unit {doc['unit']}"
                   f" · {doc['source_format']} · {doc['pages']} page(s)")
        for key, table in result.tables.items():
            if not table["present"]:
                out.append(f"  {key:34s} absent")
                continue
            state = "empty" if table["empty"] else f"{len(table['rows'])} rows"
            out.append(f"  {key:34s} {state:9s} line {table['source_line']}  {table['title']}")
            total = next((r for r in table["rows"] if r.get("name") in ("合计", "总计") and r.get("code") is None), None)
            if total and not table["empty"]:
                figures = ", ".join(f"{k}={v}" for k, v in total.items()
                                    if isinstance(v, Decimal) and k != "line_no")
                out.append(f"  {'':34s} 合计: {figures}")
        out.append(f"  prose figures: {len(result.prose)}")
    else:
        out.append(f"{result.path.name}: not extracted")
    for problem in result.problems:
        where = f" (line {problem.line})" if problem.line else ""
        out.append(f"  {problem.severity.upper()}: {problem.code}: {problem.message}{where}")
    return "\n".join(out)


def cmd_extract(args) -> int:
    """Print one document's extraction."""
    from .extract.document import extract_file

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"no such file: {path}")
    result = extract_file(path)
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=2, default=_json_default))
    else:
        print(_summary_text(result))
    return 1 if result.fatal else 0


def cmd_check(args) -> int:
    """Check one document now: 0 when clean, 1 when its printed figures disagree, 2 when it cannot be checked."""
    from .quality.one_document import UnusableDocument, check_document, verdict_text

    try:
        verdict = check_document(Path(args.file))
    except UnusableDocument as exc:
        raise UserError(str(exc)) from exc
    if args.json:
        print(json.dumps(verdict.as_json(), ensure_ascii=False, indent=2, default=_json_default))
    else:
        print(verdict_text(verdict))
    return 0 if verdict.clean else 1


def _progress_bar(done: int, total: int, name: str) -> None:
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\rextracting [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name[:40]:40s}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def print_run_report(report, build_dir: Path) -> None:
    """The closing summary of a run."""
    print(f"\nwarehouse: {report.warehouse}")
    if report.up_to_date:
        print(f"up to date: none of the {report.files} files changed since the last run; nothing rebuilt")
        return
    load = report.load
    print(f"files: {report.files} · extracted: {len(report.extracted)} · unchanged: {len(report.reused)}"
          f" · documents loaded: {load.documents} · failed: {len(load.failed_files)}"
          f" · table rows: {load.table_rows} · errors: {load.errors} · warnings: {load.warnings}")
    print(f"dbt: {report.dbt.seeds} seeds, {report.dbt.models} models, {report.dbt.tests_passed} tests passed")
    outcomes = report.quality.outcomes
    print(f"checks: {report.quality.checks} · pass {outcomes['pass']} · rounding {outcomes['rounding']}"
          f" · fail {outcomes['fail']}")
    print(f"docs: {build_dir / 'report' / 'index.html'} (report) · {report.quality.docs_index} (data quality)"
          f" · {build_dir / 'dbt' / 'target' / 'index.html'} (dbt)")
    for file, severity, message, line in report.problems:
        where = f" line {line}" if line else ""
        print(f"  {severity.upper():7s} {file}{where}: {message}")
    for agency in report.unregistered_agencies:
        print(f"  NOTE    {agency} is not in the agency register (dbt_project/seeds/agency_register.csv);"
              " it is loaded under the (unknown) region")


def _already_up_to_date(settings) -> bool:
    """Say so and stop when the published build is current: decided without Prefect, dbt or GX."""
    from .discover import read_inputs, up_to_date
    from .warehouse import runs
    from .warehouse.publish import build_lock, recover_pages

    with build_lock(settings.warehouse):
        previous = runs.read_previous(settings.warehouse) if settings.warehouse.is_file() else None
        if previous is not None and previous.last_run:
            recover_pages(settings.build_dir, previous.last_run["run_id"])
        inputs = read_inputs(settings.raw_dir)
        if not up_to_date(settings, inputs):
            return False
    print(f"\nwarehouse: {settings.warehouse}")
    print(f"up to date: none of the {len(inputs.files)} files changed since the last run; nothing rebuilt")
    return True


def cmd_run(args) -> int:
    """Run the whole pipeline once."""
    from .settings import load_settings

    settings = load_settings(args.raw, args.warehouse, args.build)
    if not settings.raw_dir.is_dir():
        raise UserError(f"input folder {settings.raw_dir} does not exist (set --raw or JUESUAN_RAW)")

    from .warehouse.publish import RunInProgress

    try:
        if _already_up_to_date(settings):
            return 0
    except RunInProgress as exc:
        raise UserError(str(exc)) from exc

    from .orchestrator import OrchestratorUnavailable, start_orchestrator
    from .pipeline import on_progress, run_pipeline
    from .quality.validate import DataQualityEngineError
    from .warehouse.dbt import DbtBuildError

    try:
        seconds = start_orchestrator(args.startup_timeout)
    except OrchestratorUnavailable as exc:
        raise UserError(f"{exc}; nothing was changed") from exc
    if not args.quiet:
        print(f"orchestrator ready in {seconds:.1f} s", file=sys.stderr)
    on_progress(None if args.quiet else _progress_bar)
    try:
        report = run_pipeline(raw=args.raw, warehouse=args.warehouse, build=args.build, dask=args.dask,
                              parquet=args.parquet)
    except RunInProgress as exc:
        raise UserError(str(exc)) from exc
    except (DbtBuildError, DataQualityEngineError) as exc:
        print(f"juesuan run: {exc}; the previous warehouse stays published", file=sys.stderr)
        return 1
    print_run_report(report, settings.build_dir)
    return 1 if report.failed else 0


def cmd_query(args) -> int:
    """Run one read-only SQL statement against the published warehouse."""
    from .settings import load_settings, query_limits
    from .warehouse.query import QueryError, format_result, run_query

    try:
        limits = query_limits(args.timeout, args.memory_limit)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    sql = args.sql if args.sql not in (None, "-") else sys.stdin.read()
    if not sql.strip():
        raise UserError("no SQL given: pass it as an argument or on standard input")
    try:
        columns, rows = run_query(load_settings(warehouse=args.warehouse).warehouse, sql, limits)
    except QueryError as exc:
        raise UserError(str(exc)) from exc
    sys.stdout.write(format_result(columns, rows, args.format))
    return 0


def cmd_docs(args) -> int:
    """Say where the generated documentation is, or serve it on localhost."""
    from .settings import load_settings

    build = load_settings(build=args.build).build_dir
    pages = {"report": build / "report" / "index.html", "data quality": build / "dq" / "index.html",
             "dbt docs": build / "dbt" / "target" / "index.html"}
    if not args.serve:
        for label, page in pages.items():
            state = "" if page.exists() else "  (not built yet: run `juesuan run`)"
            print(f"{label:13s} {page}{state}")
        return 0
    import functools
    import http.server

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(build))
    with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
        print(f"serving {build} on http://127.0.0.1:{server.server_address[1]}/ "
              "(report/, dq/, dbt/target/); Ctrl-C stops")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


def cmd_serve(args) -> int:
    """Register the pipeline as a scheduled Prefect deployment and run it."""
    from .orchestrator import OrchestratorUnavailable, start_orchestrator
    from .schedule import serve

    if not os.environ.get("PREFECT_API_URL"):
        raise UserError("PREFECT_API_URL is not set: start a server (`prefect server start`) and export "
                        "PREFECT_API_URL=http://127.0.0.1:4200/api")
    try:
        start_orchestrator()  # the server must answer before the deployment is registered
    except OrchestratorUnavailable as exc:
        raise UserError(str(exc)) from exc
    serve(cron=args.cron, name=args.name, raw=args.raw, warehouse=args.warehouse, build=args.build)
    return 0


def cmd_status(args) -> int:
    """The last runs, documents by outcome and findings by severity."""
    from .settings import load_settings
    from .warehouse.query import QueryError
    from .warehouse.status import status_text

    try:
        print(status_text(load_settings(warehouse=args.warehouse).warehouse, args.runs))
    except QueryError as exc:
        raise UserError(str(exc)) from exc
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="juesuan", description="A warehouse of departmental final accounts (部门决算).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="build the warehouse from the input folder and publish it",
                              description="discover → extract → load → dbt build → validate → docs → publish")
    run.add_argument("--raw", help="input folder (default: raw/, or $JUESUAN_RAW)")
    run.add_argument("--warehouse", help="DuckDB file to publish (default: warehouse.duckdb, or $JUESUAN_WAREHOUSE)")
    run.add_argument("--build", help="folder for generated docs and report (default: build/, or $JUESUAN_BUILD)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument("--startup-timeout", type=int, metavar="SECONDS",
                     help="how long Prefect's temporary server may take to start (default 600, or "
                          "$JUESUAN_ORCHESTRATOR_TIMEOUT)")
    run.add_argument("--parquet", metavar="DIR",
                     help="also write the warehouse as Parquet partitioned by fiscal year and kind into DIR "
                          "(default: $JUESUAN_PARQUET, else none)")
    run.add_argument("--dask", metavar="ADDRESS",
                     help="extract on a Dask cluster: a scheduler address (tcp://host:8786) or local:N for N local "
                          "worker processes (default: $JUESUAN_DASK_ADDRESS, else local worker processes)")
    run.set_defaults(handler=cmd_run)

    extract = commands.add_parser("extract", help="extract one document and print what was found")
    extract.add_argument("file", help="a .txt, .md or .pdf document")
    extract.add_argument("--json", action="store_true", help="print the extraction as JSON")
    extract.set_defaults(handler=cmd_extract)

    check = commands.add_parser(
        "check", help="check one document's figures now, without the warehouse",
        description="Extracts one document and runs its consistency checks on a scratch database (no warehouse, "
                    "no Prefect, no dbt): exit 0 when clean, 1 when printed figures disagree, 2 when unusable.")
    check.add_argument("file", help="a .txt, .md or .pdf document")
    check.add_argument("--json", action="store_true", help="print the verdict and findings as JSON")
    check.set_defaults(handler=cmd_check)

    query = commands.add_parser("query", help="run read-only SQL against the published warehouse")
    query.add_argument("sql", nargs="?", help="one SQL statement (default: read it from standard input)")
    query.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    query.add_argument("--warehouse", help="DuckDB file (default: warehouse.duckdb, or $JUESUAN_WAREHOUSE)")
    query.add_argument("--timeout", metavar="SECONDS",
                       help="stop the query after this long (default 60, or $JUESUAN_QUERY_TIMEOUT)")
    query.add_argument("--memory-limit", metavar="SIZE",
                       help="stop the query when it needs more memory (default 2GB, or $JUESUAN_QUERY_MEMORY)")
    query.set_defaults(handler=cmd_query)

    docs = commands.add_parser("docs", help="where the report, data docs and dbt docs are, or serve them")
    docs.add_argument("--serve", action="store_true", help="serve them on http://127.0.0.1")
    docs.add_argument("--port", type=int, default=8080, help="port for --serve (default 8080; 0 picks one)")
    docs.add_argument("--build", help="folder of generated docs (default: build/, or $JUESUAN_BUILD)")
    docs.set_defaults(handler=cmd_docs)

    serve = commands.add_parser("serve", help="run the pipeline on a schedule as a Prefect deployment",
                                description="Registers the pipeline with the Prefect server at $PREFECT_API_URL "
                                            "and runs it on the schedule until stopped.")
    serve.add_argument("--cron", default=os.environ.get("JUESUAN_SCHEDULE", "0 2 * * *"),
                       help="cron schedule (default daily at 02:00, or $JUESUAN_SCHEDULE)")
    serve.add_argument("--name", default="juesuan-scheduled", help="deployment name")
    serve.add_argument("--raw", help="input folder")
    serve.add_argument("--warehouse", help="DuckDB file to publish")
    serve.add_argument("--build", help="folder for generated docs")
    serve.set_defaults(handler=cmd_serve)

    status = commands.add_parser("status", help="the last runs, documents by outcome, findings by severity")
    status.add_argument("--runs", type=int, default=5, help="how many runs to list (default 5)")
    status.add_argument("--warehouse", help="DuckDB file (default: warehouse.duckdb, or $JUESUAN_WAREHOUSE)")
    status.set_defaults(handler=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `juesuan` console script."""
    args = build_parser().parse_args(argv)
    # This machine has no network beyond package registries: Prefect's telemetry would only log failures.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    try:
        return args.handler(args)
    except UserError as exc:
        print(f"juesuan {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
