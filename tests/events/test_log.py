"""Both event logs, through the one interface: appends and their dedupe, retention,
``after`` replay then live with no gap and no duplicate while appends keep coming, a
bounded queue per subscriber, and (Redis) two log instances sharing one stream."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.events.log import FROM_START, EventLog, SlowSubscriberError
from gateway.events.memory import MemoryEventLog
from gateway.events.model import EventOrigin, LogEntry, StoredEvent
from gateway.events.redis_log import RedisEventLog
from providers.models import RecordingEventKind

NOW = datetime(2024, 6, 10, 16, 0, tzinfo=UTC)
_ids = itertools.count()


def event(account: str = "a", **changes: Any) -> StoredEvent:
    fields: dict[str, Any] = {
        "kind": RecordingEventKind.COMPLETED,
        "origin": EventOrigin.WEBHOOK,
        "provider": "signalwire",
        "account_name": account,
        "provider_account_id": f"acct-{account}",
        "provider_recording_id": f"rec-{next(_ids)}",
        "occurred_at": NOW,
        "received_at": NOW,
        "extra": {"n": 1, "nested": {"x": [1, "two"]}},
    }
    return StoredEvent(**(fields | changes))


def everything(_: LogEntry) -> bool:
    return True


LogFactory = Callable[..., EventLog]


@pytest.fixture(params=["embedded", "redis"])
async def make_log(request: pytest.FixtureRequest) -> AsyncIterator[LogFactory]:
    logs: list[EventLog] = []

    def make(**options: Any) -> EventLog:
        settings: dict[str, Any] = {
            "max_events": 10_000,
            "max_age": 3600.0,
            "dedupe_ttl": 3600.0,
            "queue_size": 64,
        } | options
        if request.param == "redis":
            url = request.getfixturevalue("redis_url")
            made: EventLog = RedisEventLog(url, block_ms=100, **settings)
        else:
            made = MemoryEventLog(**settings)
        logs.append(made)
        return made

    yield make
    for made in logs:
        await made.aclose()


async def started(log: EventLog) -> EventLog:
    await log.start()
    return log


async def test_append_read_roundtrip_and_dedupe(make_log: LogFactory) -> None:
    log = await started(make_log())
    first = event(duration_seconds=4.5, provider_call_id="call-1")
    entry = await log.append(first, key="k1")
    assert entry is not None and entry.event == first
    assert await log.append(event(), key="k1") is None  # a replay: refused, not appended
    second = await log.append(event(), key="k2")
    third = await log.append(event())  # no key: never deduplicated
    assert second is not None and third is not None
    read = await log.read(FROM_START, 10)
    assert [e.position for e in read] == [entry.position, second.position, third.position]
    assert read[0].event == first and read[0].event.extra == first.extra
    assert [e.position for e in await log.read(entry.position, 10)] == [
        second.position,
        third.position,
    ]
    assert await log.read(third.position, 10) == []
    assert await log.tail() == third.position
    ordered = [log.order_key(e.position) for e in read]
    assert ordered == sorted(ordered)
    assert await log.entry(second.position) == second  # by position (node(id:))
    assert await log.entry("not-a-position") is None
    assert await log.entry(str(10**9) if third.position.isdigit() else "99999999999-0") is None


async def test_retention_by_count(make_log: LogFactory) -> None:
    log = await started(make_log(max_events=5))
    for _ in range(12):
        await log.append(event())
    kept = await log.read(FROM_START, 100)
    assert len(kept) == 5
    assert await log.entry(kept[0].position) == kept[0]


async def test_retention_by_age_and_dedupe_window(make_log: LogFactory) -> None:
    log = await started(make_log(max_age=0.3, dedupe_ttl=0.3))
    await log.append(event(), key="old")
    await asyncio.sleep(0.5)  # the first event is now older than max_age
    survivor = await log.append(event(), key="new")
    assert survivor is not None
    assert [e.position for e in await log.read(FROM_START, 10)] == [survivor.position]
    assert await log.append(event(), key="old") is not None  # its dedupe window has passed
    assert await log.append(event(), key="new") is None  # this one's has not


async def collect(stream: AsyncIterator[LogEntry], until: str, log: EventLog) -> list[str]:
    got: list[str] = []
    async for entry in stream:
        got.append(entry.position)
        if log.order_key(entry.position) >= log.order_key(until):
            return got
    return got


async def test_after_replays_then_goes_live_without_gap_or_duplicate(make_log: LogFactory) -> None:
    log = await started(make_log(queue_size=10_000))
    for _ in range(50):
        await log.append(event())
    middle = (await log.read(FROM_START, 100))[24].position
    done = asyncio.Event()

    async def keep_appending() -> None:
        for i in range(300):
            await log.append(event())
            if i % 7 == 0:
                await asyncio.sleep(0)
        done.set()

    appender = asyncio.create_task(keep_appending())
    await asyncio.sleep(0)  # appends are under way while the subscriber replays
    stream = log.subscribe(middle, everything)
    got: list[str] = []
    # 25 logged after `middle`, then 300 more: stop at that count (waiting for "the
    # appender is done and this is the tail" raced with the appender's last step).
    async with asyncio.timeout(30):
        async for entry in stream:
            got.append(entry.position)
            if len(got) == 325:
                break
    await stream.aclose()  # type: ignore[attr-defined]
    await appender
    assert done.is_set()
    expected = [e.position for e in await log.read(middle, 1000)]
    assert len(expected) == 325
    assert got == expected


async def test_live_only_and_filtered(make_log: LogFactory) -> None:
    log = await started(make_log())
    await log.append(event(account="a"))
    stream = log.subscribe(None, lambda e: e.event.account_name == "b")
    first = asyncio.create_task(anext(stream))  # type: ignore[arg-type]
    await asyncio.sleep(0.2)  # registered (and the Redis reader is waiting)
    await log.append(event(account="a"))
    wanted = await log.append(event(account="b"))
    entry = await asyncio.wait_for(first, 5)
    assert entry.position == wanted.position  # type: ignore[union-attr]
    await stream.aclose()  # type: ignore[attr-defined]


async def consume(pending: asyncio.Task[LogEntry], stream: AsyncIterator[LogEntry]) -> int:
    """Read on until the stream ends or raises; how many entries it gave."""
    got = 1 if await pending else 0
    async for _ in stream:
        got += 1
    return got


async def test_a_slow_subscriber_is_cut_off_with_bounded_memory(make_log: LogFactory) -> None:
    log = await started(make_log(queue_size=8))
    overflowed: list[int] = []
    stream = log.subscribe(None, everything, lambda: overflowed.append(1))
    pending = asyncio.create_task(anext(stream))  # type: ignore[arg-type]
    await asyncio.sleep(0.2)
    fanout = log.fanout  # type: ignore[attr-defined]
    assert len(fanout) == 1
    # Appends arrive faster than the consumer runs: it never gets the loop in between.
    for _ in range(500):
        entry = await log.append(event())
        assert entry is not None
    if isinstance(log, RedisEventLog):
        await asyncio.sleep(0.5)  # the reader hands the batch to the fan-out
    assert overflowed == [1]  # told once, at the moment it overflowed
    assert len(fanout) == 0  # and forgotten: nothing more is queued for it
    with pytest.raises(SlowSubscriberError):
        await consume(pending, stream)  # at most what was queued before the cut-off


async def test_subscribers_keep_up_independently(make_log: LogFactory) -> None:
    """A slow subscriber's cut-off does not touch a fast one."""
    log = await started(make_log(queue_size=4))
    slow = log.subscribe(None, everything)
    fast = log.subscribe(None, everything)
    slow_first = asyncio.create_task(anext(slow))  # type: ignore[arg-type]
    fast_first = asyncio.create_task(anext(fast))  # type: ignore[arg-type]
    await asyncio.sleep(0.2)
    fast_got: list[str] = []
    for _ in range(20):
        appended = await log.append(event())
        assert appended is not None
        if not fast_got:
            fast_got.append((await asyncio.wait_for(fast_first, 5)).position)
        else:
            fast_got.append((await asyncio.wait_for(anext(fast), 5)).position)  # type: ignore[arg-type]
        assert fast_got[-1] == appended.position
    with pytest.raises(SlowSubscriberError):
        await consume(slow_first, slow)
    await fast.aclose()  # type: ignore[attr-defined]


async def test_two_redis_logs_share_one_stream_and_dedupe(redis_url: str) -> None:
    settings: dict[str, Any] = {
        "max_events": 100,
        "max_age": 3600.0,
        "dedupe_ttl": 3600.0,
        "queue_size": 64,
        "block_ms": 100,
    }
    a = RedisEventLog(redis_url, **settings)
    b = RedisEventLog(redis_url, **settings)
    await a.start()
    await b.start()
    try:
        stream = b.subscribe(None, everything)
        first = asyncio.create_task(anext(stream))  # type: ignore[arg-type]
        await asyncio.sleep(0.2)
        appended = await a.append(event(), key="vendor-event-1")
        assert appended is not None
        assert await b.append(event(), key="vendor-event-1") is None  # refused on B too
        received = await asyncio.wait_for(first, 5)
        assert received.position == appended.position
        await stream.aclose()  # type: ignore[attr-defined]
    finally:
        await a.aclose()
        await b.aclose()
