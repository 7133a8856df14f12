"""``/readyz``: ready when every account's credentials are known to work.

At start, each account is checked once in the background (one cheap authenticated
request: a one-item conference listing, plus Kazoo's token exchange) so that start-up is
not blocked. After that the answer comes from the requests the gateway makes anyway:
the loaders record each source's latest outcome in :class:`gateway.sources.Sources`.

Per account the state is ``checking`` (no answer yet), ``ok``, ``unauthorized`` (the
latest answer was an :class:`~providers.errors.AuthenticationError`) or ``unavailable``
(another upstream failure: timeout, 5xx, garbage). The gateway is not ready (503) while
an account is ``checking`` or ``unauthorized``: wrong credentials do not heal by
themselves, and a load balancer should not send traffic that will fail. An
``unavailable`` vendor does not make it unready: every gateway instance would be equally
unready, taking the healthy vendors' data down with it; it shows as ``degraded``. A
failing account is checked again every ``readiness_recheck_seconds``, so a fixed
credential makes the gateway ready again even if no traffic reaches it.

The answer names accounts and error codes, never credentials or vendor messages.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web

from gateway.sources import Source, Sources
from providers.errors import AuthenticationError, UpstreamError
from providers.models import PageRequest

from .metrics import Metrics
from .observation import Observation, observe_batch, observing

log = logging.getLogger("gateway.readiness")

AUTH_FAILED = AuthenticationError.code
CHECKING, OK, UNAUTHORIZED, UNAVAILABLE = "checking", "ok", "unauthorized", "unavailable"
_NOT_READY = frozenset({CHECKING, UNAUTHORIZED})


class Readiness:
    def __init__(
        self,
        sources: Sources,
        metrics: Metrics,
        *,
        recheck_seconds: float = 30.0,
        observation: Callable[[str], Observation] | None = None,
    ) -> None:
        self.sources = sources
        self.metrics = metrics
        self.recheck_seconds = recheck_seconds
        self._observation = observation or (lambda rid: Observation(rid, metrics, None))
        #: Set once every account has had its start-up check (tests wait for it before
        #: counting upstream requests).
        self.checked = asyncio.Event()
        metrics.on_scrape(self._publish)

    def state(self, source: Source) -> str:
        healthy = self.sources.health(source.name)
        if healthy is None:
            return CHECKING
        if healthy:
            return OK
        return UNAUTHORIZED if self.sources.error(source.name) == AUTH_FAILED else UNAVAILABLE

    def report(self) -> tuple[bool, dict[str, Any]]:
        states = {source.name: self.state(source) for source in self.sources}
        ready = not any(state in _NOT_READY for state in states.values())
        degraded = ready and any(state == UNAVAILABLE for state in states.values())
        body: dict[str, Any] = {
            "status": "degraded" if degraded else "ready" if ready else "not ready",
            "accounts": dict(sorted(states.items())),
        }
        circuits = {s.name: self.sources.upstream.circuit(s.name).value for s in self.sources}
        if any(state != "closed" for state in circuits.values()):
            # Open breakers: those sources are skipped at once (gateway.resilience).
            body["circuits"] = dict(sorted(circuits.items()))
        failing = sorted(name for name, state in states.items() if state != OK)
        if failing:
            body["failing"] = {
                name: {"state": states[name], "code": self.sources.error(name)} for name in failing
            }
        return ready, body

    async def handler(self, _: web.Request) -> web.Response:
        ready, body = self.report()
        return web.json_response(body, status=200 if ready else 503)

    async def check(self, source: Source) -> None:
        """One cheap authenticated request; its outcome is recorded like any other."""
        try:
            await observe_batch(
                "readiness_check",
                source.provider,
                source.name,
                None,
                source.backend.list_conferences(PageRequest(size=1)),
            )
        except UpstreamError as exc:
            self.sources.record(source.name, ok=False, error=exc)
            log.warning(
                "account check failed",
                extra={"account": source.name, "provider": source.provider, "code": exc.code},
            )
        except Exception as exc:
            # A backend bug must not kill the checker; it says nothing about credentials.
            log.exception("account check crashed", extra={"account": source.name})
            self.sources.record(source.name, ok=False, error=exc)
        else:
            self.sources.record(source.name, ok=True)

    async def run(self) -> None:
        """Check every account now, then the failing ones every ``recheck_seconds``."""
        with observing(self._observation(f"readiness-{uuid.uuid4().hex[:8]}")):
            await asyncio.gather(*(self.check(s) for s in self.sources))
            self.checked.set()
            while True:
                await asyncio.sleep(self.recheck_seconds)
                failing = [s for s in self.sources if self.state(s) not in (OK, CHECKING)]
                await asyncio.gather(*(self.check(s) for s in failing))

    async def background(self, _: web.Application) -> AsyncIterator[None]:
        """``cleanup_ctx`` entry: run the checker while the app runs."""
        task = asyncio.create_task(self.run(), name="recgw-readiness")
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    def _publish(self) -> None:
        for source in self.sources:
            self.metrics.circuit_state(source.name, self.sources.upstream.circuit(source.name))
            state = self.state(source)
            if state in (OK, UNAUTHORIZED):
                self.metrics.account_state(source.name, ready=state == OK)
