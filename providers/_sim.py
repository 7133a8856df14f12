"""Toolkit shared by the vendor simulators.

A simulator is a real aiohttp application that reproduces one vendor's REST API from the
notes in ``shared/providers``. This module gives each of them the same test hooks:

* :class:`RequestLog`: every request the simulator answered, so tests and benchmarks count
  upstream calls;
* :class:`Faults`: latency, one-shot or persistent 429 (with ``Retry-After``), 5xx, garbage
  bodies, refused credentials and hangs, rendered in the vendor's own error shape;
* :class:`TokenBucket`: a vendor-style rate limiter a simulator can switch on;
* :class:`SimulatorServer`: run any simulator on a loopback port;
* deterministic ids, timestamps and audio bytes from a seed.
"""

from __future__ import annotations

import asyncio
import enum
import math
import random
import struct
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Protocol

from aiohttp import web
from aiohttp.typedefs import Middleware

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FaultKind(enum.Enum):
    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"
    GARBAGE = "garbage"
    WRONG_SHAPE = "wrong_shape"
    BAD_AUTH = "bad_auth"
    HANG = "hang"


@dataclass(slots=True)
class LoggedRequest:
    method: str
    path: str
    query: str
    status: int
    at: float
    headers: Mapping[str, str] = field(default_factory=dict)


class RequestLog:
    """Requests answered, oldest first. ``count()`` filters by method and path prefix."""

    def __init__(self) -> None:
        self.entries: list[LoggedRequest] = []

    def append(self, entry: LoggedRequest) -> None:
        self.entries.append(entry)

    def clear(self) -> None:
        self.entries.clear()

    def count(self, method: str | None = None, path_contains: str | None = None) -> int:
        return sum(
            1
            for e in self.entries
            if (method is None or e.method == method)
            and (path_contains is None or path_contains in e.path)
        )

    def __len__(self) -> int:
        return len(self.entries)


@dataclass(slots=True)
class Faults:
    """What goes wrong, and when.

    ``latency`` (seconds) delays every request. ``outage`` applies one fault to every
    request until cleared; ``queue`` holds one-shot faults for the next requests, where
    ``None`` lets one request through (to fail a later step of a sequence).
    ``retry_after`` is sent with 429s; ``hang_seconds`` is how long a HANG stalls.
    """

    latency: float = 0.0
    outage: FaultKind | None = None
    queue: list[FaultKind | None] = field(default_factory=list)
    retry_after: float = 1.0
    hang_seconds: float = 30.0

    def inject(self, *kinds: FaultKind | None) -> None:
        self.queue.extend(kinds)

    def reset(self) -> None:
        self.latency = 0.0
        self.outage = None
        self.queue.clear()

    def next(self) -> FaultKind | None:
        if self.queue:
            return self.queue.pop(0)
        return self.outage


class ErrorRenderer(Protocol):
    def __call__(
        self, status: int, message: str, *, headers: Mapping[str, str] | None = None
    ) -> web.Response: ...


class TokenBucket:
    """Capacity ``capacity`` tokens, refilled at ``rate`` per second; one per request."""

    def __init__(self, capacity: float, rate: float, clock: Callable[[], float] = time.monotonic):
        self.capacity = capacity
        self.rate = rate
        self._clock = clock
        self._tokens = capacity
        self._at = clock()

    def take(self) -> tuple[bool, float]:
        """Take one token. Returns (allowed, seconds until one is available)."""
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True, 0.0
        return False, (1 - self._tokens) / self.rate

    @property
    def remaining(self) -> int:
        return int(self._tokens)


class Simulator(Protocol):
    """What every vendor simulator offers to tests, the CLI and the demo."""

    provider: ClassVar[str]
    request_log: RequestLog
    faults: Faults

    def make_app(self) -> web.Application:
        """A fresh aiohttp application serving the vendor API at its real paths."""
        ...

    def account_settings(self, root_url: str) -> list[dict[str, str]]:
        """For each seeded account, the ``[[accounts]]`` keys (``base_url`` and credentials)
        a gateway needs to reach it through a simulator served at ``root_url``."""
        ...

    def connect_webhooks(self, account_index: int, webhook_url: str) -> dict[str, Any]:
        """Make the account's callbacks go to ``webhook_url`` where the vendor needs that
        set up in advance, and return the ``[[accounts]]`` keys that verify them (the
        secrets the simulator signs with, or the one it must present)."""
        ...


def fault_middleware(
    log: RequestLog,
    faults: Faults,
    render_error: ErrorRenderer,
) -> Middleware:
    """Request logging and fault injection, applied before the vendor's handlers."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if faults.latency:
            await asyncio.sleep(faults.latency)
        response: web.StreamResponse | None = await _apply_fault(faults, render_error)
        if response is None:
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                response = render_error(exc.status, exc.reason)
        log.append(
            LoggedRequest(
                method=request.method,
                path=request.path,
                query=request.query_string,
                status=response.status,
                at=time.monotonic(),
                headers=dict(request.headers),
            )
        )
        return response

    return middleware


async def _apply_fault(faults: Faults, render_error: ErrorRenderer) -> web.Response | None:
    kind = faults.next()
    if kind is None:
        return None
    if kind is FaultKind.RATE_LIMIT:
        return render_error(
            429,
            "Too Many Requests",
            headers={"Retry-After": f"{faults.retry_after:g}"},
        )
    if kind is FaultKind.SERVER_ERROR:
        return render_error(503, "Service Unavailable")
    if kind is FaultKind.BAD_AUTH:
        return render_error(401, "Unauthorized")
    if kind is FaultKind.GARBAGE:
        return web.Response(
            status=200, body=b"<html>upstream proxy hiccup", content_type="application/json"
        )
    if kind is FaultKind.WRONG_SHAPE:
        return web.json_response({"unexpected": ["shape", 1]})
    await asyncio.sleep(faults.hang_seconds)
    return render_error(504, "Gateway Timeout")


class SimulatorServer:
    """Serve a simulator on a loopback port (0 picks a free one)."""

    def __init__(self, simulator: Simulator, *, host: str = "127.0.0.1", port: int = 0):
        self.simulator = simulator
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> SimulatorServer:
        self._runner = web.AppRunner(self.simulator.make_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SimulatorServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def account_settings(self) -> list[dict[str, str]]:
        return self.simulator.account_settings(self.root_url)


class Seeded:
    """Deterministic ids and times from one seed, anchored at a fixed instant."""

    def __init__(self, seed: int, anchor: datetime | None = None) -> None:
        self.rng = random.Random(seed)
        now = anchor or datetime.now(UTC)
        self.anchor = now.replace(minute=0, second=0, microsecond=0)

    def hex(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def before_anchor(self, max_seconds: float) -> datetime:
        return self.anchor - timedelta(seconds=self.rng.uniform(60, max_seconds))

    def phone(self) -> str:
        return "+1312555" + "".join(self.rng.choice("0123456789") for _ in range(4))


def wav_bytes(
    seconds: float, *, rate: int = 8000, seed: int = 0, max_seconds: float = 5.0
) -> bytes:
    """A valid 8-bit mono PCM WAV with a quiet deterministic tone.

    Audio is capped at ``max_seconds`` so that large seeded datasets stay cheap to serve."""
    frames = int(rate * max(0.0, min(seconds, max_seconds)))
    freq = 220 + (seed % 7) * 55
    samples = bytes(128 + int(20 * math.sin(2 * math.pi * freq * i / rate)) for i in range(frames))
    header = b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate, 1, 8)
    return header + fmt + b"data" + struct.pack("<I", len(samples)) + samples


_MP3_SILENT_FRAME = bytes.fromhex("fffb9064") + bytes(413)  # MPEG-1 L3 128 kbit/s 44.1 kHz


def mp3_bytes(seconds: float, *, max_seconds: float = 5.0) -> bytes:
    """A stream of silent MPEG-1 Layer III frames (~26 ms each)."""
    frames = max(1, int(min(seconds, max_seconds) / 0.026))
    return _MP3_SILENT_FRAME * frames


def range_response(
    request: web.Request, body: bytes, content_type: str, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Serve ``body`` honouring a single ``Range: bytes=a-b`` header, as vendors' CDNs do."""
    extra: dict[str, Any] = dict(headers or {})
    extra["Accept-Ranges"] = "bytes"
    rng = request.http_range
    if request.headers.get("Range") and (rng.start is not None or rng.stop is not None):
        start = rng.start or 0
        if start < 0:
            start = max(0, len(body) + start)
        stop = len(body) if rng.stop is None else min(rng.stop, len(body))
        if start >= len(body) or start >= stop:
            extra["Content-Range"] = f"bytes */{len(body)}"
            return web.Response(status=416, headers=extra)
        extra["Content-Range"] = f"bytes {start}-{stop - 1}/{len(body)}"
        return web.Response(
            status=206, body=body[start:stop], content_type=content_type, headers=extra
        )
    return web.Response(body=body, content_type=content_type, headers=extra)
