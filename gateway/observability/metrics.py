"""Prometheus metrics, one registry per app (tests run several apps in one process).

Every label value comes from a closed set: operation types, route templates, configured
account names, registry provider names, endpoint *templates* from the vendor clients
(``/Accounts/{id}/Recordings``, never a path with ids), HTTP status codes, and fixed
outcome words. Nothing a client chooses (operation names, ids, tokens) becomes a label,
so the number of series stays bounded however the gateway is used.

The webhook route's answers are counted by the access middleware (from their status) and
open subscriptions by the schema extension, so neither needs code of its own. For anything
else, the API is :class:`Metrics`: ``request.app[METRICS]`` in an aiohttp handler, or
:func:`current_metrics` anywhere inside a request (a resolver, a subscription generator)::

    metrics.webhook_event(provider, account, "accepted")
    with metrics.subscription():
        ...  # counted in recgw_active_subscriptions while inside
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable, Iterable, Iterator

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from providers.observe import UpstreamRequest

#: Seconds: from a cached 1 ms answer to a 30 s deadline.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
OPERATION_TYPES = frozenset({"query", "mutation", "subscription"})
OPERATION_OUTCOMES = frozenset({"success", "client_error", "internal_error"})
WEBHOOK_OUTCOMES = frozenset({"accepted", "rejected", "replayed", "ignored", "error"})
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: What an unexpected value becomes instead of a new series.
OTHER = "other"
_CIRCUIT_LEVELS = {"closed": 0, "half_open": 1, "open": 2}


class Metrics:
    """The gateway's metrics; ``accounts`` maps configured account names to providers."""

    def __init__(self, accounts: Iterable[tuple[str, str]] = ()) -> None:
        self.registry = CollectorRegistry()
        self._providers = dict(accounts)
        r = self.registry
        self.operations = Counter(
            "recgw_graphql_operations",
            "GraphQL operations by type and outcome (client_error: an answer with expected "
            "errors such as BAD_ID; internal_error: a masked unexpected error).",
            ["type", "outcome"],
            registry=r,
        )
        self.operation_seconds = Histogram(
            "recgw_graphql_operation_duration_seconds",
            "Time from receiving a GraphQL operation to its result (parse to last resolver).",
            ["type"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.http_requests = Counter(
            "recgw_http_requests",
            "HTTP requests answered, by route template and status.",
            ["route", "method", "status"],
            registry=r,
        )
        self.upstream_requests = Counter(
            "recgw_upstream_requests",
            "Requests to the vendors (every attempt), by endpoint template and status "
            "(or 'timeout' / 'connection' when no answer came).",
            ["provider", "account", "method", "endpoint", "status"],
            registry=r,
        )
        self.upstream_seconds = Histogram(
            "recgw_upstream_request_duration_seconds",
            "Time from sending a vendor request to its answer or failure.",
            ["provider", "account", "method", "endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.upstream_retries = Counter(
            "recgw_upstream_retries",
            "Vendor requests that were retries of a failed attempt.",
            ["provider", "account", "endpoint"],
            registry=r,
        )
        self.batch_size = Histogram(
            "recgw_dataloader_batch_size",
            "Keys per DataLoader batch sent to one account.",
            ["loader", "provider"],
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        self.media_bytes = Counter(
            "recgw_media_bytes",
            "Recording audio bytes streamed to clients through /media.",
            ["provider", "account"],
            registry=r,
        )
        self.webhook_events = Counter(
            "recgw_webhook_events",
            "Vendor webhook requests by outcome.",
            ["provider", "account", "outcome"],
            registry=r,
        )
        self.active_subscriptions = Gauge(
            "recgw_active_subscriptions", "GraphQL subscriptions open now.", registry=r
        )
        self.account_ready = Gauge(
            "recgw_account_ready",
            "1 when the account's credentials were accepted by its latest answer, 0 when "
            "refused, absent until known.",
            ["provider", "account"],
            registry=r,
        )
        self.circuit = Gauge(
            "recgw_circuit_state",
            "Each account's circuit breaker: 0 closed, 1 half-open (a probe is in flight), "
            "2 open (the account is skipped; see gateway.resilience).",
            ["provider", "account"],
            registry=r,
        )
        # ``labels()`` takes a lock and builds a key on every call; the hot series are
        # looked up once and kept here.
        self._upstream: dict[tuple[str, str, str, str, int | None, str | None], _Upstream] = {}
        self._operation: dict[tuple[str, str], tuple[Counter, Histogram]] = {}
        self._http: dict[tuple[str, str, int], Counter] = {}
        self._batch: dict[tuple[str, str], Histogram] = {}
        self._on_scrape: list[Callable[[], None]] = []

    # -- GraphQL and HTTP ------------------------------------------------------------

    def operation(self, op_type: str, outcome: str, seconds: float) -> None:
        series = self._operation.get((op_type, outcome))
        if series is None:
            label = op_type if op_type in OPERATION_TYPES else "unknown"
            series = self._operation[op_type, outcome] = (
                self.operations.labels(label, outcome),
                self.operation_seconds.labels(label),
            )
        series[0].inc()
        series[1].observe(seconds)

    def http_request(self, route: str, method: str, status: int) -> None:
        key = (route, method, status)
        counter = self._http.get(key)
        if counter is None:
            if len(self._http) > 10_000:  # arbitrary methods: never grow without bound
                self._http.clear()
            counter = self._http[key] = self.http_requests.labels(
                route, method if method in _METHODS else OTHER, status
            )
        counter.inc()

    # -- upstream --------------------------------------------------------------------

    def upstream(self, event: UpstreamRequest) -> None:
        key = (
            event.provider,
            event.account,
            event.method,
            event.endpoint,
            event.status,
            event.error,
        )
        series = self._upstream.get(key)
        if series is None:
            series = self._upstream[key] = self._upstream_series(event)
        series.count.inc()
        series.seconds.observe(event.duration)
        if event.attempt > 1:
            series.retries.inc()

    def _upstream_series(self, event: UpstreamRequest) -> _Upstream:
        account = self.account_label(event.account)
        method = event.method if event.method in _METHODS else OTHER
        status = str(event.status) if event.status is not None else (event.error or "error")
        where = (event.provider, account)
        return _Upstream(
            self.upstream_requests.labels(*where, method, event.endpoint, status),
            self.upstream_seconds.labels(*where, method, event.endpoint),
            self.upstream_retries.labels(*where, event.endpoint),
        )

    def batch(self, loader: str, provider: str, size: int) -> None:
        histogram = self._batch.get((loader, provider))
        if histogram is None:
            histogram = self._batch[loader, provider] = self.batch_size.labels(loader, provider)
        histogram.observe(size)

    def media_streamed(self, provider: str, account: str, size: int) -> None:
        self.media_bytes.labels(provider, self.account_label(account)).inc(size)

    # -- events (for the webhook route and subscriptions) ----------------------------

    def webhook_event(self, provider: str, account: str, outcome: str) -> None:
        """Count one webhook request. ``account`` is the URL's ``{account}``: a name that
        is not configured is counted as ``other`` (the URL is the caller's to choose)."""
        account = self.account_label(account)
        if account != OTHER:
            provider = self._providers[account]
        elif provider not in self._providers.values():
            provider = OTHER
        self.webhook_events.labels(
            provider, account, outcome if outcome in WEBHOOK_OUTCOMES else OTHER
        ).inc()

    @contextlib.contextmanager
    def subscription(self) -> Iterator[None]:
        """Count a subscription as active while inside the block."""
        self.active_subscriptions.inc()
        try:
            yield
        finally:
            self.active_subscriptions.dec()

    # -- readiness -------------------------------------------------------------------

    def account_state(self, account: str, *, ready: bool) -> None:
        provider = self._providers.get(account)
        if provider is not None:
            self.account_ready.labels(provider, account).set(1 if ready else 0)

    def circuit_state(self, account: str, state: enum.Enum) -> None:
        """``state``: a ``gateway.resilience.CircuitState``."""
        provider = self._providers.get(account)
        if provider is not None:
            self.circuit.labels(provider, account).set(_CIRCUIT_LEVELS.get(state.value, 0))

    def account_label(self, account: str) -> str:
        return account if account in self._providers else OTHER

    # -- exposition ------------------------------------------------------------------

    def on_scrape(self, refresh: Callable[[], None]) -> None:
        """Call ``refresh`` before each exposition (gauges computed from current state)."""
        self._on_scrape.append(refresh)

    def render(self) -> bytes:
        for refresh in self._on_scrape:
            refresh()
        return generate_latest(self.registry)

    async def handler(self, _: web.Request) -> web.Response:
        """``GET /metrics``."""
        response = web.Response(body=self.render())
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response


class _Upstream:
    __slots__ = ("count", "retries", "seconds")

    def __init__(self, count: Counter, seconds: Histogram, retries: Counter) -> None:
        self.count = count
        self.seconds = seconds
        self.retries = retries


METRICS = web.AppKey("metrics", Metrics)


def current_metrics() -> Metrics | None:
    """The metrics of the app serving the current request (``None`` outside one)."""
    from .observation import current

    observation = current()
    return None if observation is None else observation.metrics


__all__ = [
    "METRICS",
    "OPERATION_OUTCOMES",
    "WEBHOOK_OUTCOMES",
    "Metrics",
    "current_metrics",
]
