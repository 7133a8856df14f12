"""The backend against the simulator: batching by request count, tokens, errors, control
and signed callbacks end to end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from providers._sim import FaultKind, SimulatorServer
from providers.config import ClientOptions
from providers.errors import (
    AuthenticationError,
    InvalidStateError,
    InvalidTokenError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    UnsupportedError,
)
from providers.models import (
    PageRequest,
    RecordingAction,
    RecordingEventKind,
    RecordingQuery,
    RecordingStatus,
    RecordingTarget,
    StartRecordingOptions,
    WebhookRequest,
)
from providers.signalwire import SignalWireBackend, SignalWireSimulator

from .conftest import FAST

UNKNOWN = "00000000-0000-4000-8000-000000000000"


async def test_fifty_calls_recordings_in_at_most_three_requests(
    backend: SignalWireBackend, sim: SignalWireSimulator
) -> None:
    calls = list((await backend.list_calls(PageRequest(50))).items)
    sim.request_log.clear()
    batches = await backend.recordings_by_call(calls + calls[:5], 10)
    assert len(sim.request_log) <= 3
    assert all("CallSid" not in e.query for e in sim.request_log.entries)
    for call, recs in zip(calls, batches, strict=False):
        expected = sorted(
            (r for r in sim.primary.live_recordings() if r.call_sid == call.provider_call_id),
            key=lambda r: r.created,
            reverse=True,
        )[:10]
        assert [r.provider_recording_id for r in recs] == [r.sid for r in expected]
    assert batches[-1] == batches[4]


async def test_single_call_uses_the_confirmed_callsid_filter(
    backend: SignalWireBackend, sim: SignalWireSimulator
) -> None:
    call = next(c for c in (await backend.list_calls(PageRequest(50))).items if c.end_time)
    sim.request_log.clear()
    await backend.recordings_by_call([call, call], 5)
    assert len(sim.request_log) == 1
    entry = sim.request_log.entries[0]
    assert (
        entry.path.endswith("/Recordings.json")
        and f"CallSid={call.provider_call_id}" in entry.query
    )


async def test_conference_batch_is_one_listing(
    backend: SignalWireBackend, sim: SignalWireSimulator
) -> None:
    confs = list((await backend.list_conferences(PageRequest(50))).items)
    sim.request_log.clear()
    batches = await backend.recordings_by_conference(confs, 10)
    assert len(sim.request_log) == 1
    assert sum(len(b) for b in batches) == sum(
        1 for r in sim.primary.live_recordings() if r.conference_sid
    )


async def test_malformed_ids_cost_no_request(
    backend: SignalWireBackend, sim: SignalWireSimulator
) -> None:
    sim.request_log.clear()
    assert await backend.get_recordings(["RE123", "../Calls", ""]) == [None, None, None]
    assert await backend.get_calls(["nope"]) == [None]
    with pytest.raises(NotFoundError):
        await backend.delete_recording("../../Calls.json")
    with pytest.raises(NotFoundError):
        await backend.open_media("RE0")
    assert len(sim.request_log) == 0
    sid = sim.primary.live_recordings()[0].sid
    got = await backend.get_recordings([sid, UNKNOWN, sid])
    assert got[0] is not None and got[1] is None and got[2] == got[0]
    assert len(sim.request_log) == 2


async def test_tokens_are_not_urls_and_are_validated(backend: SignalWireBackend) -> None:
    page = await backend.list_recordings(RecordingQuery(), PageRequest(5))
    assert page.next_token and "/" not in page.next_token and "http" not in page.next_token
    again = await backend.list_recordings(RecordingQuery(), PageRequest(5, page.next_token))
    same = await backend.list_recordings(RecordingQuery(), PageRequest(5, page.next_token))
    assert again.items == same.items and again.items[0] not in page.items
    with pytest.raises(InvalidTokenError):
        await backend.list_recordings(RecordingQuery(), PageRequest(5, "https://evil.example/"))


async def test_native_date_filters_agree_with_matches(
    backend: SignalWireBackend, sim: SignalWireSimulator
) -> None:
    recs = sorted(sim.primary.live_recordings(), key=lambda r: r.created)
    lo, hi = recs[10].created, recs[20].created
    query = RecordingQuery(created_after=lo, created_before=hi)
    page = await backend.list_recordings(query, PageRequest(100))
    assert [r.provider_recording_id for r in page.items] == [r.sid for r in reversed(recs[10:21])]
    sub = RecordingQuery(created_after=lo.replace(microsecond=1))
    assert all(sub.matches(r) for r in (await backend.list_recordings(sub, PageRequest(100))).items)


async def test_errors_map_and_never_leak_credentials(
    server: SimulatorServer, sim: SignalWireSimulator, settings: dict[str, str]
) -> None:
    bad = SignalWireBackend("x", {**settings, "api_token": "PTsupersecret"}, FAST)
    with pytest.raises(AuthenticationError) as info:
        await bad.list_calls(PageRequest(5))
    await bad.aclose()
    assert info.value.vendor_code == "20003"
    assert "PTsupersecret" not in str(info.value) and settings["api_token"] not in str(info.value)
    b = SignalWireBackend("x", settings, FAST)
    try:
        sim.faults.retry_after = 30
        sim.faults.inject(FaultKind.RATE_LIMIT)
        with pytest.raises(RateLimitedError) as rl:
            await b.list_calls(PageRequest(5))
        assert rl.value.retry_after == 30 and rl.value.vendor_code == "20429"
        # That 429 paused the whole account (providers._limits): nothing is sent for 30 s.
        sent = len(sim.request_log)
        with pytest.raises(RateLimitedError):
            await b.list_calls(PageRequest(5))
        assert len(sim.request_log) == sent
        await b.aclose()
        b = SignalWireBackend("x", settings, FAST)
        sim.faults.outage = FaultKind.GARBAGE
        with pytest.raises(MalformedResponseError):
            await b.list_calls(PageRequest(5))
        sim.faults.reset()
        with pytest.raises(NotFoundError):
            await b.delete_recording(UNKNOWN)
    finally:
        await b.aclose()


async def test_media_range(backend: SignalWireBackend, sim: SignalWireSimulator) -> None:
    sid = next(r.sid for r in sim.primary.live_recordings() if r.status == "completed")
    stream = await backend.open_media(sid, byte_range=(0, 3))
    try:
        body = b"".join([c async for c in stream.iter_chunks()])
    finally:
        await stream.aclose()
    assert (stream.status, body, stream.content_type) == (206, b"RIFF", "audio/x-wav")


async def test_recording_control_and_unsupported(
    backend: SignalWireBackend, sim: SignalWireSimulator
) -> None:
    done = next(c for c in sim.primary.calls.values() if c.status == "completed")
    with pytest.raises(InvalidStateError):
        await backend.start_recording(
            RecordingTarget(provider_call_id=done.sid), StartRecordingOptions()
        )
    conf = next(c for c in sim.primary.conferences.values() if c.status == "in-progress")
    with pytest.raises(UnsupportedError, match="conference"):
        await backend.start_recording(
            RecordingTarget(provider_conference_id=conf.sid), StartRecordingOptions()
        )
    target = RecordingTarget(provider_conference_id=conf.sid)
    paused = await backend.control_recording(target, RecordingAction.PAUSE)
    assert paused is not None and paused.status is RecordingStatus.PAUSED
    stopped = await backend.control_recording(target, RecordingAction.STOP)
    assert stopped is not None and stopped.status in (
        RecordingStatus.COMPLETED,
        RecordingStatus.ABSENT,
    )
    with pytest.raises(InvalidStateError, match="no active recording"):
        await backend.control_recording(target, RecordingAction.RESUME)
    explicit = RecordingTarget(
        provider_conference_id=conf.sid, provider_recording_id=stopped.provider_recording_id
    )
    with pytest.raises(InvalidStateError):
        await backend.control_recording(explicit, RecordingAction.RESUME)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[WebhookRequest]]]:
    got: list[WebhookRequest] = []

    async def hook(request: web.Request) -> web.Response:
        got.append(
            WebhookRequest(
                method=request.method,
                url=str(request.url),
                headers=dict(request.headers),
                body=await request.read(),
                received_at=datetime.now(UTC),
            )
        )
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_route("*", "/hooks/sw", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/hooks/sw?tenant=acme", got
    await runner.cleanup()


async def test_start_pause_resume_stop_with_signed_callbacks(
    backend: SignalWireBackend,
    sim: SignalWireSimulator,
    receiver: tuple[str, list[WebhookRequest]],
) -> None:
    url, got = receiver
    call = sim.live_calls()[2]
    options = StartRecordingOptions(
        channels=2,
        status_callback_url=url,
        status_callback_events=("started", "completed", "absent"),
    )
    started = await backend.start_recording(RecordingTarget(provider_call_id=call.sid), options)
    assert started is not None and started.status is RecordingStatus.IN_PROGRESS
    assert started.channels == 2 and started.provider_call_id == call.sid
    target = RecordingTarget(
        provider_call_id=call.sid, provider_recording_id=started.provider_recording_id
    )
    for action, status in (
        (RecordingAction.PAUSE, RecordingStatus.PAUSED),
        (RecordingAction.RESUME, RecordingStatus.IN_PROGRESS),
    ):
        rec = await backend.control_recording(target, action)
        assert rec is not None and rec.status is status
    await sim.end_call(call.sid)
    await sim.drain_callbacks()
    assert [d.status for d in sim.callbacks.deliveries] == [200, 200]
    events = [e for req in got for e in await backend.parse_webhook(req)]
    assert events[0].kind is RecordingEventKind.STARTED
    assert events[-1].kind in (RecordingEventKind.COMPLETED, RecordingEventKind.ABSENT)
    assert {e.provider_recording_id for e in events} == {started.provider_recording_id}
    assert got[0].headers["X-Twilio-Signature"] == got[0].headers["X-SignalWire-Signature"]
    assert "RecordingUrl=http" in got[0].body.decode()
    with pytest.raises(InvalidStateError):
        await backend.control_recording(target, RecordingAction.RESUME)


async def test_default_events_send_only_completed(
    backend: SignalWireBackend,
    sim: SignalWireSimulator,
    receiver: tuple[str, list[WebhookRequest]],
) -> None:
    url, got = receiver
    call = sim.live_calls()[1]
    opts = StartRecordingOptions(status_callback_url=url)
    started = await backend.start_recording(RecordingTarget(provider_call_id=call.sid), opts)
    assert started is not None
    # Age the recording so that stopping it completes it instead of marking it absent.
    sim.primary.recordings[started.provider_recording_id].created -= timedelta(seconds=30)
    await backend.control_recording(
        RecordingTarget(provider_call_id=call.sid), RecordingAction.STOP
    )
    await sim.drain_callbacks()
    assert len(got) == 1
    assert "RecordingStatus=completed" in got[0].body.decode()
    assert await backend.parse_webhook(got[0])


def test_secret_keys_and_account_without_io() -> None:
    assert SignalWireBackend.secret_keys() == {"api_token", "signing_key"}
    b = SignalWireBackend(
        "sales",
        {"base_url": "https://x.signalwire.com", "project_id": "p", "api_token": "tok-xyz"},
        ClientOptions(),
    )
    assert b.account.provider_account_id == "p" and b.account.name == "sales"
    assert "tok-xyz" not in repr(b.settings)
    assert b.client.http._session is None  # no I/O before the first request
