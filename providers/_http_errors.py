"""How an HTTP answer becomes a :mod:`providers.errors` exception.

:mod:`providers._http` sends the requests; this module decides what a failed answer
means: the status code's default class, what the vendor's error body says (each vendor
client's :data:`ErrorParser` reads its own format into a :class:`VendorError`, which may
override the class), a 429's ``Retry-After``, and a success body that is not JSON. Messages
are built only from the method, path, status and the vendor's error text: never from
headers or credentials.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from .errors import (
    AuthenticationError,
    InvalidRequestError,
    InvalidStateError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    UnavailableError,
    UpstreamError,
)


@dataclass(frozen=True, slots=True)
class VendorError:
    """What a vendor's error body says. ``error_class`` overrides the status mapping."""

    message: str
    vendor_code: str | None = None
    error_class: type[UpstreamError] | None = None


ErrorParser = Callable[[int, Any], VendorError]

_STATUS_ERRORS: dict[int, type[UpstreamError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: InvalidStateError,
    410: NotFoundError,
    429: RateLimitedError,
}


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def decode_json(provider: str, raw: bytes, method: str, path: str) -> Any:
    """A success body parsed as JSON; garbage is a :class:`MalformedResponseError`."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise MalformedResponseError(
            f"{provider}: {method} {path} returned a body that is not JSON",
            provider=provider,
        ) from exc


def status_error(
    provider: str,
    parse_error: ErrorParser,
    status: int,
    raw: bytes,
    headers: Mapping[str, str],
    method: str,
    path: str,
) -> UpstreamError:
    """The exception for a 4xx/5xx answer: the vendor parser's class if it names one,
    else the status's, else ``UnavailableError`` (5xx) or ``InvalidRequestError``."""
    try:
        body: Any = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        body = None
    try:
        vendor = parse_error(status, body)
    except Exception:  # a vendor parser must never mask the real failure
        vendor = VendorError(message="")
    cls = vendor.error_class or _STATUS_ERRORS.get(status)
    if cls is None:
        cls = UnavailableError if status >= 500 else InvalidRequestError
    text = vendor.message or f"HTTP {status}"
    message = f"{provider}: {method} {path} -> {status}: {text}"
    if issubclass(cls, RateLimitedError):
        return cls(
            message,
            provider=provider,
            status=status,
            vendor_code=vendor.vendor_code,
            retry_after=parse_retry_after(headers.get("Retry-After")),
        )
    return cls(message, provider=provider, status=status, vendor_code=vendor.vendor_code)
