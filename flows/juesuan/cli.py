"""The `juesuan` command: run, extract, check, query, export, docs, serve, status."""

from __future__ import annotations

import argparse
import atexit
import os
import sys
from decimal import Decimal
from pathlib import Path

from . import exact_json


class UserError(Exception):
    """A problem the user can act on: printed as one line, exit status 2."""


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
        print(exact_json.dumps(result.as_json(), indent=2))
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
        print(exact_json.dumps(verdict.as_json(), indent=2))
    else:
        print(verdict_text(verdict))
    return 0 if verdict.clean else 1


def print_run_report(report, build_dir: Path, outcomes: dict) -> None:
    """The closing summary of a run, ending with the documents that have findings and the files not loaded."""
    print(f"\nwarehouse: {report.warehouse}")
    if report.up_to_date:
        print(f"up to date: none of the {report.files} files changed since the last run; nothing rebuilt "
              "(`juesuan run --force` rebuilds anyway)")
        _print_outcomes(outcomes)
        return
    load = report.load
    print(f"files: {report.files} · extracted: {len(report.extracted)} · unchanged: {len(report.reused)}"
          f" · documents loaded: {load.documents} · failed: {len(load.failed_files)}"
          f" · table rows: {load.table_rows} · errors: {load.errors} · warnings: {load.warnings}")
    print(f"dbt: {report.dbt.seeds} seeds, {report.dbt.models} models, {report.dbt.tests_passed} tests passed")
    counts = report.quality.outcomes
    print(f"checks: {report.quality.checks} · pass {counts['pass']} · rounding {counts['rounding']}"
          f" · fail {counts['fail']}" + (f" · suspect extraction {counts['suspect_extraction']}"
                                         if counts.get("suspect_extraction") else ""))
    print(f"docs: {build_dir / 'report' / 'index.html'} (report) · {report.quality.docs_index} (data quality)"
          f" · {build_dir / 'dbt' / 'target' / 'static_index.html'} (dbt)")
    for file, severity, message, line in report.problems:
        where = f" line {line}" if line else ""
        print(f"  {severity.upper():7s} {file}{where}: {message}")
    for agency in report.unregistered_agencies:
        print(f"  NOTE    {agency} is not in the agency register (dbt_project/seeds/agency_register.csv);"
              " it is loaded under the (unknown) region")
    _print_outcomes(outcomes)


def _print_outcomes(outcomes: dict) -> None:
    """Name the documents with findings and the files not loaded, so nobody has to look them up."""
    flagged = outcomes["documents_with_findings"]
    if flagged:
        print(f"\ndocuments with findings 有问题的文档 ({len(flagged)}):")
        for doc in flagged:
            counts = f"fail {doc['failures']}" + (f", suspect extraction {doc['suspect_extraction']}"
                                                  if doc.get("suspect_extraction") else "")
            print(f"  {doc['file_name']}  ({doc['agency_name'] or '?'} {doc['fiscal_year'] or ''}): {counts}")
    skipped = outcomes["files_not_loaded"]
    if skipped:
        print(f"\nfiles not loaded 未载入的文件 ({len(skipped)}):")
        for item in skipped:
            print(f"  {item['file']}: {item['error_code']}: {item['message']}")


def _run_json(report, build_dir: Path, outcomes: dict) -> dict:
    """The run's summary as data, for `juesuan run --json`."""
    out = {"run_id": report.run_id, "warehouse": str(report.warehouse), "up_to_date": report.up_to_date,
           "failed": report.failed, "files": report.files, "extracted": report.extracted, "reused": report.reused}
    if not report.up_to_date:
        load = report.load
        out.update({
            "documents_loaded": load.documents, "table_rows": load.table_rows, "load_errors": load.errors,
            "load_warnings": load.warnings,
            "dbt": {"seeds": report.dbt.seeds, "models": report.dbt.models, "tests_passed": report.dbt.tests_passed},
            "checks": {"total": report.quality.checks, **dict(report.quality.outcomes)},
            "problems": [{"file": f, "severity": s, "message": m, "line": n} for f, s, m, n in report.problems],
            "unregistered_agencies": report.unregistered_agencies,
            "pages": {"report": str(build_dir / "report" / "index.html"),
                      "data_quality": str(report.quality.docs_index),
                      "dbt_docs": str(build_dir / "dbt" / "target" / "static_index.html")},
        })
    return {**out, **outcomes}


def _already_up_to_date(settings) -> bool:
    """True when the published build is current: decided without Prefect, dbt or GX."""
    from .discover import read_inputs, up_to_date
    from .warehouse import runs
    from .warehouse.publish import build_lock, recover_pages

    with build_lock(settings.warehouse):
        previous = runs.read_previous(settings.warehouse) if settings.warehouse.is_file() else None
        if previous is not None and previous.last_run:
            recover_pages(settings.build_dir, previous.last_run["run_id"])
        return up_to_date(settings, read_inputs(settings.raw_dir))


def _up_to_date_report(settings):
    """The report of a run that found nothing to do (for the closing summary and --json)."""
    from types import SimpleNamespace

    from .discover import read_inputs

    files = [path.name for path, _ in read_inputs(settings.raw_dir).files]
    return SimpleNamespace(run_id=None, warehouse=settings.warehouse, files=len(files), up_to_date=True,
                           failed=False, extracted=[], reused=files)


def cmd_run(args) -> int:
    """Run the whole pipeline once."""
    import contextlib

    from .settings import duckdb_memory, load_settings

    settings = load_settings(args.raw, args.warehouse, args.build)
    if not settings.raw_dir.is_dir():
        raise UserError(f"input folder {settings.raw_dir} does not exist (set --raw or JUESUAN_RAW)")
    try:
        duckdb_memory()  # a bad limit is said now, not after the extraction
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    from .warehouse.publish import RunInProgress
    from .warehouse.status import run_outcomes

    try:
        current = not args.force and _already_up_to_date(settings)
    except RunInProgress as exc:
        raise UserError(str(exc)) from exc
    if current:
        # Nothing to build, so Prefect, dbt and GX are never started; the summary still names what needs a look.
        report = _up_to_date_report(settings)
        outcomes = run_outcomes(settings.warehouse)
        if args.json:
            print(exact_json.dumps(_run_json(report, settings.build_dir, outcomes), indent=2))
        else:
            print_run_report(report, settings.build_dir, outcomes)
        return 0

    # Prefect, dbt and GX take seconds to import: only once there is work to do. The temporary Prefect server is
    # launched first, so that it starts up (in its own process) while the pipeline's modules are imported.
    from .orchestrator import OrchestratorUnavailable, launch_orchestrator

    try:
        orchestrator = launch_orchestrator(args.startup_timeout)
    except OrchestratorUnavailable as exc:
        raise UserError(f"{exc}; nothing was changed") from exc
    try:
        from .pipeline import on_progress, on_stage, run_pipeline
        from .progress import RunProgress
        from .quality.validate import DataQualityEngineError
        from .warehouse.dbt import DbtBuildError, preload

        preload()  # while the server starts: a run that is not up to date always builds the models
    except BaseException:
        orchestrator.stop()
        raise
    with contextlib.ExitStack() as stack:
        try:
            seconds = stack.enter_context(orchestrator.running())
        except OrchestratorUnavailable as exc:
            raise UserError(f"{exc}; nothing was changed") from exc
        if not args.quiet:
            print(f"orchestrator ready in {seconds:.1f} s", file=sys.stderr)
        display = stack.enter_context(contextlib.nullcontext() if args.quiet else RunProgress())
        on_progress(None if args.quiet else display.extracted)
        on_stage(None if args.quiet else display.stage)
        try:
            report = run_pipeline(raw=args.raw, warehouse=args.warehouse, build=args.build, dask=args.dask,
                                  parquet=args.parquet, force=args.force)
        except RunInProgress as exc:
            raise UserError(str(exc)) from exc
        except (DbtBuildError, DataQualityEngineError) as exc:
            print(f"juesuan run: {exc}; the previous warehouse stays published", file=sys.stderr)
            return 1
        finally:
            on_progress(None)
            on_stage(None)
    outcomes = run_outcomes(settings.warehouse)
    if args.json:
        print(exact_json.dumps(_run_json(report, settings.build_dir, outcomes), indent=2))
    else:
        print_run_report(report, settings.build_dir, outcomes)
    return 1 if report.failed else 0


def cmd_query(args) -> int:
    """Run one read-only SQL statement against the published warehouse."""
    import shutil

    from .settings import load_settings, query_limits
    from .warehouse.query import QueryError, format_result, render_box, run_query

    sql = args.sql if args.sql not in (None, "-") else sys.stdin.read()
    if not sql.strip():
        raise UserError("no SQL given: pass it as an argument or on standard input")
    try:
        limits = query_limits(args.timeout, args.memory_limit)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    warehouse = load_settings(warehouse=args.warehouse).warehouse
    try:
        if args.format == "table":
            # DuckDB's own box rendering, fitted to the terminal (numbers right-aligned, types under the names).
            width = args.width or shutil.get_terminal_size((120, 40)).columns
            sys.stdout.write(render_box(warehouse, sql, width, args.max_rows, limits))
            return 0
        columns, rows = run_query(warehouse, sql, limits)
    except QueryError as exc:
        raise UserError(str(exc)) from exc
    sys.stdout.write(format_result(columns, rows, args.format))
    return 0


def cmd_export(args) -> int:
    """Write a table or a query of the published warehouse to CSV, Parquet or XLSX."""
    from .settings import load_settings
    from .warehouse.export import export
    from .warehouse.query import QueryError

    warehouse = load_settings(warehouse=args.warehouse).warehouse
    try:
        if args.datapackage:
            from .warehouse.datapackage import write_datapackage

            descriptor = write_datapackage(warehouse, Path(args.output))
            print(f"wrote {descriptor} and its resources", file=sys.stderr)
            return 0
        if not args.source:
            raise UserError("give a table name or a SELECT to export (or --datapackage)")
        fmt, rows = export(warehouse, args.source, Path(args.output), args.format)
    except QueryError as exc:
        raise UserError(str(exc)) from exc
    print(f"wrote {rows} row{'s' if rows != 1 else ''} to {args.output} ({fmt})", file=sys.stderr)
    return 0


def cmd_docs(args) -> int:
    """Say where the generated documentation is, or serve it on localhost."""
    from .report.site_index import PAGES, docs_handler
    from .settings import load_settings

    build = load_settings(build=args.build).build_dir
    if not args.serve:
        for label, relative in PAGES.items():
            page = build / relative
            state = "" if page.exists() else "  (not built yet: run `juesuan run`, or `juesuan run --force`)"
            print(f"{label:13s} {page}{state}")
        return 0
    import http.server

    with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), docs_handler(build)) as server:
        print(f"serving {build} on http://127.0.0.1:{server.server_address[1]}/ "
              "(an index of the report, data quality and dbt docs); Ctrl-C stops")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


def cmd_serve(args) -> int:
    """Register the pipeline as a scheduled Prefect deployment and run it."""
    from .orchestrator import OrchestratorUnavailable, launch_orchestrator
    from .schedule import serve

    if not os.environ.get("PREFECT_API_URL"):
        raise UserError("PREFECT_API_URL is not set: start a server (`prefect server start`) and export "
                        "PREFECT_API_URL=http://127.0.0.1:4200/api")
    try:
        # The server must answer before the deployment is registered.
        with launch_orchestrator().running():
            serve(cron=args.cron, name=args.name, raw=args.raw, warehouse=args.warehouse, build=args.build)
    except OrchestratorUnavailable as exc:
        raise UserError(str(exc)) from exc
    return 0


def cmd_status(args) -> int:
    """The last runs, documents by outcome and findings by severity."""
    from .settings import load_settings
    from .warehouse.query import QueryError
    from .warehouse.status import status_data, status_text

    warehouse = load_settings(warehouse=args.warehouse).warehouse
    try:
        if args.json:
            print(exact_json.dumps(status_data(warehouse, args.runs), indent=2))
        else:
            print(status_text(warehouse, args.runs))
    except QueryError as exc:
        raise UserError(str(exc)) from exc
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="juesuan", description="A warehouse of departmental final accounts (部门决算), budgets (部门预算) and "
        "performance self-evaluations (绩效自评).", epilog="`juesuan COMMAND --help` tells more about one command.")
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="build the warehouse from the input folder and publish it",
                              description="discover → extract → load → dbt build → validate → docs → publish")
    run.add_argument("--raw", help="input folder (default: raw/, or $JUESUAN_RAW)")
    run.add_argument("--warehouse", help="DuckDB file to publish (default: warehouse.duckdb, or $JUESUAN_WAREHOUSE)")
    run.add_argument("--build", help="folder for generated docs and report (default: build/, or $JUESUAN_BUILD)")
    run.add_argument("--quiet", action="store_true", help="no progress display")
    run.add_argument("--force", action="store_true",
                     help="rebuild everything even when no input changed (e.g. after the build folder was removed)")
    run.add_argument("--json", action="store_true", help="print the run's summary as JSON")
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
    query.add_argument("--timeout", metavar="SECONDS",
                       help="stop the query after this long (default 60, or $JUESUAN_QUERY_TIMEOUT)")
    query.add_argument("--memory-limit", metavar="SIZE",
                       help="stop the query when it needs more memory (default 2GB, or $JUESUAN_QUERY_MEMORY)")
    query.add_argument("--max-rows", type=int, default=40, help="rows shown by --format table (default 40)")
    query.add_argument("--width", type=int, help="table width (default: the terminal's)")
    query.add_argument("--warehouse", help="DuckDB file (default: warehouse.duckdb, or $JUESUAN_WAREHOUSE)")
    query.set_defaults(handler=cmd_query)

    export = commands.add_parser(
        "export", help="write a table or a query to CSV, Parquet or XLSX",
        description="Reads the published warehouse read-only (with the same lockdown as `juesuan query`) and "
                    "writes the file from Python. CSV is UTF-8 with a byte-order mark (Excel opens it); Parquet "
                    "keeps DECIMAL as decimal; XLSX writes decimals as numbers when a double holds them exactly, "
                    "else as text.")
    export.add_argument("source", nargs="?", help="a table or view name (e.g. mart_agency_year_overview) or a SELECT")
    export.add_argument("-o", "--output", required=True,
                        help="file to write (its suffix picks the format), or a folder with --datapackage")
    export.add_argument("--format", choices=("csv", "parquet", "xlsx"), help="output format (default: from -o)")
    export.add_argument("--datapackage", action="store_true",
                        help="write the main facts as CSV with a Fiscal Data Package descriptor (datapackage.json)")
    export.add_argument("--warehouse", help="DuckDB file (default: warehouse.duckdb, or $JUESUAN_WAREHOUSE)")
    export.set_defaults(handler=cmd_export)

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
    status.add_argument("--json", action="store_true", help="print the tables as JSON")
    status.add_argument("--warehouse", help="DuckDB file (default: warehouse.duckdb, or $JUESUAN_WAREHOUSE)")
    status.set_defaults(handler=cmd_status)
    return parser


class _VersionAction(argparse.Action):
    """--version, looked up only when asked for (reading the installed metadata costs a check ~0.05 s)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"juesuan {_version()}")  # on stdout, as argparse's own version action prints it
        parser.exit()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("juesuan")
    except PackageNotFoundError:  # run from a checkout without installing
        return "unknown"


def _closed_pipe() -> int:
    """The reader went away (`juesuan … | head`): stop quietly, as other command-line tools do."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # Python's final flush would otherwise fail again
    return 141  # 128 + SIGPIPE, what a shell reports for a writer killed by a closed pipe


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `juesuan` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    # This machine has no network beyond package registries: Prefect's telemetry would only log failures.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    try:
        code = args.handler(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        return _closed_pipe()
    except UserError as exc:
        print(f"juesuan {args.command}: {exc}", file=sys.stderr)
        return 2


def console() -> None:
    """The `juesuan` console script: main(), then the process ends without the interpreter's teardown."""
    code = main()
    # Python's teardown frees every object of dbt, Prefect and GX one by one (about a second after a run). The
    # command's work is done by now and its files closed: the output is flushed and the exit handlers run
    # (multiprocessing's, Prefect's, logging's), and the process ends at once, as many command-line tools do.
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = _closed_pipe()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(code or 0)  # as sys.exit(None) would


if __name__ == "__main__":  # pragma: no cover
    console()
