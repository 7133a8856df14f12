"""The event log on Redis Streams, shared by every gateway process that uses one Redis.

* One stream (``stream``, default ``recgw:events``); an entry holds one encoded event
  under field ``e``; positions are stream ids (``<ms>-<seq>``), so they are ordered
  across processes and survive a gateway restart.
* Append = one Lua script: ``SET <dedupe key> NX PX ttl``, then ``XADD ... MAXLEN``
  and ``XTRIM ... MINID`` (retention by count and age; age by Redis's clock, which also
  stamps the ids, so gateway processes with skewed clocks agree). A replay is refused by whichever
  process sees it second, and a failed append leaves no dedupe key behind.
* Live fan-out: one task per process reads the stream with ``XREAD BLOCK`` from the
  last id it has seen and hands each entry to this process's subscribers. A subscriber
  registers with it, then reads its history with ``XRANGE``; entries both paths yield
  are skipped by id (:func:`.log.replay_then_live`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError

from .log import FROM_START, Accept, FanOut, OrderKey, registered, replay_then_live
from .model import LogEntry, StoredEvent

log = logging.getLogger("gateway.events")

_APPEND = """
if KEYS[2] ~= '' then
  if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[3]) then
    return false
  end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], '*', 'e', ARGV[1])
local now = redis.call('TIME')
local oldest = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[4])
if oldest > 0 then
  redis.call('XTRIM', KEYS[1], 'MINID', string.format('%d-0', oldest))
end
return id
"""

#: Entries per XREAD / XRANGE round trip.
BATCH = 500


_POSITION = re.compile(r"\d{1,20}-\d{1,20}")


class RedisEventLog:
    def __init__(
        self,
        url: str,
        *,
        stream: str = "recgw:events",
        max_events: int,
        max_age: float,
        dedupe_ttl: float,
        queue_size: int,
        block_ms: int = 1000,
    ) -> None:
        self.log_id = f"redis:{stream}"
        self.stream = stream
        self.max_events = max_events
        self.max_age = max_age
        self.dedupe_ttl = dedupe_ttl
        self.block_ms = block_ms
        # Blocking: a burst of webhooks waits for a free connection (up to 10 s) rather
        # than failing with "too many connections"; one of them is the reader's.
        self._pool = redis.BlockingConnectionPool.from_url(url, max_connections=64, timeout=10)
        self._redis: redis.Redis = redis.Redis(connection_pool=self._pool)
        self._append = self._redis.register_script(_APPEND)
        self.fanout = FanOut(queue_size)
        self._reader: asyncio.Task[None] | None = None
        self._last_id = "0-0"

    async def start(self) -> None:
        self._last_id = await self.tail()
        self._reader = asyncio.get_running_loop().create_task(self._read_loop())

    async def aclose(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._redis.aclose()
        await self._pool.disconnect()

    def _dedupe_key(self, key: str) -> str:
        return f"{self.stream}:seen:{hashlib.sha256(key.encode()).hexdigest()}"

    async def append(self, event: StoredEvent, key: str | None = None) -> LogEntry | None:
        result = await self._append(
            keys=[self.stream, self._dedupe_key(key) if key is not None else ""],
            args=[
                event.encode(),
                self.max_events,
                max(1, int(self.dedupe_ttl * 1000)),
                int(self.max_age * 1000),
            ],
        )
        if result is None:
            return None
        position = result.decode() if isinstance(result, bytes) else str(result)
        return LogEntry(position, event)

    async def read(self, after: str, limit: int) -> list[LogEntry]:
        start = "-" if after == FROM_START else f"({after}"
        rows = _rows(await self._redis.xrange(self.stream, min=start, max="+", count=limit))
        entries = (_entry(entry_id, fields) for entry_id, fields in rows)
        return [entry for entry in entries if entry is not None]

    async def entry(self, position: str) -> LogEntry | None:
        if not _POSITION.fullmatch(position):
            return None
        rows = _rows(await self._redis.xrange(self.stream, min=position, max=position, count=1))
        return _entry(rows[0][0], rows[0][1]) if rows else None

    async def tail(self) -> str:
        newest = _rows(await self._redis.xrevrange(self.stream, count=1))
        return _text(newest[0][0]) if newest else "0-0"

    async def _history(self, after: str) -> AsyncIterator[LogEntry]:
        while True:
            start = "-" if after == FROM_START else f"({after}"
            rows = _rows(await self._redis.xrange(self.stream, min=start, max="+", count=BATCH))
            for entry_id, fields in rows:
                entry = _entry(entry_id, fields)
                if entry is not None:
                    yield entry
            if len(rows) < BATCH:
                return
            last = rows[-1][0]
            after = last.decode() if isinstance(last, bytes) else str(last)

    async def subscribe(
        self,
        after: str | None,
        accept: Accept,
        on_overflow: Callable[[], None] | None = None,
    ) -> AsyncIterator[LogEntry]:
        async with registered(self.fanout, accept, on_overflow) as subscriber:
            history = None if after is None else self._history(after)
            async for entry in replay_then_live(subscriber, history, accept, self.order_key):
                yield entry

    async def _read_loop(self) -> None:
        backoff = 0.1
        while True:
            try:
                reply: Any = await self._redis.xread(
                    {self.stream: self._last_id}, count=BATCH, block=self.block_ms
                )
                backoff = 0.1
            except RedisError as exc:
                # Subscribers keep waiting; the next read resumes from the same id, so
                # a Redis outage delays events but loses none.
                log.warning("event log: reading %s failed (%s); retrying", self.stream, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            for _stream, rows in reply or []:
                for entry_id, fields in rows:
                    entry = _entry(entry_id, fields)
                    self._last_id = _text(entry_id)
                    if entry is not None:
                        self.fanout.publish(entry)

    def order_key(self, position: str) -> OrderKey:
        ms, sep, seq = position.partition("-")
        if not (sep and ms.isdigit() and seq.isdigit()):
            raise ValueError("not a position of this log")
        return (int(ms), int(seq))


def _rows(reply: Any) -> list[Any]:
    return list(reply or [])


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _entry(entry_id: Any, fields: Any) -> LogEntry | None:
    """The entry, or ``None`` (logged) for one that is not ours or not readable: a
    foreign writer on the stream must not stop the fan-out."""
    try:
        return LogEntry(_text(entry_id), StoredEvent.decode(fields[b"e"]))
    except (KeyError, ValueError, TypeError):
        log.warning("event log: skipping unreadable entry %s", _text(entry_id))
        return None
