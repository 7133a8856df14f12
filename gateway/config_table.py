"""One configuration table (``[limits]``, ``[events]``, ...) read into its dataclass."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from providers.config import parse_settings
from providers.errors import ConfigurationError

from .errors import SettingsError

T = TypeVar("T")


def parse_table(cls: type[T], raw: Any, where: str) -> T:
    """``raw`` as ``cls``, or ``cls()`` when the table is absent. Unknown keys and bad
    types stop the start with a message that names the key, never its value."""
    if raw is None:
        return cls()
    if not isinstance(raw, Mapping):
        raise SettingsError(f"{where} must be a table")
    try:
        return parse_settings(cls, raw, where=where)
    except ConfigurationError as exc:
        raise SettingsError(str(exc)) from None
