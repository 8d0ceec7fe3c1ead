"""Reading printed figures: amounts, blanks, line numbers, in every form real documents print them."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

# Printed empty cells: blank, dashes of any length, em dashes. A dash *before* a figure is a minus (see below).
BLANK_RE = re.compile(r"^(?:|-{1,3}|—{1,2}|－{1,3}|/)$")
# Every minus sign printed before a figure: ASCII hyphen, the Unicode minus, the full-width hyphen, dashes.
_MINUS = "-−－—–"
# A figure after normalisation: optional minus, digits (optionally grouped by commas), optional decimals.
_CANONICAL = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_CANONICAL_DECIMAL = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+$")
INTEGER_RE = re.compile(r"^\d+$")
TEN_THOUSAND = Decimal(10000)
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
_ASCII_DIGITS = re.compile(r"[0-9]")


MAX_INTEGER_DIGITS = 20  # beyond any budget by ten orders of magnitude, and within what Decimal sums exactly


@lru_cache(maxsize=65536)  # the same few thousand figures and words recur on every line of a corpus
def normalize_figure(text: str) -> str | None:
    """A printed figure as plain ASCII, or None: see _canonical; a run of more than MAX_INTEGER_DIGITS integer
    digits is no figure anyone printed (cells run together) and is reported as unreadable where it stands."""
    figure = _canonical(text)
    if figure is None or len(figure.lstrip("-").split(".")[0].replace(",", "")) > MAX_INTEGER_DIGITS:
        return None
    return figure


def _canonical(text: str) -> str | None:
    """A printed figure as plain ASCII ('-1393.59'), or None when the text is not a figure.

    Accepted forms: '1,393.59', '-428.89', '−428.89', '－428.89', '—428.89' (a dash before a figure is a minus; a
    lone dash is an empty cell), '(428.89)' and '（428.89）' (accountants' negatives), full-width digits
    '４２８．８９', and a trailing '万' ('428.89万' is the printed value 428.89 in a 万元 table)."""
    s = text.strip().translate(_FULL_WIDTH)
    if not s or not _ASCII_DIGITS.search(s):
        return None
    negative = False
    if (s[0] in "(（" and s[-1] in ")）") and len(s) > 2:
        s, negative = s[1:-1].strip(), True
    if s and s[0] in _MINUS:
        s = s.lstrip(_MINUS).strip()
        negative = not negative
    s = s.removesuffix("万元").removesuffix("万")
    if not _CANONICAL.match(s):
        return None
    return ("-" if negative else "") + s


def is_blank(text: str) -> bool:
    """True for a printed empty cell: nothing, '-', '--', '---', '—'."""
    return bool(BLANK_RE.match(text.strip()))


def is_amount(text: str) -> bool:
    """True for a printed figure such as '1,393.59', '0.00', '-12.5', '(12.50)' or '7'."""
    return normalize_figure(text) is not None


def is_decimal(text: str) -> bool:
    """True for a figure printed with a decimal point (how table amounts are printed)."""
    figure = normalize_figure(text)
    return figure is not None and bool(_CANONICAL_DECIMAL.match(figure))


_BROKEN = re.compile(r"^(?=.*\d)(?![\d,.\-−]+$)[\w,.\-−]+$")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=65536)
def is_broken_figure(text: str) -> bool:
    """True for a token that mixes digits with other marks ('755.9l', '42x.89'): a figure nobody can read."""
    text = text.strip()
    if _canonical(text) is not None:
        return normalize_figure(text) is None  # digits run together beyond any figure
    return bool(_BROKEN.match(text)) and not _CJK.search(text) and not re.fullmatch(r"\d+[A-Za-z]?", text)


def is_figure(text: str, unit: str | None = None) -> bool:
    """True for a table amount: printed with decimals, or, in a table in 元, any amount (元 print whole numbers)."""
    return is_decimal(text) or (unit == "元" and is_amount(text))


def is_integer(text: str) -> bool:
    """True for a bare integer (a code, a line number, a count or a page number)."""
    text = text.strip()
    return bool(INTEGER_RE.match(text)) and len(text) <= MAX_INTEGER_DIGITS


def parse_amount(text: str) -> Decimal:
    """Parse a printed figure exactly; raises ValueError when it is not one."""
    figure = normalize_figure(text)
    if figure is None:
        raise ValueError(f"not a figure: {text!r}")
    try:
        return Decimal(figure.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - guarded by normalize_figure
        raise ValueError(f"not a figure: {text!r}") from exc


def to_wan(value: Decimal | None, unit: str) -> Decimal | None:
    """Convert an amount printed in `unit` to 万元."""
    if value is None:
        return None
    if unit == "元":
        return value / TEN_THOUSAND
    return value


def rounding_tolerance(n_terms: int) -> Decimal:
    """docs/domain.md §5: a parent and the sum of its n printed children may differ by 0.005 × (n + 1)."""
    return Decimal("0.005") * (n_terms + 1)
