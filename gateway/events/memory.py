"""The embedded event log: in this process, bounded by count and age.

For one gateway instance and the demo. Nothing survives a restart: ``log_id`` changes,
so a cursor from before the restart replays everything the new log holds (all of which
its client missed). Positions are decimal sequence numbers.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable

from .log import FROM_START, Accept, FanOut, OrderKey, registered, replay_then_live
from .model import LogEntry, StoredEvent

#: Dedupe keys kept at most, per retained event (a flood of distinct keys evicts the
#: oldest ones before their time; their events are then long gone from the log too).
KEYS_PER_EVENT = 4


class MemoryEventLog:
    def __init__(
        self,
        *,
        max_events: int,
        max_age: float,
        dedupe_ttl: float,
        queue_size: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.log_id = f"memory:{uuid.uuid4().hex}"
        self.max_events = max_events
        self.max_age = max_age
        self.dedupe_ttl = dedupe_ttl
        self._clock = clock
        #: (appended at, entry), oldest first; entry positions are consecutive.
        self._entries: deque[tuple[float, LogEntry]] = deque()
        self._seq = 0
        self._keys: OrderedDict[str, float] = OrderedDict()
        self.fanout = FanOut(queue_size)

    async def start(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    async def append(self, event: StoredEvent, key: str | None = None) -> LogEntry | None:
        now = self._clock()
        if key is not None:
            self._expire_keys(now)
            if key in self._keys:
                return None
            self._keys[key] = now + self.dedupe_ttl
            while len(self._keys) > self.max_events * KEYS_PER_EVENT:
                self._keys.popitem(last=False)
        self._seq += 1
        entry = LogEntry(str(self._seq), event)
        self._entries.append((now, entry))
        self._trim(now)
        self.fanout.publish(entry)
        return entry

    def _expire_keys(self, now: float) -> None:
        while self._keys:
            oldest = next(iter(self._keys.values()))
            if oldest > now:
                return
            self._keys.popitem(last=False)

    def _trim(self, now: float) -> None:
        while len(self._entries) > self.max_events:
            self._entries.popleft()
        cutoff = now - self.max_age
        while self._entries and self._entries[0][0] < cutoff:
            self._entries.popleft()

    def _after(self, after: str) -> list[LogEntry]:
        self._trim(self._clock())
        if not self._entries:
            return []
        first = int(self._entries[0][1].position)
        start = max(0, int(after) - first + 1)
        return [entry for _, entry in list(self._entries)[start:]]

    async def read(self, after: str, limit: int) -> list[LogEntry]:
        return self._after(after)[:limit]

    async def tail(self) -> str:
        return str(self._seq)

    async def entry(self, position: str) -> LogEntry | None:
        if not position.isdigit():
            return None
        self._trim(self._clock())
        if not self._entries:
            return None
        index = int(position) - int(self._entries[0][1].position)
        return self._entries[index][1] if 0 <= index < len(self._entries) else None

    async def subscribe(
        self,
        after: str | None,
        accept: Accept,
        on_overflow: Callable[[], None] | None = None,
    ) -> AsyncIterator[LogEntry]:
        async with registered(self.fanout, accept, on_overflow) as subscriber:
            # Registered and snapshotted with no await in between: nothing can fall
            # between the history and the queue.
            history = None if after is None else _iterate(self._after(after))
            async for entry in replay_then_live(subscriber, history, accept, self.order_key):
                yield entry

    def order_key(self, position: str) -> OrderKey:
        if not position.isdigit():
            raise ValueError("not a position of this log")
        return (int(position), 0)


async def _iterate(entries: list[LogEntry]) -> AsyncIterator[LogEntry]:
    for entry in entries:
        yield entry


__all__ = ["FROM_START", "MemoryEventLog"]
