"""What the gateway learns about one HTTP request while serving it.

The access-log middleware makes one :class:`Observation` per request and puts it in two
context variables: :data:`CURRENT` (for the gateway: the GraphQL extension, loaders,
the media route) and :data:`providers.observe.OBSERVER` (for ``providers._http``). asyncio
copies the context into the tasks an operation starts, so DataLoader batches report to
the request they serve. Outside a request (tests executing the schema directly) both
are unset and every helper here returns at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Iterator
from contextvars import ContextVar
from typing import TypeVar

from opentelemetry.trace import Tracer

from providers.observe import OBSERVER, UpstreamRequest

from .metrics import Metrics
from .tracing import REQUEST_ID, traced, upstream_span

T = TypeVar("T")


class Observation:
    """One request (or one background job): its id, counts and what the log line says."""

    __slots__ = (
        "caller",
        "metrics",
        "operation_name",
        "operation_type",
        "outcome",
        "request_id",
        "tracer",
        "upstream_requests",
    )

    def __init__(self, request_id: str, metrics: Metrics, tracer: Tracer | None) -> None:
        self.request_id = request_id
        self.metrics = metrics
        self.tracer = tracer
        self.upstream_requests = 0
        self.operation_name: str | None = None
        self.operation_type: str | None = None
        self.outcome: str | None = None
        self.caller: str | None = None

    def upstream_request(self, event: UpstreamRequest, /) -> None:
        """:class:`providers.observe.UpstreamObserver`: count, measure, trace."""
        self.upstream_requests += 1
        self.metrics.upstream(event)
        if self.tracer is not None:
            upstream_span(self.tracer, event, self.request_id)


CURRENT: ContextVar[Observation | None] = ContextVar("recgw_observation", default=None)


def current() -> Observation | None:
    return CURRENT.get()


@contextlib.contextmanager
def observing(observation: Observation) -> Iterator[Observation]:
    """Make ``observation`` the current one (gateway and providers) inside the block."""
    token = CURRENT.set(observation)
    upstream_token = OBSERVER.set(observation)
    try:
        yield observation
    finally:
        OBSERVER.reset(upstream_token)
        CURRENT.reset(token)


def observe_batch(
    loader: str, provider: str, account: str, size: int | None, awaitable: Awaitable[T]
) -> Awaitable[T]:
    """A DataLoader batch (``size`` keys) or a listing page (``size`` None) for one
    account: its size goes to ``recgw_dataloader_batch_size``, and with tracing on it
    runs in a span that its upstream requests are children of. Returns ``awaitable``
    itself when there is nothing to wrap."""
    observation = CURRENT.get()
    if observation is None:
        return awaitable
    if size is not None:
        observation.metrics.batch(loader, provider, size)
    tracer = observation.tracer
    if tracer is None:
        return awaitable
    attributes: dict[str, str | int] = {
        "recgw.loader": loader,
        "recgw.provider": provider,
        "recgw.account": account,
        REQUEST_ID: observation.request_id,
    }
    if size is not None:
        attributes["recgw.batch.size"] = size
    return traced(
        tracer, f"{'batch' if size is not None else 'page'} {loader}", attributes, awaitable
    )


def media_streamed(provider: str, account: str, size: int) -> None:
    """``size`` bytes of recording audio went to a client."""
    observation = CURRENT.get()
    if observation is not None:
        observation.metrics.media_streamed(provider, account, size)
