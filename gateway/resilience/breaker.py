"""A circuit breaker per source (configured account).

A vendor that is down costs every operation its whole deadline; after ``failures``
consecutive failures the breaker *opens* and requests to that source fail at once with
:class:`CircuitOpenError` (``UPSTREAM_UNAVAILABLE``, with ``retry_after``), so operations
answer with the other sources' data immediately. After ``cooldown`` seconds one request
is let through as a *probe* (half-open) while the others still fail fast; its success
closes the breaker, its failure opens it for another ``cooldown``.

What counts as a failure: the vendor did not answer usefully (connection refused, 5xx,
timeouts, garbage). An answer that proves the vendor is alive (404, 400, 401/403) counts
as a success; a 429 is neither (``providers._limits`` deals with it).
"""

from __future__ import annotations

import enum
import time

from providers.errors import (
    MalformedResponseError,
    RateLimitedError,
    UnavailableError,
    UpstreamError,
)


class CircuitState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpenError(UnavailableError):
    """Not sent: the source's breaker is open. ``retry_after``: seconds until a probe."""

    def __init__(self, message: str, *, provider: str | None, retry_after: float) -> None:
        super().__init__(message, provider=provider)
        self.retry_after = retry_after


def is_failure(exc: BaseException) -> bool:
    """Does ``exc`` say the vendor is not answering usefully?"""
    return isinstance(exc, UnavailableError | MalformedResponseError) and not isinstance(
        exc, CircuitOpenError
    )


class CircuitBreaker:
    """One source's breaker. ``failures = 0`` turns it off (always closed)."""

    __slots__ = (
        "consecutive",
        "cooldown",
        "failures",
        "name",
        "opened_until",
        "probing",
        "provider",
        "state",
    )

    def __init__(self, name: str, provider: str, *, failures: int, cooldown: float) -> None:
        self.name = name
        self.provider = provider
        self.failures = failures
        self.cooldown = cooldown
        self.state = CircuitState.CLOSED
        self.consecutive = 0
        self.opened_until = 0.0
        self.probing = False

    def retry_after(self) -> float | None:
        """Seconds until the next probe may go, while open."""
        if self.state is CircuitState.CLOSED:
            return None
        return max(0.0, self.opened_until - time.monotonic())

    def admit(self) -> bool:
        """Let a request go (``True``: it is the half-open probe) or raise
        :class:`CircuitOpenError`."""
        if self.state is CircuitState.CLOSED:
            return False
        now = time.monotonic()
        if now < self.opened_until or self.probing:
            raise CircuitOpenError(
                f"{self.provider}: account {self.name!r} is failing; not asked "
                f"(circuit open, next probe in {max(0.0, self.opened_until - now):.1f} s)",
                provider=self.provider,
                retry_after=round(max(0.0, self.opened_until - now), 3),
            )
        self.state = CircuitState.HALF_OPEN
        self.probing = True
        return True

    def record(self, exc: BaseException | None, *, probe: bool) -> None:
        """The outcome of a request that :meth:`admit` let through (``None``: success)."""
        if probe:
            self.probing = False
        if exc is None or _alive(exc):
            self.consecutive = 0
            self.state = CircuitState.CLOSED
        elif is_failure(exc):
            self.consecutive += 1
            opens = probe or self.consecutive >= self.failures
            if self.failures and self.state is not CircuitState.OPEN and opens:
                self.state = CircuitState.OPEN
                self.opened_until = time.monotonic() + self.cooldown
        # Anything else (a 429, a bug of ours) says nothing about the vendor's health.

    def abandon(self, *, probe: bool) -> None:
        """The request was cancelled before an outcome: let the next one probe."""
        if probe:
            self.probing = False


def _alive(exc: BaseException) -> bool:
    """An answer from the vendor that is not about its health (404, 400, 401, ...)."""
    return (
        isinstance(exc, UpstreamError)
        and not isinstance(exc, RateLimitedError)
        and not is_failure(exc)
    )
