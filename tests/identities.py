"""The tree and row identities of docs/domain.md §5, computed over extracted rows (used by the tests)."""

from __future__ import annotations

from decimal import Decimal

from juesuan.extract.numbers import rounding_tolerance

ROW_IDENTITIES = {
    "expenditure_by_function": ("total", ("basic", "project", "remit_to_superior", "operating", "subsidy_to_subsidiary")),
    "income_by_function": ("total", ("fiscal_appropriation", "superior_subsidy", "business_income",
                                     "operating_income", "subsidiary_remittance", "other_income")),
    "general_budget_expenditure": ("total", ("basic", "project")),
}


def _value(row: dict, key: str) -> Decimal:
    return row.get(key) or Decimal(0)


def tree_violations(rows: list[dict], measures: list[str]) -> list[tuple]:
    """(parent, measure, printed parent, sum of children, n children) where 合计 ≠ Σ类, 类 ≠ Σ款 or 款 ≠ Σ项."""
    by_key = {(row["code"] or row["name"]): row for row in rows}
    out = []
    for key, parent in by_key.items():
        if key == "合计":
            children = [r for r in rows if r["code"] and len(r["code"]) == 3]
        elif parent["code"] and len(parent["code"]) < 7:
            children = [r for r in rows if r["code"] and len(r["code"]) == len(parent["code"]) + 2
                        and r["code"].startswith(parent["code"])]
        else:
            continue
        if not children:
            continue
        for measure in measures:
            present = [c for c in children if c.get(measure) is not None]
            total = sum((_value(c, measure) for c in children), Decimal(0))
            if abs(_value(parent, measure) - total) > rounding_tolerance(len(present)):
                out.append((key, measure, parent.get(measure), total, len(present)))
    return out


def row_violations(table_key: str, rows: list[dict]) -> list[tuple]:
    """(code or name, printed total, sum of parts) where a row's total differs from the sum of its columns."""
    total_key, parts = ROW_IDENTITIES[table_key]
    out = []
    for row in rows:
        present = [p for p in parts if row.get(p) is not None]
        parts_sum = sum((_value(row, p) for p in parts), Decimal(0))
        if abs(_value(row, total_key) - parts_sum) > rounding_tolerance(len(present)):
            out.append((row["code"] or row["name"], row.get(total_key), parts_sum))
    return out
