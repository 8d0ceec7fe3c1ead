"""Figures checked against their column's type and a plausibility bound before they reach Arrow.

A department's 汇总 document, covering its subordinate units, reaches hundreds of thousands of 万元 (docs/domain.md §8);
the largest national budget lines are a few hundred million 万元. So an amount of 1e9 万元 (ten trillion yuan) or
more is no budget anyone printed: it is a misreading (form cells run together, "40434043404310100.00%"), reported
as `implausible_figure` with its file, line and printed text, and never loaded as data. The same bound holds for a
figure printed in 元 once converted (1e13 元), and for counts and indicator values whatever their unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

AMOUNT_BOUND_WAN = Decimal("1e9")  # 万元; DECIMAL(20, 6) would hold up to 1e14
AMOUNT_BOUND = {"万元": AMOUNT_BOUND_WAN, "元": AMOUNT_BOUND_WAN * 10000}
RATE_BOUND = Decimal("1e5")  # percentages, scores and weights: DECIMAL(9, 3) holds below 1e6
INT32 = 2**31 - 1


def printable(text: str | None) -> str | None:
    """Text Arrow and DuckDB can store: lone surrogates (a file name that is not UTF-8) written as escapes."""
    if text is None:
        return None
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return "".join(
            (f"\\x{ord(c) - 0xDC00:02x}" if 0xDC80 <= ord(c) <= 0xDCFF else f"\\u{ord(c):04x}")
            if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


@dataclass
class Screen:
    """Screens one document's figures; what fails is collected as (where, printed, value, line, table) misreadings."""

    misreadings: list[tuple[str, str | None, str, int | None, str | None]] = field(default_factory=list)

    def _check(self, value, bound: Decimal, places: str, where: str, printed, line, table) -> Decimal | None:
        if value is None:
            return None
        try:
            number = Decimal(value)
            ok = number.is_finite() and abs(number) < bound
            quantized = number.quantize(Decimal(places)) if ok else None
        except (InvalidOperation, TypeError, ValueError):
            ok, quantized = False, None
        if not ok:
            self.misreadings.append((where, None if printed is None else str(printed), str(value), line, table))
            return None
        return quantized

    def amount(self, value, where: str, printed=None, line=None, table=None, unit: str = "万元") -> Decimal | None:
        """An amount at 10⁻⁶, or None (and a misreading) when no budget could have printed it."""
        return self._check(value, AMOUNT_BOUND.get(unit, AMOUNT_BOUND_WAN), "0.000001", where, printed, line, table)

    def rate(self, value, where: str, printed=None, line=None, table=None) -> Decimal | None:
        """A percentage, score or weight at 10⁻³, or None (and a misreading) beyond any printed one."""
        return self._check(value, RATE_BOUND, "0.001", where, printed, line, table)

    def integer(self, value, where: str, printed=None, line=None, table=None) -> int | None:
        """A count or line number that fits a 32-bit column, or None (and a misreading)."""
        if value is None:
            return None
        if isinstance(value, int) and abs(value) <= INT32:
            return value
        self.misreadings.append((where, None if printed is None else str(printed), str(value), line, table))
        return None

    def amount_ok(self, value, unit: str = "万元") -> bool:
        """True when the amount passes (used where a record without it is no record at all)."""
        try:
            number = Decimal(value)
            return number.is_finite() and abs(number) < AMOUNT_BOUND.get(unit, AMOUNT_BOUND_WAN)
        except (InvalidOperation, TypeError, ValueError):
            return False
