"""JSON output that keeps DECIMAL values exact: written as the number DuckDB printed, never through float."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

# A decimal is first written as a marked string, then the marks and quotes are taken off, leaving a JSON number.
_MARK = "\u0000decimal:"
_MARKED = re.compile(r'"\\u0000decimal:(-?[0-9.]+(?:E[+-]?[0-9]+)?)"')


def _default(value):
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        return f"{_MARK}{value:f}"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return str(value)  # UUIDs, times, intervals: as DuckDB would print them


def dumps(value, **kwargs) -> str:
    """json.dumps with Decimals as exact JSON numbers, dates as ISO text, Chinese kept as is."""
    kwargs.setdefault("ensure_ascii", False)
    text = json.dumps(value, default=_default, **kwargs)
    return _MARKED.sub(r"\1", text)
