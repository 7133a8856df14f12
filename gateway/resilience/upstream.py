"""Every upstream read of an operation passes here: breaker, single-flight, deadline.

``gateway.loaders`` calls :meth:`Upstream.call` for each backend call it makes (a by-id
batch, a children batch, a listing page) with a key naming the request. In order:

1. an identical read already in flight is joined (:mod:`.singleflight`), waiting at most
   until this operation's deadline;
2. otherwise the source's breaker admits the request or fails it at once (:mod:`.breaker`);
3. the backend call runs under the operation's deadline (:func:`.deadline.bounded`);
4. the outcome feeds the breaker (``providers { health circuit }``, ``/readyz``, metrics).

On the happy path that is a dict lookup, a state check and a ``try``: no task, no lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Protocol, TypeVar

from .breaker import CircuitBreaker, CircuitState
from .budgets import Budgets
from .deadline import bounded
from .singleflight import LeaderGone, SingleFlight

V = TypeVar("V")


class SourceLike(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def provider(self) -> str: ...


class Upstream:
    """Per gateway (shared by every operation): the sources' breakers and the reads in
    flight. ``breaker_failures = 0`` turns breakers off; ``coalesce = False`` turns
    single-flight off."""

    def __init__(
        self, *, breaker_failures: int = 5, breaker_cooldown: float = 10.0, coalesce: bool = True
    ) -> None:
        self.breaker_failures = breaker_failures
        self.breaker_cooldown = breaker_cooldown
        self.flights: SingleFlight | None = SingleFlight() if coalesce else None
        self._breakers: dict[str, CircuitBreaker] = {}
        #: Callers' fair share of upstream requests (:mod:`.budgets`); off by default.
        self.budgets = Budgets()

    def configure(
        self,
        *,
        breaker_failures: int,
        breaker_cooldown: float,
        coalesce: bool,
        budgets: Budgets | None = None,
    ) -> None:
        """Apply the configuration (``create_app``); breakers start closed."""
        self.breaker_failures = breaker_failures
        self.breaker_cooldown = breaker_cooldown
        self._breakers.clear()
        if coalesce != (self.flights is not None):
            self.flights = SingleFlight() if coalesce else None
        if budgets is not None:
            self.budgets = budgets

    def breaker(self, source: SourceLike) -> CircuitBreaker:
        found = self._breakers.get(source.name)
        if found is None:
            found = self._breakers[source.name] = CircuitBreaker(
                source.name,
                source.provider,
                failures=self.breaker_failures,
                cooldown=self.breaker_cooldown,
            )
        return found

    def circuit(self, name: str) -> CircuitState:
        found = self._breakers.get(name)
        return CircuitState.CLOSED if found is None else found.state

    def retry_after(self, name: str) -> float | None:
        found = self._breakers.get(name)
        return None if found is None else found.retry_after()

    def wrote(self, name: str) -> None:
        """The gateway wrote to source ``name``: reads after this never join earlier ones."""
        if self.flights is not None:
            self.flights.forget(name)

    async def call(
        self, source: SourceLike, key: Hashable | None, fetch: Callable[[], Awaitable[V]]
    ) -> V:
        """``await fetch()`` for ``source``; ``key`` (hashable, without the source name)
        names the request for single-flight, ``None`` = never share."""
        flights = self.flights
        if key is None or flights is None:
            return await self._guarded(source, fetch)
        full_key = (source.name, key)
        while (waiter := flights.join(full_key)) is not None:
            try:
                return await bounded(source.provider, lambda: waiter)
            except LeaderGone:
                continue
        flight = flights.lead(full_key)
        try:
            result = await self._guarded(source, fetch)
        except BaseException as exc:
            flights.land(full_key, flight, None, exc)
            raise
        flights.land(full_key, flight, result, None)
        return result

    async def _guarded(self, source: SourceLike, fetch: Callable[[], Awaitable[V]]) -> V:
        breaker = self.breaker(source)
        probe = breaker.admit()
        try:
            result = await bounded(source.provider, fetch)
        except asyncio.CancelledError:
            breaker.abandon(probe=probe)
            raise
        except BaseException as exc:
            breaker.record(exc, probe=probe)
            raise
        breaker.record(None, probe=probe)
        return result
