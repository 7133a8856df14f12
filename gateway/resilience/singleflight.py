"""Single-flight: identical upstream reads in flight at the same time share one request.

Twenty dashboards opening at once ask the same first page of the same account twenty
times; the vendor needs to answer it once. :class:`SingleFlight` keys a request by what
is sent (source, method, arguments): while one is in flight, an identical one waits for
its answer instead of sending another. Nothing is kept once the request completes, so no
answer is older than a request that was already on its way when the caller asked: this
is not a cache and serves nothing stale. Writes are never coalesced (only the loaders'
reads use it), and :meth:`SingleFlight.forget` drops a source's flights when the gateway
writes to it, so a read that follows a write never joins a request sent before it.

Why sharing between callers is safe: the key is the upstream request, which does not
depend on the caller (the same source, method and arguments give the same vendor answer
whoever asks), and a caller only reaches a source it may see (``ctx.visible_sources()``
and ``ctx.visible_source()`` decide before any loader key exists). What each caller then
gets from the shared answer is filtered and shaped by its own operation.

The leader runs the request in its own task (no extra task per request). If it is
cancelled (its client went away), the waiting requests are told to start over, and one
of them becomes the new leader.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

V = TypeVar("V")


class LeaderGone(Exception):
    """The leading request was cancelled: start over."""


class Flight(Generic[V]):
    __slots__ = ("waiters",)

    def __init__(self) -> None:
        self.waiters: list[asyncio.Future[V]] = []


class SingleFlight:
    """In-flight reads by key (``(source name, method, arguments)``)."""

    def __init__(self) -> None:
        self._flights: dict[Hashable, Flight[Any]] = {}

    def __len__(self) -> int:
        return len(self._flights)

    async def run(self, key: Hashable, fetch: Callable[[], Awaitable[V]]) -> V:
        """``fetch()``'s result, shared with identical calls made while it runs."""
        while True:
            waiter: asyncio.Future[V] | None = self.join(key)
            if waiter is None:
                break
            try:
                return await waiter
            except LeaderGone:
                continue
        flight: Flight[V] = self.lead(key)
        try:
            result = await fetch()
        except BaseException as exc:
            self.land(key, flight, None, exc)
            raise
        self.land(key, flight, result, None)
        return result

    def join(self, key: Hashable) -> asyncio.Future[Any] | None:
        """A future for the answer of the identical request in flight, or ``None`` when
        there is none (the caller then leads with :meth:`lead`). The future fails with
        :class:`LeaderGone` if the leader is cancelled: start over."""
        flight = self._flights.get(key)
        if flight is None:
            return None
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        flight.waiters.append(waiter)
        return waiter

    def lead(self, key: Hashable) -> Flight[Any]:
        flight: Flight[Any] = Flight()
        self._flights[key] = flight
        return flight

    def land(
        self, key: Hashable, flight: Flight[V], result: V | None, error: BaseException | None
    ) -> None:
        """The leader's outcome, to every waiter still waiting; the key is free again."""
        if self._flights.get(key) is flight:
            del self._flights[key]
        if isinstance(error, asyncio.CancelledError):
            error = LeaderGone()
        for waiter in flight.waiters:
            if waiter.done():  # that caller gave up (its own deadline, or cancelled)
                continue
            if error is None:
                waiter.set_result(result)  # type: ignore[arg-type]
            else:
                waiter.set_exception(error)

    def forget(self, source_name: str) -> None:
        """Later reads of ``source_name`` start their own requests (after a write)."""
        for key in [k for k in self._flights if isinstance(k, tuple) and k[:1] == (source_name,)]:
            del self._flights[key]
