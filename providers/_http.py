"""Shared aiohttp client plumbing for vendor clients.

This is the only module where aiohttp exceptions become :mod:`providers.errors`
exceptions; what a failed answer (status, vendor error body) means is decided by
:mod:`providers._http_errors`, which only this module calls. It gives every vendor the
same behaviour:

* one pooled ``ClientSession`` per backend, opened lazily inside the running loop;
* per-request total and connect timeouts;
* reads (GET/HEAD) retried with exponential backoff on 429, 5xx, timeouts, connection
  errors and garbage bodies; a 429's ``Retry-After`` is honoured up to
  ``ClientOptions.max_retry_after`` (longer waits are surfaced as ``RateLimitedError``);
  writes are never retried, because the vendor may have applied them;
* nothing secret in messages or logs: only method, path, status and vendor error text.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
)
from tenacity.stop import stop_base
from yarl import URL

from . import _budget, _deadline
from ._http_errors import ErrorParser, decode_json, status_error
from ._limits import AccountGate, quota_key
from .config import ClientOptions
from .errors import RateLimitedError, UnavailableError, UpstreamError, UpstreamTimeoutError
from .observe import OBSERVER, UNTEMPLATED, UpstreamRequest

log = logging.getLogger("providers.http")

Params = Mapping[str, str] | Sequence[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: Any


def range_headers(byte_range: tuple[int, int | None] | None) -> dict[str, str]:
    """``Range`` for an inclusive byte range (``None`` end = to the end of the file)."""
    if byte_range is None:
        return {}
    start, end = byte_range
    return {"Range": f"bytes={start}-{'' if end is None else end}"}


class HttpClient:
    """A vendor's HTTP connection. Vendor clients build paths and parse bodies; this
    class does transport, retries and error translation."""

    def __init__(
        self,
        *,
        provider: str,
        base_url: str,
        options: ClientOptions,
        parse_error: ErrorParser,
        basic_auth: tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        account: str = "",
    ) -> None:
        self.provider = provider
        #: The ``[[accounts]]`` name, for :mod:`providers.observe` reports.
        self.account = account
        self.base_url = URL(base_url.rstrip("/"))
        self.options = options
        self._parse_error = parse_error
        self._headers = dict(headers or {})
        if basic_auth is not None:
            self._headers["Authorization"] = aiohttp.encode_basic_auth(*basic_auth)
        self._session: aiohttp.ClientSession | None = None
        #: Rate limit and 429 pause of this vendor account (``providers._limits``).
        self.gate = AccountGate(
            provider,
            options,
            quota_key=quota_key(provider, base_url, basic_auth[0] if basic_auth else account),
        )

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers=self._headers,
                timeout=aiohttp.ClientTimeout(
                    total=self.options.timeout, sock_connect=self.options.connect_timeout
                ),
                connector=aiohttp.TCPConnector(limit=self.options.max_connections),
                json_serialize=lambda obj: orjson.dumps(obj).decode(),
                raise_for_status=False,
            )
        return self._session

    async def aclose(self) -> None:
        await self.gate.aclose()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def url(self, path: str) -> URL:
        """``path`` is relative to the base URL and may carry an (encoded) query."""
        return URL(str(self.base_url) + path, encoded=True)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        retry: bool | None = None,
        expect_json: bool = True,
        endpoint: str | None = None,
    ) -> Response:
        """Send one request, retrying reads. Raises ``UpstreamError`` subclasses for any
        non-2xx answer, a timeout, a connection failure or an unparseable JSON body.

        The first attempt is a plain call: the retry machinery (about 20 µs a request) is
        only set up once an attempt has failed and may be retried. ``endpoint`` is the
        path's template for :mod:`providers.observe` (``/Accounts/{id}/Recordings``)."""
        send = functools.partial(
            self._admitted,
            method,
            path,
            params=params,
            json=json,
            data=data,
            headers=headers,
            expect_json=expect_json,
            endpoint=endpoint,
        )
        retryable = method in ("GET", "HEAD") if retry is None else retry
        retries = self.options.read_retries if retryable else 0
        try:
            return await send(attempt=1)
        except UpstreamError as exc:
            if retries < 1 or not self._should_retry(exc) or _too_late(self._delay(exc, 1)):
                raise
            first_failure = exc
        await asyncio.sleep(self._delay(first_failure, 1))
        retrying = AsyncRetrying(
            # A retry (or a Retry-After wait) never outlasts the operation's deadline.
            stop=stop_after_attempt(retries) | _STOP_AT_DEADLINE,
            retry=retry_if_exception(self._should_retry),
            wait=self._wait,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await send(attempt=attempt.retry_state.attempt_number + 1)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _admitted(self, method: str, path: str, **kwargs: Any) -> Response:
        """One attempt, once the account's gate lets it go (``providers._limits``); a 429
        pauses the whole account."""
        budget = _budget.BUDGET.get()
        if budget is not None:
            budget.spend(self.provider)
        gate = self.gate
        probe = False if gate.idle else await gate.admit()
        try:
            return await self._send(method, path, **kwargs)
        except RateLimitedError as exc:
            await gate.pause(exc.retry_after)
            raise
        finally:
            if probe:
                gate.probe_done()

    def _attempt_timeout(self, method: str, path: str) -> aiohttp.ClientTimeout | None:
        """The attempt's timeout when the operation's deadline is nearer than the
        configured ``timeout`` (``None``: the session's own)."""
        left = _deadline.remaining()
        if left is None or left >= self.options.timeout:
            return None
        if left <= 0:
            raise UpstreamTimeoutError(
                f"{self.provider}: {method} {path} not sent: the operation's deadline passed",
                provider=self.provider,
            )
        return aiohttp.ClientTimeout(
            total=left, sock_connect=min(left, self.options.connect_timeout)
        )

    def _should_retry(self, exc: BaseException) -> bool:
        if isinstance(exc, RateLimitedError):
            return exc.retry_after is None or exc.retry_after <= self.options.max_retry_after
        return isinstance(exc, UpstreamError) and exc.retryable

    def _wait(self, state: RetryCallState) -> float:
        """Tenacity's wait after retry ``n`` failed: the delay after attempt ``n + 1``."""
        exc = state.outcome.exception() if state.outcome else None
        return self._delay(exc, state.attempt_number + 1)

    def _delay(self, exc: BaseException | None, failed_attempt: int) -> float:
        if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
            return exc.retry_after
        return float(self.options.backoff_base * 2 ** (failed_attempt - 1))

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Params | None,
        json: Any,
        data: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        expect_json: bool,
        endpoint: str | None,
        attempt: int,
    ) -> Response:
        timeout = self._attempt_timeout(method, path)
        started = time.perf_counter()
        try:
            session = self.session
            async with session.request(
                method,
                self.url(path),
                params=params,
                json=json,
                data=data,
                headers=headers,
                timeout=timeout or session.timeout,
            ) as resp:
                raw = await resp.read()
                self._log(method, path, resp.status, started, endpoint, attempt)
                if resp.status >= 400:
                    raise status_error(
                        self.provider,
                        self._parse_error,
                        resp.status,
                        raw,
                        resp.headers,
                        method,
                        path,
                    )
                body: Any = raw
                if expect_json and raw:
                    body = decode_json(self.provider, raw, method, path)
                elif expect_json:
                    body = None
                return Response(resp.status, resp.headers, body)
        except UpstreamError:
            raise
        except TimeoutError as exc:
            self._log(method, path, None, started, endpoint, attempt, "timeout")
            raise UpstreamTimeoutError(
                f"{self.provider}: {method} {path} timed out after "
                f"{timeout.total if timeout else self.options.timeout:.3g}s",
                provider=self.provider,
            ) from exc
        except aiohttp.ClientError as exc:
            self._log(method, path, None, started, endpoint, attempt, "connection")
            raise UnavailableError(
                f"{self.provider}: {method} {path} failed: {type(exc).__name__}",
                provider=self.provider,
            ) from exc

    async def open_stream(
        self,
        path: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        endpoint: str | None = None,
    ) -> HttpMediaStream:
        """GET a binary resource without reading it into memory."""
        if not self.gate.idle and await self.gate.admit():  # counts against the quota
            self.gate.probe_done()
        started = time.perf_counter()
        try:
            resp = await self.session.get(self.url(path), params=params, headers=headers)
        except TimeoutError as exc:
            self._log("GET", path, None, started, endpoint, 1, "timeout")
            raise UpstreamTimeoutError(
                f"{self.provider}: GET {path} timed out", provider=self.provider
            ) from exc
        except aiohttp.ClientError as exc:
            self._log("GET", path, None, started, endpoint, 1, "connection")
            raise UnavailableError(
                f"{self.provider}: GET {path} failed: {type(exc).__name__}",
                provider=self.provider,
            ) from exc
        self._log("GET", path, resp.status, started, endpoint, 1)
        if resp.status >= 400:
            raw = await resp.read()
            resp.release()
            raise status_error(
                self.provider, self._parse_error, resp.status, raw, resp.headers, "GET", path
            )
        return HttpMediaStream(resp, self.provider)

    def _log(
        self,
        method: str,
        path: str,
        status: int | None,
        started: float,
        endpoint: str | None = None,
        attempt: int = 1,
        error: str | None = None,
    ) -> None:
        observer = OBSERVER.get()
        if observer is not None:
            observer.upstream_request(
                UpstreamRequest(
                    self.provider,
                    self.account,
                    method,
                    endpoint or UNTEMPLATED,
                    status,
                    error,
                    time.perf_counter() - started,
                    attempt,
                )
            )
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s %s -> %s in %.1f ms",
                self.provider,
                method,
                path.split("?", 1)[0],
                status if status is not None else "error",
                (time.perf_counter() - started) * 1000,
            )


def _too_late(wait: float) -> bool:
    """Would waiting ``wait`` seconds (then trying again) pass the operation's deadline?"""
    left = _deadline.remaining()
    return left is not None and wait >= left


class _StopAtDeadline(stop_base):
    """Tenacity stop condition: the coming wait would pass the deadline."""

    def __call__(self, retry_state: RetryCallState) -> bool:
        return _too_late(retry_state.upcoming_sleep)


_STOP_AT_DEADLINE = _StopAtDeadline()


class HttpMediaStream:
    """:class:`providers.base.MediaStream` over an open aiohttp response."""

    def __init__(self, response: aiohttp.ClientResponse, provider: str) -> None:
        self._response = response
        self._provider = provider
        self.status = response.status
        self.content_type = response.headers.get("Content-Type", "application/octet-stream")
        self.content_length = response.content_length
        self.content_range = response.headers.get("Content-Range")

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_chunked(64 * 1024):
                yield chunk
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise UnavailableError(
                f"{self._provider}: media stream interrupted", provider=self._provider
            ) from exc

    async def aclose(self) -> None:
        self._response.release()
