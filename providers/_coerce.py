"""Lenient readers for vendor JSON values that documentation and reality type differently
(``duration`` as ``42`` or ``"42"``, Kazoo's stringified CDR columns, ...)."""

from __future__ import annotations

import math
from typing import Any


def number(value: Any) -> float | None:
    """An int, float or numeric string as a finite float; anything else is ``None``."""
    kind = type(value)
    if kind is int:  # the common case first; bool is not an int here
        return float(value)
    if kind is float:
        return value if math.isfinite(value) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str) and value.strip():
        try:
            result = float(value)
        except ValueError:
            return None
    else:
        return None
    return result if math.isfinite(result) else None


def whole_number(value: Any) -> int | None:
    """As :func:`number`, but only whole values (``"2"``, ``2.0``) as ``int``."""
    result = number(value)
    return None if result is None or result != int(result) else int(result)
