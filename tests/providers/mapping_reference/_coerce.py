"""Lenient readers for vendor JSON values that documentation and reality type differently
(``duration`` as ``42`` or ``"42"``, Kazoo's stringified CDR columns, ...), and the lazy
view mappers keep a vendor item's unmapped fields in."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
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
    if type(value) is str and value.isdigit() and value.isascii() and len(value) < 16:
        return int(value)  # what the float route gives: 15 digits are exact in a float
    result = number(value)
    return None if result is None or result != int(result) else int(result)


class Leftovers(Mapping[str, Any]):
    """A vendor item's unmapped fields (a model's ``extra``) as a read-only view.

    Equal, in content and order, to the dict
    ``{k: v for k, v in raw.items() if k not in hidden} | tail``, but built in constant
    time: ``extra`` is rarely read and building that dict for every item cost more than
    the rest of a mapping. ``raw`` must not change afterwards (mappers are handed freshly
    decoded JSON that nothing else keeps). Subclasses may hide more keys
    (:meth:`_hides`) or rewrite values on the way out (:meth:`_reveal`).
    """

    __slots__ = ("_hidden", "_raw", "_tail")

    def __init__(
        self,
        raw: Mapping[str, Any],
        hidden: frozenset[str],
        tail: Mapping[str, Any] | None = None,
    ) -> None:
        self._raw = raw
        self._hidden = hidden
        self._tail = tail

    def _hides(self, key: object) -> bool:
        return key in self._hidden

    def _reveal(self, key: str, value: Any) -> Any:
        return value

    def __getitem__(self, key: str) -> Any:
        tail = self._tail
        if tail is not None and key in tail:
            return tail[key]
        if self._hides(key):
            raise KeyError(key)
        return self._reveal(key, self._raw[key])

    def __contains__(self, key: object) -> bool:
        tail = self._tail
        if tail is not None and key in tail:
            return True
        return key in self._raw and not self._hides(key)

    def __iter__(self) -> Iterator[str]:
        raw = self._raw
        for key in raw:
            if not self._hides(key):
                yield key
        if self._tail:
            # A tail key already shown from ``raw`` kept its place there (dict.update).
            for key in self._tail:
                if key not in raw or self._hides(key):
                    yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self)!r})"
