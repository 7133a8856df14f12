"""The event log: one small interface, two implementations (``memory``, ``redis_log``).

The log is an append-only sequence of :class:`~.model.LogEntry`, bounded by count and
age. Appends are deduplicated by the vendor's event identity *inside the log* (so two
gateway processes on one Redis refuse the same replay). Subscribers get the entries after
a position (replayed from the log), then live ones, each exactly once, in log order.

The no-gap, no-duplicate rule, for both implementations: a subscriber registers its
queue with the fan-out *before* it reads the history after its position; entries the
fan-out delivers that the history already covered are skipped by position. Every queue is
bounded: a subscriber that falls ``queue_size`` entries behind is cut off
(:class:`SlowSubscriberError`, and ``on_overflow`` is called at once, from the fan-out,
so that a consumer blocked in a socket write can be closed too), never buffered.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Protocol

from .model import LogEntry, StoredEvent

#: ``after`` value meaning "from the oldest entry the log still holds".
FROM_START = "0"

Accept = Callable[[LogEntry], bool]
OrderKey = tuple[int, int]


class SlowSubscriberError(Exception):
    """The subscriber fell too far behind and was cut off; reconnect with ``after``."""


class EventLog(Protocol):
    #: Identifies this log: a position from another log means "from its start".
    log_id: str

    async def start(self) -> None: ...

    async def aclose(self) -> None: ...

    async def append(self, event: StoredEvent, key: str | None = None) -> LogEntry | None:
        """Append durably; ``None`` (and nothing appended) when ``key`` was seen within
        the dedupe window. Raises on a storage failure (nothing appended then either)."""
        ...

    async def read(self, after: str, limit: int) -> list[LogEntry]:
        """Up to ``limit`` entries after ``after`` (exclusive; :data:`FROM_START` for the
        oldest held), oldest first."""
        ...

    async def tail(self) -> str:
        """The position of the newest entry (``after`` it, nothing is held yet)."""
        ...

    async def entry(self, position: str) -> LogEntry | None:
        """The entry at ``position`` while the log still holds it (``None`` otherwise, and
        for text that is not a position of this log)."""
        ...

    def subscribe(
        self,
        after: str | None,
        accept: Accept,
        on_overflow: Callable[[], None] | None = None,
    ) -> AsyncIterator[LogEntry]:
        """Accepted entries after ``after`` (``None``: only those appended from now on),
        then live ones. Raises :class:`SlowSubscriberError` once cut off."""
        ...

    def order_key(self, position: str) -> OrderKey:
        """Sort key of a position; raises ``ValueError`` for text that is not one."""
        ...


class Subscriber:
    """One subscriber's bounded queue, fed by a log's fan-out."""

    __slots__ = ("_accept", "_entries", "_maxsize", "_on_overflow", "_waiter", "overflowed")

    def __init__(
        self, accept: Accept, maxsize: int, on_overflow: Callable[[], None] | None
    ) -> None:
        self._accept = accept
        self._maxsize = maxsize
        self._on_overflow = on_overflow
        self._entries: deque[LogEntry] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self.overflowed = False

    def offer(self, entry: LogEntry) -> bool:
        """Queue ``entry`` if the subscriber wants it; ``False`` once cut off (the
        fan-out then forgets this subscriber)."""
        if self.overflowed:
            return False
        if not self._accept(entry):
            return True
        if len(self._entries) >= self._maxsize:
            self.overflowed = True
            self._entries.clear()
            self._wake()
            if self._on_overflow is not None:
                self._on_overflow()
            return False
        self._entries.append(entry)
        self._wake()
        return True

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def get(self) -> LogEntry:
        while not self._entries:
            if self.overflowed:
                raise SlowSubscriberError("subscriber too slow: events were dropped")
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        if self.overflowed:
            raise SlowSubscriberError("subscriber too slow: events were dropped")
        return self._entries.popleft()

    def __len__(self) -> int:
        return len(self._entries)


async def replay_then_live(
    subscriber: Subscriber,
    history: AsyncIterator[LogEntry] | None,
    accept: Accept,
    order_key: Callable[[str], OrderKey],
) -> AsyncIterator[LogEntry]:
    """The history (already read after the subscriber registered), then the queue,
    skipping queued entries that the history covered."""
    last: OrderKey | None = None
    if history is not None:
        async for entry in history:
            last = order_key(entry.position)
            if subscriber.overflowed:
                raise SlowSubscriberError("subscriber too slow: events were dropped")
            if accept(entry):
                yield entry
    while True:
        entry = await subscriber.get()
        if last is not None and order_key(entry.position) <= last:
            continue
        yield entry


class FanOut:
    """The live subscribers of one log, in this process."""

    def __init__(self, queue_size: int) -> None:
        self.queue_size = queue_size
        self._subscribers: set[Subscriber] = set()

    def add(self, accept: Accept, on_overflow: Callable[[], None] | None) -> Subscriber:
        subscriber = Subscriber(accept, self.queue_size, on_overflow)
        self._subscribers.add(subscriber)
        return subscriber

    def remove(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def publish(self, entry: LogEntry) -> None:
        dropped = [s for s in self._subscribers if not s.offer(entry)]
        for subscriber in dropped:
            self._subscribers.discard(subscriber)

    def __len__(self) -> int:
        return len(self._subscribers)


@contextlib.asynccontextmanager
async def registered(
    fanout: FanOut, accept: Accept, on_overflow: Callable[[], None] | None
) -> AsyncIterator[Subscriber]:
    subscriber = fanout.add(accept, on_overflow)
    try:
        yield subscriber
    finally:
        fanout.remove(subscriber)
