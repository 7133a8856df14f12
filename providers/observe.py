"""A provider-neutral hook for watching upstream requests.

``providers`` must not know who watches (metrics, traces, a test): it only reports, after
each HTTP attempt, one :class:`UpstreamRequest` to the :class:`UpstreamObserver` found in
the :data:`OBSERVER` context variable. The gateway sets it for each HTTP request it serves
(and for its own background work); asyncio copies the context into every task and
callback an operation starts, so DataLoader batches and gathered windows report to the
same observer. With no observer set, the cost of the hook is one ``ContextVar.get()``.

``endpoint`` is the vendor client's template for the path (``/Accounts/{id}/Recordings``),
never the path itself: ids in a path would make metric labels unbounded and may be
sensitive. Templates carry no query string.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

#: What a request whose client passed no template reports (a test keeps it unused).
UNTEMPLATED = "(untemplated)"


@dataclass(frozen=True, slots=True)
class UpstreamRequest:
    """One attempt at one upstream request, reported when it has an answer or failed."""

    provider: str
    #: The ``[[accounts]]`` name of the backend that sent it.
    account: str
    method: str
    #: Path template relative to the client's base URL, e.g. ``/Accounts/{id}/Recordings``.
    endpoint: str
    #: The HTTP status, or ``None`` when no answer came (then ``error`` says why).
    status: int | None
    #: ``"timeout"`` or ``"connection"`` when there was no answer, else ``None``.
    error: str | None
    #: Seconds from sending to the answer (or the failure).
    duration: float
    #: 1 for the first attempt, 2 for the first retry, ...
    attempt: int


class UpstreamObserver(Protocol):
    def upstream_request(self, request: UpstreamRequest, /) -> None:
        """Called in the task that made the request; must be quick and never raise."""
        ...


OBSERVER: ContextVar[UpstreamObserver | None] = ContextVar("recgw_upstream_observer", default=None)


@contextlib.contextmanager
def observing(observer: UpstreamObserver | None) -> Iterator[None]:
    """Report the upstream requests made inside the block (and by tasks it starts)."""
    token = OBSERVER.set(observer)
    try:
        yield
    finally:
        OBSERVER.reset(token)


__all__ = ["OBSERVER", "UNTEMPLATED", "UpstreamObserver", "UpstreamRequest", "observing"]
