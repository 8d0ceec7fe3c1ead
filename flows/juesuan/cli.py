"""The `juesuan` command: `run` builds the warehouse, `extract` shows one document's extraction."""

from __future__ import annotations

import argparse
import json
import os
import sys
from decimal import Decimal
from pathlib import Path


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
    else:
        out.append(f"{result.path.name}: not extracted")
    for problem in result.problems:
        where = f" (line {problem.line})" if problem.line else ""
        out.append(f"  {problem.severity.upper()}: {problem.code}: {problem.message}{where}")
    return "\n".join(out)


def cmd_extract(args) -> int:
    from .extract import extract_file

    path = Path(args.file)
    if not path.is_file():
        print(f"juesuan extract: no such file: {path}", file=sys.stderr)
        return 2
    result = extract_file(path)
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=2, default=_json_default))
    else:
        print(_summary_text(result))
    return 1 if result.fatal else 0


def cmd_run(args) -> int:
    from .models import DbtBuildError
    from .pipeline import pipeline
    from .quality.validate import DataQualityEngineError
    from .settings import load_settings

    try:
        report = pipeline(raw=args.raw, warehouse=args.warehouse, build=args.build)
    except FileNotFoundError as exc:
        print(f"juesuan run: {exc}", file=sys.stderr)
        return 2
    except (DbtBuildError, DataQualityEngineError) as exc:
        print(f"juesuan run: {exc}", file=sys.stderr)
        return 1
    load = report.load
    print(f"\nwarehouse: {report.warehouse}")
    print(f"files: {report.files} · documents loaded: {load.documents} · failed: {len(load.failed_files)}"
          f" · table rows: {load.table_rows} · errors: {load.errors} · warnings: {load.warnings}")
    print(f"dbt: {report.dbt.seeds} seeds, {report.dbt.models} models, {report.dbt.tests_passed} tests passed"
          f" · docs in {load_settings(build=args.build).dbt_docs / 'index.html'}")
    outcomes = report.quality.outcomes
    print(f"checks: {report.quality.checks} · pass {outcomes['pass']} · rounding {outcomes['rounding']}"
          f" · fail {outcomes['fail']} · data docs in {report.quality.docs_index}")
    for file, severity, message, line in report.problems:
        where = f" line {line}" if line else ""
        print(f"  {severity.upper():7s} {file}{where}: {message}")
    for agency in report.unregistered_agencies:
        print(f"  NOTE    {agency} is not in the agency register (dbt_project/seeds/agency_register.csv);"
              " it is loaded under the (unknown) region")
    return 1 if report.failed else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `juesuan` console script."""
    parser = argparse.ArgumentParser(prog="juesuan", description="A warehouse of departmental final accounts.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="build the warehouse from the input folder")
    run.add_argument("--raw", help="input folder (default: raw/, or $JUESUAN_RAW)")
    run.add_argument("--warehouse", help="DuckDB file to build (default: warehouse.duckdb, or $JUESUAN_WAREHOUSE)")
    run.add_argument("--build", help="folder for generated docs (default: build/, or $JUESUAN_BUILD)")
    run.set_defaults(handler=cmd_run)
    extract = commands.add_parser("extract", help="extract one document and print what was found")
    extract.add_argument("file", help="a .txt, .md or .pdf document")
    extract.add_argument("--json", action="store_true", help="print the extraction as JSON")
    extract.set_defaults(handler=cmd_extract)
    args = parser.parse_args(argv)
    # This machine has no network beyond package registries: Prefect's telemetry would only log failures.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    return args.handler(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
