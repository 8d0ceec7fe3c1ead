"""Reading printed figures: amounts, blanks, line numbers."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# Printed empty cells: blank, dashes of any length, em dashes.
BLANK_RE = re.compile(r"^(?:|-{1,3}|—{1,2}|－{1,3}|/)$")
AMOUNT_RE = re.compile(r"^[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
DECIMAL_RE = re.compile(r"^[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+$")
INTEGER_RE = re.compile(r"^\d+$")
TEN_THOUSAND = Decimal(10000)


def is_blank(text: str) -> bool:
    """True for a printed empty cell: nothing, '-', '--', '---', '—'."""
    return bool(BLANK_RE.match(text.strip()))


def is_amount(text: str) -> bool:
    """True for a printed figure such as '1,393.59', '0.00', '-12.5' or '7'."""
    return bool(AMOUNT_RE.match(text.strip()))


def is_decimal(text: str) -> bool:
    """True for a figure printed with a decimal point (how table amounts are printed)."""
    return bool(DECIMAL_RE.match(text.strip()))


def is_integer(text: str) -> bool:
    """True for a bare integer (a code, a line number, a count or a page number)."""
    return bool(INTEGER_RE.match(text.strip()))


def parse_amount(text: str) -> Decimal:
    """Parse a printed figure exactly; raises ValueError when it is not one."""
    cleaned = text.strip().replace(",", "").replace("−", "-")
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - guarded by is_amount
        raise ValueError(f"not a figure: {text!r}") from exc


def to_wan(value: Decimal | None, unit: str) -> Decimal | None:
    """Convert an amount printed in `unit` to 万元."""
    if value is None:
        return None
    if unit == "元":
        return value / TEN_THOUSAND
    return value


def rounding_tolerance(n_terms: int) -> Decimal:
    """DOMAIN.md §5: a parent and the sum of its n printed children may differ by 0.005 × (n + 1)."""
    return Decimal("0.005") * (n_terms + 1)
