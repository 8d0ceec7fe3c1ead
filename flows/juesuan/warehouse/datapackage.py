"""A Fiscal Data Package (Frictionless data package with a fiscal model) of the warehouse's main facts."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

from .export import fetch, write_csv

# Resource name → (table, the fiscal model's dimensions as {name: (column, dimension type)}, measure columns).
RESOURCES = {
    "expenditure-by-function": (
        "fct_expenditure_by_function",
        {"agency": ("agency_name", "administrative-classification"), "fiscal-year": ("fiscal_year", "date"),
         "function": ("function_code", "functional-classification"),
         "phase": ("phase", "other")},  # final accounts and budgets, once budgets load
        ("total", "basic", "project"),
    ),
    "agency-year-overview": (
        "mart_agency_year_overview",
        {"agency": ("agency_name", "administrative-classification"), "fiscal-year": ("fiscal_year", "date")},
        ("total_income", "total_expenditure", "basic_expenditure", "project_expenditure",
         "three_public_budget", "three_public_actual"),
    ),
}


def _field_type(kind: pa.DataType) -> str:
    if pa.types.is_integer(kind):
        return "integer"
    if pa.types.is_decimal(kind) or pa.types.is_floating(kind):
        return "number"
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_date(kind):
        return "date"
    if pa.types.is_timestamp(kind):
        return "datetime"
    return "string"


def _columns_of(table: pa.Table, wanted: str) -> list[str]:
    return [c for c in table.column_names if c == wanted]


def write_datapackage(warehouse: Path, folder: Path) -> Path:
    """Write one CSV per resource and folder/datapackage.json describing them; returns the descriptor's path."""
    folder.mkdir(parents=True, exist_ok=True)
    resources = []
    for name, (table_name, dimensions, measures) in RESOURCES.items():
        table = fetch(warehouse, table_name)
        path = folder / f"{name}.csv"
        write_csv(table, path)
        measures = [m for m in measures if m in table.column_names]
        resources.append({
            "name": name, "path": path.name, "profile": "tabular-data-resource", "format": "csv",
            "encoding": "utf-8-sig", "title": table_name,
            "schema": {"fields": [{"name": f.name, "type": _field_type(f.type)} for f in table.schema]},
            "model": {
                "measures": {m: {"source": m, "currency": "CNY", "factor": 10000,  # amounts are in 万元
                                 "direction": "expenditure" if "income" not in m else "revenue",
                                 "phase": "executed"} for m in measures},
                "dimensions": {key: {"dimensionType": kind, "primaryKey": [column],
                                     "attributes": {column: {"source": column}}}
                               for key, (column, kind) in dimensions.items() if _columns_of(table, column)},
            },
        })
    descriptor = folder / "datapackage.json"
    descriptor.write_text(json.dumps({
        "name": "juesuan", "title": "部门决算 · Chinese departmental final accounts",
        "profile": "fiscal-data-package",
        "description": "Figures printed in published final accounts (部门决算), in 万元, with the agency, year and "
                       "functional classification (支出功能分类) they belong to.",
        "resources": resources,
    }, ensure_ascii=False, indent=2), encoding="utf-8")
    return descriptor
