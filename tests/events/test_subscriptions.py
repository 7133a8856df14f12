"""``recordingEvents`` subscriptions through the running gateway, over a real
graphql-transport-ws client and over GraphQL-over-SSE, on both event logs: live events,
``after`` resume with no gap and no duplicate, and a slow subscriber cut off."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.events.model import EventOrigin, StoredEvent
from gateway.events.service import EVENTS
from gateway.resolvers.events import SLOW_SUBSCRIBER_CLOSE_CODE
from providers.models import RecordingEventKind

from .clients import WsClient, recordings, signalwire_callback, sse_events
from .conftest import EventGateway, StartGateway


@pytest.fixture(params=["embedded", "redis"])
async def gw(request: pytest.FixtureRequest, start_gateway: StartGateway) -> EventGateway:
    events: dict[str, Any] = {}
    if request.param == "redis":
        events = {"backend": "redis", "url": request.getfixturevalue("redis_url")}
    return await start_gateway(providers=["signalwire"], events=events)


async def start_cursor(gw: EventGateway) -> str:
    """Where the log is now: the query's endCursor (never null, even with no events)."""
    cursor: str = (await gw.events())["pageInfo"]["endCursor"]
    assert cursor
    return cursor


async def test_ws_live_events_with_recording(gw: EventGateway) -> None:
    client = await WsClient.connect(gw)
    await client.subscribe(after=await start_cursor(gw))
    rec = recordings(gw, 1)[0]
    assert await signalwire_callback(gw, "in-progress", rec) == 200
    assert await signalwire_callback(gw, "completed", rec) == 200
    started, completed = await client.events(2)
    assert (started["kind"], completed["kind"]) == ("STARTED", "COMPLETED")
    assert completed["providerRecordingId"] == rec.sid
    assert completed["recording"]["providerRecordingId"] == rec.sid
    assert completed["account"] == {"name": "signalwire"}
    assert await client.quiet()
    await client.close()


async def test_ws_resume_after_no_gap_no_duplicate(gw: EventGateway) -> None:
    recs = recordings(gw, 6)
    client = await WsClient.connect(gw)
    await client.subscribe(after=await start_cursor(gw))
    for rec in recs[:2]:
        await signalwire_callback(gw, "completed", rec)
    first_two = await client.events(2)
    await client.close()  # the client goes away ...
    for rec in recs[2:5]:  # ... and misses three events
        await signalwire_callback(gw, "completed", rec)
    again = await WsClient.connect(gw)
    await again.subscribe(after=first_two[1]["cursor"])
    missed = await again.events(3)
    await signalwire_callback(gw, "completed", recs[5])
    [live] = await again.events(1)
    got = [e["providerRecordingId"] for e in [*first_two, *missed, live]]
    assert got == [r.sid for r in recs]
    assert await again.quiet()
    # The history query agrees, in the same order.
    history = [n["providerRecordingId"] for n in (await gw.events())["nodes"]]
    assert history == got
    await again.close()


async def test_sse_replay_then_live(gw: EventGateway) -> None:
    recs = recordings(gw, 3)
    cursor = await start_cursor(gw)
    await signalwire_callback(gw, "completed", recs[0])
    stream = sse_events(gw, {"after": cursor})
    kinds: list[str] = []
    async for event, data in stream:
        assert event == "next", (event, data)
        got = data["data"]["recordingEvents"]
        kinds.append(got["providerRecordingId"])
        if len(kinds) == 1:  # replayed; now two live ones
            await signalwire_callback(gw, "completed", recs[1])
            await signalwire_callback(gw, "completed", recs[2])
        if len(kinds) == 3:
            break
    await stream.aclose()
    assert kinds == [r.sid for r in recs]


async def append_burst(gw: EventGateway, n: int) -> None:
    """Appends straight to the app's log, all at once: faster than any subscriber
    drains (on Redis the fan-out's reader then gets them in large batches)."""
    service = gw.app[EVENTS]
    source = next(iter(service.sources))
    now = datetime.now(UTC)
    await asyncio.gather(
        *(
            service.log.append(
                StoredEvent(
                    kind=RecordingEventKind.COMPLETED,
                    origin=EventOrigin.GATEWAY,
                    provider=source.provider,
                    account_name=source.name,
                    provider_account_id=source.account.provider_account_id,
                    provider_recording_id=f"burst-{i}",
                    occurred_at=now,
                    received_at=now,
                )
            )
            for i in range(n)
        )
    )


@pytest.mark.parametrize("backend", ["embedded", "redis"])
async def test_slow_ws_subscriber_is_closed_with_a_clear_code(
    backend: str, start_gateway: StartGateway, request: pytest.FixtureRequest
) -> None:
    events: dict[str, Any] = {"subscriber_queue": 4}
    if backend == "redis":
        events |= {"backend": "redis", "url": request.getfixturevalue("redis_url")}
    gw = await start_gateway(providers=["signalwire"], events=events)
    client = await WsClient.connect(gw)
    await client.subscribe(after=await start_cursor(gw))
    await signalwire_callback(gw, "completed")
    await client.events(1)  # subscribed and flowing
    await append_burst(gw, 500)
    seen = 0
    while True:
        message = await client.message(10)
        if message["type"] != "next":
            break
        seen += 1
    assert message["type"] == "closed", message
    assert message["code"] == SLOW_SUBSCRIBER_CLOSE_CODE, message
    # Cut off long before the burst's end: with the embedded log at once (what was
    # queued plus the one in flight); on Redis after the reader's first batches (the
    # subscriber kept up with the small ones).
    assert seen <= 4 + 1 if backend == "embedded" else seen < 500
    service = gw.app[EVENTS]
    assert len(service.log.fanout) == 0  # type: ignore[attr-defined]


async def test_slow_sse_subscriber_gets_an_error_and_the_stream_ends(
    start_gateway: StartGateway,
) -> None:
    gw = await start_gateway(providers=["signalwire"], events={"subscriber_queue": 4})
    stream = sse_events(gw, {"after": await start_cursor(gw)})
    await signalwire_callback(gw, "completed")
    event, data = await anext(stream)
    assert event == "next" and "errors" not in data
    await append_burst(gw, 500)
    frames = [frame async for frame in stream]
    *nexts, (last_event, _) = frames
    assert last_event == "complete"
    errors = [d for e, d in nexts if d and "errors" in d]
    assert len(errors) == 1 and errors[0]["errors"][0]["extensions"]["code"] == "SLOW_SUBSCRIBER"
    assert len(nexts) <= 4 + 2


async def test_history_pages_and_first_zero(gw: EventGateway) -> None:
    for rec in recordings(gw, 3):
        await signalwire_callback(gw, "completed", rec)
    page = """query($first: Int, $after: String) {
      recordingEvents(first: $first, after: $after) {
        nodes { providerRecordingId } pageInfo { hasNextPage endCursor } } }"""
    empty = (await gw.query(page, {"first": 0}))["data"]["recordingEvents"]
    assert empty["nodes"] == [] and empty["pageInfo"]["hasNextPage"] is True
    seen: list[str] = []
    after = empty["pageInfo"]["endCursor"]
    while True:
        body = (await gw.query(page, {"first": 2, "after": after}))["data"]["recordingEvents"]
        seen += [n["providerRecordingId"] for n in body["nodes"]]
        after = body["pageInfo"]["endCursor"]
        if not body["pageInfo"]["hasNextPage"]:
            break
    assert seen == [r.sid for r in recordings(gw, 3)]
