"""Client-side admission per vendor account: a token bucket and one shared pause.

Vendors meter requests per account (Kazoo: a bucket of 100 tokens refilled at 10 per
second; SignalWire: 13,800 writes per 10 s per Space). Exceeding the meter earns 429s, and
a gateway that keeps sending while a vendor is refusing makes matters worse for every
caller. :class:`AccountGate` sits in front of every request of one account
(``providers._http.HttpClient`` asks it before each attempt):

* a token bucket (:class:`aiolimiter.AsyncLimiter`) at ``ClientOptions.rate_limit`` per
  ``rate_limit_period`` seconds, defaulting to the vendor's documented meter
  (:data:`DOCUMENTED_LIMITS`);
* one *pause* for the whole account: a 429 with ``Retry-After: N`` stops every request of
  that account for N seconds, instead of each request sleeping its own N and then all of
  them retrying at once;
* when a pause ends, a single *probe* goes first and the others wait for its outcome: if it
  is refused again the account pauses again, so at most one request per ``Retry-After``
  window reaches a vendor that keeps refusing;
* waiting is bounded: a request that could not be sent within the operation's deadline
  (``providers._deadline``) or within ``max_retry_after`` fails at once with
  :class:`~providers.errors.RateLimitedError` and no request is sent.

With ``ClientOptions.quota_redis_url`` set, the bucket and the pause live in Redis
(:class:`RedisQuota`: one Lua script per admission), so several gateway processes share one
vendor quota and one pause. Without it nothing here touches the network, and the happy path
is a couple of attribute reads (plus the limiter's ``acquire`` when a limit is set).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from typing import Any

from aiolimiter import AsyncLimiter

from . import _deadline
from .config import ClientOptions
from .errors import RateLimitedError, UpstreamTimeoutError

log = logging.getLogger("providers.limits")

#: Per provider: (requests, period in seconds), from ``shared/providers/*.md``.
#: Kazoo: token bucket per client IP + account, 100 tokens, refilled 10 per second.
#: SignalWire: 13,800 API writes per 10 s per Space (reads "effectively unlimited"; one
#: bucket for all requests at that rate never slows reads in practice).
#: FreeClimb documents no limit: none by default.
DOCUMENTED_LIMITS: dict[str, tuple[float, float]] = {
    "kazoo": (100.0, 10.0),
    "signalwire": (13_800.0, 10.0),
}
#: How long a 429 without a usable ``Retry-After`` pauses the account.
DEFAULT_PAUSE = 1.0


def effective_limit(provider: str, options: ClientOptions) -> tuple[float, float] | None:
    """(requests, period) of the account's bucket, or ``None`` when unlimited."""
    default = DOCUMENTED_LIMITS.get(provider)
    rate = options.rate_limit if options.rate_limit is not None else (default or (0, 1))[0]
    period = options.rate_limit_period
    if period is None:
        period = default[1] if default and options.rate_limit is None else 1.0
    if rate <= 0 or period <= 0:
        return None
    return (rate, period)


class AccountGate:
    """Admission for one vendor account (one per ``HttpClient``); see the module doc."""

    def __init__(self, provider: str, options: ClientOptions, *, quota_key: str) -> None:
        self.provider = provider
        self.max_wait = options.max_retry_after
        limit = effective_limit(provider, options)
        self.limit = limit
        self.limiter = AsyncLimiter(limit[0], limit[1]) if limit else None
        self.shared: RedisQuota | None = None
        if options.quota_redis_url is not None:
            self.shared = RedisQuota(
                options.quota_redis_url.reveal(), f"recgw:quota:{quota_key}", limit
            )
        #: ``time.monotonic()`` until which no request of this account is sent.
        self.paused_until = 0.0
        self._needs_probe = False
        self._probe: asyncio.Future[None] | None = None

    @property
    def idle(self) -> bool:
        """Nothing to wait for and nothing to count: the request may go at once."""
        return (
            self.limiter is None
            and self.shared is None
            and self._probe is None
            and not self._needs_probe
            and self.paused_until == 0.0
        )

    def pause_left(self) -> float:
        return max(0.0, self.paused_until - time.monotonic())

    async def admit(self) -> bool:
        """Wait until a request may be sent; ``True`` when it is the probe after a pause
        (the caller then reports with :meth:`probe_done`). Raises ``RateLimitedError``
        when the wait would outlast the deadline or ``max_retry_after``."""
        while True:
            left = self.pause_left()
            if left > 0:
                await self._wait(left, "the account is paused after a 429")
                continue
            if self._probe is not None:
                await self._wait_probe()
                continue
            if self.shared is not None:
                pause, wait = await self.shared.take()
                if pause > 0:
                    self._pause_locally(pause)
                    continue
                if wait > 0:
                    await self._wait(wait, "the shared rate limit is spent")
                    continue
            elif self.limiter is not None:
                if self.limiter.has_capacity():
                    await self.limiter.acquire()
                else:
                    await self._bounded(self.limiter.acquire(), "the rate limit is spent")
            return self._start_probe()

    def _start_probe(self) -> bool:
        if self.paused_until and self.paused_until <= time.monotonic():
            self.paused_until = 0.0
        if not self._needs_probe:
            return False
        self._needs_probe = False
        self._probe = asyncio.get_running_loop().create_future()
        return True

    def probe_done(self) -> None:
        """The probe request ended (whatever the outcome): wake the requests waiting."""
        probe, self._probe = self._probe, None
        if probe is not None and not probe.done():
            probe.set_result(None)

    async def pause(self, seconds: float | None) -> None:
        """A 429 said to wait ``seconds``: pause every request of the account."""
        wait = DEFAULT_PAUSE if seconds is None or seconds <= 0 else seconds
        self._pause_locally(wait)
        if self.shared is not None:
            await self.shared.pause(wait)

    def _pause_locally(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)
        self._needs_probe = True

    async def _wait(self, seconds: float, why: str) -> None:
        left = _deadline.remaining()
        if seconds > self.max_wait or (left is not None and seconds >= left):
            raise RateLimitedError(
                f"{self.provider}: not sent: {why} for {seconds:.1f} s more",
                provider=self.provider,
                status=None,
                retry_after=round(seconds, 3),
            )
        await asyncio.sleep(seconds)

    async def _wait_probe(self) -> None:
        probe = self._probe
        assert probe is not None
        await self._bounded(asyncio.shield(probe), "waiting for the probe after a 429")

    async def _bounded(self, waiting: Any, why: str) -> None:
        left = _deadline.remaining()
        try:
            async with asyncio.timeout(left if left is None else max(0.0, left)):
                await waiting
        except TimeoutError:
            raise UpstreamTimeoutError(
                f"{self.provider}: not sent before the operation's deadline ({why})",
                provider=self.provider,
            ) from None

    async def aclose(self) -> None:
        if self.shared is not None:
            await self.shared.aclose()


def quota_key(provider: str, base_url: str, identity: str | None) -> str:
    """A stable, non-secret name for an account's quota: a hash of where and who."""
    digest = hashlib.sha256(f"{provider}\0{base_url}\0{identity or ''}".encode()).hexdigest()
    return f"{provider}:{digest[:20]}"


# KEYS[1]: bucket hash, KEYS[2]: pause key. ARGV[1]: capacity, ARGV[2]: tokens per ms.
# Returns {pause ms left, ms until a token} ({0, 0}: admitted, one token taken). Redis's own
# clock, so that processes on different hosts agree.
_TAKE = """
local pause = redis.call('PTTL', KEYS[2])
if pause > 0 then return {pause, 0} end
local capacity = tonumber(ARGV[1])
if capacity <= 0 then return {0, 0} end
local per_ms = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or capacity
local at = tonumber(b[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * per_ms)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / per_ms) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / per_ms) + 1000)
return {0, wait}
"""
# KEYS[1]: pause key, ARGV[1]: ms. Lengthens the pause, never shortens it.
_PAUSE = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 0
"""


class RedisQuota:
    """The bucket and the pause of one account, in Redis, shared by every process.

    If Redis cannot be reached the account is not blocked: admission falls back to
    "allowed" (logged once per outage), because an unreachable quota store must not turn
    into an outage of every vendor."""

    def __init__(self, url: str, key: str, limit: tuple[float, float] | None) -> None:
        self._url = url
        self._keys = (f"{key}:bucket", f"{key}:pause")
        self._capacity = limit[0] if limit else 0.0
        self._per_ms = limit[0] / limit[1] / 1000 if limit else 0.0
        self._client: Any = None
        self._take: Any = None
        self._pause: Any = None
        self._failing = False

    def _scripts(self) -> tuple[Any, Any]:
        if self._client is None:
            import redis.asyncio as redis

            self._client = redis.Redis.from_url(self._url)
            self._take = self._client.register_script(_TAKE)
            self._pause = self._client.register_script(_PAUSE)
        return self._take, self._pause

    async def take(self) -> tuple[float, float]:
        """(pause seconds left, seconds until a token); (0, 0) = admitted."""
        take, _ = self._scripts()
        try:
            pause_ms, wait_ms = await take(
                keys=self._keys, args=[self._capacity, repr(self._per_ms)]
            )
        except Exception as exc:  # redis errors of any kind: fail open, see class doc
            self._note_failure(exc)
            return (0.0, 0.0)
        self._failing = False
        return (int(pause_ms) / 1000, int(wait_ms) / 1000)

    async def pause(self, seconds: float) -> None:
        _, pause = self._scripts()
        try:
            await pause(keys=self._keys[1:], args=[max(1, round(seconds * 1000))])
        except Exception as exc:
            self._note_failure(exc)

    def _note_failure(self, exc: BaseException) -> None:
        if not self._failing:
            log.warning(
                "shared quota store unreachable (%s); admitting locally", type(exc).__name__
            )
        self._failing = True

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
