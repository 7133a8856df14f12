"""``recordingEvents``: the history query and the live subscription (DESIGN §7).

Both read the same log with the same visibility rule (the caller's accounts, and only
accounts this gateway serves) and the same filter, and both take ``after``: a query's
``endCursor`` or an event's ``cursor``, so a client pages through history and then
subscribes from where it stopped, with no gap and no duplicate.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import strawberry
from aiohttp import web

from gateway.auth import Caller
from gateway.context import GatewayContext, Info
from gateway.errors import GatewayError
from gateway.events.log import FROM_START, SlowSubscriberError
from gateway.events.model import LogEntry
from gateway.events.service import EventMatch, EventService, service_of
from gateway.ids import decode_id
from gateway.loaders import Loaders
from gateway.types.events import (
    RecordingEvent,
    RecordingEventConnection,
    RecordingEventFilter,
)

from .connections import page_size

log = logging.getLogger("gateway.events")

#: WebSocket close code for a subscriber that fell ``subscriber_queue`` events behind.
SLOW_SUBSCRIBER_CLOSE_CODE = 4008
SLOW_SUBSCRIBER_REASON = "subscriber too slow: reconnect with recordingEvents(after:)"
#: How long a cut-off stream may take to notice before its connection is dropped.
CUT_OFF_GRACE_SECONDS = 2.0
#: Log entries read per round trip while a query scans for matches.
SCAN_BATCH = 500

_background: set[asyncio.Task[None]] = set()


class SlowSubscriberGatewayError(GatewayError):
    code = "SLOW_SUBSCRIBER"


def event_match(value: RecordingEventFilter | None) -> EventMatch:
    """Decode the filter's IDs (a malformed one is ``BAD_ID``). IDs of accounts the
    caller cannot see need no check here: their events are never visible anyway, so
    such a filter matches nothing, exactly as one naming an unknown account."""
    if value is None:
        return EventMatch()

    def native(raw: strawberry.ID | None, expected: str) -> tuple[str, str, str] | None:
        if raw is None:
            return None
        gid = decode_id(raw, expected=expected)
        return (gid.provider, gid.provider_account_id, gid.native_id)

    accounts = None
    if value.account_ids is not None:
        decoded = [decode_id(raw, expected="Account") for raw in value.account_ids]
        accounts = frozenset((g.provider, g.provider_account_id) for g in decoded)
    return EventMatch(
        providers=None if value.providers is None else frozenset(_name(p) for p in value.providers),
        accounts=accounts,
        kinds=None if value.kinds is None else frozenset(value.kinds),
        call=native(value.call_id, "Call"),
        conference=native(value.conference_id, "Conference"),
        recording=native(value.recording_id, "Recording"),
    )


def _name(provider: Any) -> str:
    """The registry name behind a ``Provider`` enum member (the enum is built at run
    time from the registry, so its members are untyped)."""
    return str(provider.value)


class EventPage:
    """A resolved ``RecordingEventConnection``; cursors made only when selected."""

    __slots__ = ("_caller", "_end", "_service", "has_next", "has_previous", "nodes")

    def __init__(
        self,
        service: EventService,
        ctx: GatewayContext,
        nodes: list[LogEntry],
        end: str,
        *,
        has_next: bool,
        has_previous: bool,
    ) -> None:
        self._service = service
        self._caller = ctx.caller
        self.nodes = nodes
        self._end = end
        self.has_next = has_next
        self.has_previous = has_previous

    @property
    def edges(self) -> list[EventEdge]:
        return [EventEdge(node, self._service, self._caller) for node in self.nodes]

    @property
    def page_info(self) -> EventPageInfo:
        start = self._service.cursor(self.nodes[0].position, self._caller) if self.nodes else None
        end = self._service.cursor(self._end, self._caller)
        return EventPageInfo(self.has_next, self.has_previous, start, end)


class EventEdge:
    __slots__ = ("_caller", "_service", "node")

    def __init__(self, node: LogEntry, service: EventService, caller: Caller) -> None:
        self.node = node
        self._service = service
        self._caller = caller

    @property
    def cursor(self) -> str:
        return self._service.cursor(self.node.position, self._caller)


class EventPageInfo:
    __slots__ = ("end_cursor", "has_next_page", "has_previous_page", "start_cursor")

    def __init__(self, has_next: bool, has_previous: bool, start: str | None, end: str) -> None:
        self.has_next_page = has_next
        self.has_previous_page = has_previous
        self.start_cursor = start
        self.end_cursor = end


async def history(
    info: Info, first: int | None, after: str | None, value: RecordingEventFilter | None
) -> EventPage:
    ctx = info.context
    ctx.require_scope("read")
    size = page_size(ctx, first)
    service = service_of(ctx.request)
    accept = service.acceptor(ctx.caller, event_match(value))
    start = position = FROM_START if after is None else service.position(after, ctx.caller)
    matched: list[LogEntry] = []
    while len(matched) <= size:
        batch = await service.log.read(position, SCAN_BATCH)
        for entry in batch:
            position = entry.position
            if accept(entry):
                matched.append(entry)
                if len(matched) > size:
                    break
        if len(batch) < SCAN_BATCH:
            break
    nodes = matched[:size]
    has_next = len(matched) > size
    # Past the last event shown when more follow; else as far as the scan went (skipping
    # the events this caller and filter do not see next time too).
    end = (nodes[-1].position if nodes else start) if has_next else position
    return EventPage(service, ctx, nodes, end, has_next=has_next, has_previous=after is not None)


def _cut_off(ctx: GatewayContext, noticed: asyncio.Event) -> Callable[[], None]:
    """Called by the log's fan-out the moment this subscriber overflows: the consumer
    may be stuck in a socket write, so the connection is closed from outside it."""
    response = ctx.response
    request = ctx.request

    async def close_websocket(ws: web.WebSocketResponse) -> None:
        try:
            await asyncio.wait_for(
                ws.close(code=SLOW_SUBSCRIBER_CLOSE_CODE, message=SLOW_SUBSCRIBER_REASON.encode()),
                CUT_OFF_GRACE_SECONDS,
            )
        except (TimeoutError, ConnectionError):
            _abort(request)

    async def drop_stream() -> None:
        try:
            await asyncio.wait_for(noticed.wait(), CUT_OFF_GRACE_SECONDS)
        except TimeoutError:
            _abort(request)

    def overflow() -> None:
        log.info("cutting off a slow event subscriber (%s)", ctx.caller.name)
        if isinstance(response, web.WebSocketResponse):
            coro = close_websocket(response)
        else:
            coro = drop_stream()
        task = asyncio.get_running_loop().create_task(coro)
        _background.add(task)
        task.add_done_callback(_background.discard)

    return overflow


def _abort(request: object) -> None:
    transport = getattr(request, "transport", None)
    if transport is not None:
        transport.abort()


async def subscribe(
    info: Info, value: RecordingEventFilter | None, after: str | None
) -> AsyncIterator[RecordingEvent]:
    """Checks run before the stream starts, so a refused subscription is an ``error``
    (graphql-transport-ws) or an error payload (SSE), never a silent empty stream."""
    ctx = info.context
    ctx.require_scope("subscribe")
    service = service_of(ctx.request)
    accept = service.acceptor(ctx.caller, event_match(value))
    start = None if after is None else service.position(after, ctx.caller)
    noticed = asyncio.Event()
    entries = service.log.subscribe(start, accept, _cut_off(ctx, noticed))
    return _stream(ctx, entries, noticed)


async def _stream(
    ctx: GatewayContext, entries: AsyncIterator[LogEntry], noticed: asyncio.Event
) -> AsyncIterator[RecordingEvent]:
    try:
        async for entry in entries:
            # Fresh loaders per event: a later event must not see an earlier one's
            # cached recording (STARTED's IN_PROGRESS under a COMPLETED event).
            ctx.loaders = Loaders(ctx.sources)
            yield entry
    except SlowSubscriberError:
        noticed.set()
        if isinstance(ctx.response, web.WebSocketResponse):
            # The socket is being closed with SLOW_SUBSCRIBER_CLOSE_CODE: answer nothing
            # (a `complete` would read as "the stream ended"); the close cancels us.
            await asyncio.sleep(2 * CUT_OFF_GRACE_SECONDS)
        raise SlowSubscriberGatewayError(SLOW_SUBSCRIBER_REASON) from None
    finally:
        await entries.aclose()  # type: ignore[attr-defined]


@strawberry.type
class EventQuery:
    @strawberry.field(
        description="Recording events the caller may see, oldest first. Needs the `read` scope."
    )
    async def recording_events(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: RecordingEventFilter | None = None,
    ) -> RecordingEventConnection:
        return await history(info, first, after, filter)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Recording events as they are logged: those after `after` first (an "
        "event's `cursor` or a query's `endCursor`; without it, from now on), then live "
        "ones, each once, in log order. Needs the `subscribe` scope. A subscriber that "
        f"falls behind is cut off (WebSocket close code {SLOW_SUBSCRIBER_CLOSE_CODE}, or "
        "a SLOW_SUBSCRIBER error over SSE): reconnect with the last cursor it got."
    )
    async def recording_events(
        self,
        info: Info,
        filter: RecordingEventFilter | None = None,
        after: str | None = None,
    ) -> AsyncIterator[RecordingEvent]:
        return await subscribe(info, filter, after)
