"""Signed recording status callbacks, delivered in order and best-effort like the real
platform (a failed delivery is recorded, never retried)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit, urlunsplit

import aiohttp
from yarl import URL

from providers.signalwire.webhooks import sign_form


@dataclass
class Delivery:
    url: str
    method: str
    params: list[tuple[str, str]]
    status: int | None = None
    error: str | None = None


@dataclass
class CallbackSender:
    deliveries: list[Delivery] = field(default_factory=list)
    _last: asyncio.Task[None] | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def send(self, url: str, method: str, params: Sequence[tuple[str, str]], key: str) -> None:
        """Queue one callback; deliveries happen in the order queued."""
        delivery = Delivery(url, method.upper(), list(params))
        self.deliveries.append(delivery)
        task = asyncio.get_running_loop().create_task(self._deliver(delivery, key, self._last))
        self._last = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every queued callback has been attempted."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _deliver(
        self, delivery: Delivery, key: str, previous: asyncio.Task[None] | None
    ) -> None:
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)
        url, data = delivery.url, None
        if delivery.method == "GET":
            parts = urlsplit(url)
            query = "&".join(p for p in (parts.query, urlencode(delivery.params)) if p)
            url = urlunsplit(parts._replace(query=query))
            signature = sign_form(key, url, [])
        else:
            data = urlencode(delivery.params)
            signature = sign_form(key, url, delivery.params)
        headers = {"X-SignalWire-Signature": signature, "X-Twilio-Signature": signature}
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
                session.request(
                    delivery.method, URL(url, encoded=True), data=data, headers=headers
                ) as resp,
            ):
                delivery.status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            delivery.error = type(exc).__name__
