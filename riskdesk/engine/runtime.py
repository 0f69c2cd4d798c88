"""Helpers the generated single-record code calls, and the one definition of rounding.

Rounding is defined by float64 steps that every target performs identically (multiply or
divide by a power of ten, add 0.5, floor), so Python, Polars and every SQL database agree to
the last bit. This is half away from zero on the scaled value: ``ROUND(2.5) = 3``,
``ROUND(-2.5) = -3``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal

from riskdesk.engine.errors import FeatureValueError
from riskdesk.engine.types import ExprType


def as_number(value: object, name: str) -> float | None:
    """A number feature as float64; NaN is NULL, as it is on the vectorised path."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        if hasattr(value, "__float__") and not isinstance(value, bool | str | bytes):
            return as_number(float(value), name)  # numpy scalars
        raise FeatureValueError(name, value, ExprType.NUMBER)
    try:
        number = float(value)
    except OverflowError:
        raise FeatureValueError(name, value, ExprType.NUMBER) from None
    return None if number != number else number


def as_text(value: object, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return str(value)
    raise FeatureValueError(name, value, ExprType.TEXT)


def as_boolean(value: object, name: str) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    raise FeatureValueError(name, value, ExprType.BOOLEAN)


def as_date(value: object, name: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise FeatureValueError(name, value, ExprType.DATE)


COERCERS = {
    ExprType.NUMBER: as_number,
    ExprType.TEXT: as_text,
    ExprType.BOOLEAN: as_boolean,
    ExprType.DATE: as_date,
}


def power_of_ten(digits: int) -> float:
    """10 ** |digits| as float64 (exact for the allowed range of 0..15)."""
    return float(10 ** abs(digits))


def round_half_away(value: float | None, digits: int) -> float | None:
    """``ROUND(value, digits)`` as every target computes it."""
    if value is None:
        return None
    scale = power_of_ten(digits)
    magnitude = abs(value)
    shifted = magnitude * scale + 0.5 if digits >= 0 else magnitude / scale + 0.5
    if not math.isfinite(shifted):
        return value
    floored = float(math.floor(shifted))
    rounded = floored / scale if digits >= 0 else floored * scale
    return -rounded if value < 0 else rounded


def round_to_step(value: float | None, step: float) -> float | None:
    """Round to a multiple of ``step`` (a policy's ``round_to``), half away from zero."""
    if value is None:
        return None
    shifted = abs(value) / step + 0.5
    if not math.isfinite(shifted):
        return value
    rounded = float(math.floor(shifted)) * step
    return -rounded if value < 0 else rounded


_REGEX_SPECIAL = frozenset("\\.^$|?*+()[]{}")


def like_regex_body(pattern: str) -> str:
    """A LIKE pattern as a regular expression body valid for Python's and Rust's engines."""
    parts = []
    for char in pattern:
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        elif char in _REGEX_SPECIAL:
            parts.append("\\" + char)
        else:
            parts.append(char)
    return "".join(parts)


def anchored_like_regex(pattern: str) -> str:
    """For Polars (Rust regex, where ``$`` is the end of the text)."""
    return "(?s)^" + like_regex_body(pattern) + "$"


def compiled_like(pattern: str) -> re.Pattern[str]:
    """For Python: used with ``fullmatch``, so no anchors are needed."""
    return re.compile(like_regex_body(pattern), re.DOTALL)
