"""Per-account settings: parsing into typed dataclasses, and secrets that never print.

Each vendor declares its ``[[accounts]]`` keys as a frozen dataclass; fields typed
:class:`Secret` hold credentials. :func:`parse_settings` rejects unknown keys, reports every
missing key at once, and never includes a value in its messages.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from .errors import ConfigurationError

C = TypeVar("C")


class Secret:
    """A credential. ``str()``/``repr()`` show ``***``; read it with :meth:`reveal`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclasses.dataclass(frozen=True, slots=True)
class ClientOptions:
    """HTTP behaviour shared by every vendor client; settable per account."""

    timeout: float = 10.0
    connect_timeout: float = 5.0
    read_retries: int = 2
    backoff_base: float = 0.05
    max_retry_after: float = 5.0
    max_connections: int = 32
    #: Concurrent requests of one batch (per-id reads, Kazoo windows). Vendors meter
    #: requests, not concurrency, so the pool size is the natural bound.
    max_concurrency: int = 32
    #: Client-side token bucket: at most ``rate_limit`` requests per ``rate_limit_period``
    #: seconds for this account. ``None``: the vendor's documented meter
    #: (``providers._limits.DOCUMENTED_LIMITS``); 0: no client-side limit.
    rate_limit: float | None = None
    rate_limit_period: float | None = None
    #: Redis holding this account's bucket and 429 pause, shared by every gateway process
    #: configured with it (``[quotas] redis_url`` sets it for every account).
    quota_redis_url: Secret | None = None


def secret_fields(config_class: type[Any]) -> frozenset[str]:
    hints = typing.get_type_hints(config_class)
    return frozenset(f.name for f in dataclasses.fields(config_class) if _is_secret(hints[f.name]))


def _is_secret(hint: Any) -> bool:
    return hint is Secret or any(_is_secret(arg) for arg in typing.get_args(hint))


def parse_settings(config_class: type[C], settings: Mapping[str, Any], *, where: str) -> C:
    """Build ``config_class`` from a mapping of ``[[accounts]]`` keys.

    ``where`` names the account in messages (``accounts[support]``)."""
    if not dataclasses.is_dataclass(config_class):
        raise TypeError(f"{config_class!r} is not a dataclass")
    fields = {f.name: f for f in dataclasses.fields(config_class)}
    hints = typing.get_type_hints(config_class)
    unknown = sorted(set(settings) - set(fields))
    if unknown:
        raise ConfigurationError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(fields))}"
        )
    missing = sorted(
        name
        for name, f in fields.items()
        if name not in settings
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    )
    if missing:
        raise ConfigurationError(f"{where}: missing required key(s) {', '.join(missing)}")
    values: dict[str, Any] = {}
    for name, value in settings.items():
        values[name] = _coerce(value, hints[name], f"{where}: {name}")
    return config_class(**values)


def _coerce(value: Any, hint: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        non_none = [a for a in args if a is not type(None)]
        return _coerce(value, non_none[0], where)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ConfigurationError(f"{where} must be a list")
        return tuple(_coerce(v, args[0], where) for v in value)
    if hint is Secret:
        if isinstance(value, Secret):
            return value
        if not isinstance(value, str) or not value:
            raise ConfigurationError(f"{where} must be a non-empty string")
        return Secret(value)
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint in (str, int, bool) and (
        type(value) is not hint or (hint is int and isinstance(value, bool))
    ):
        raise ConfigurationError(f"{where} must be of type {hint.__name__}")
    return value
