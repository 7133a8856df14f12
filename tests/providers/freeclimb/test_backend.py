"""FreeClimb specifics of the backend: mapping quirks, cursor tokens, batch costs,
deleted recordings, error bodies and secrets."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from providers._sim import FaultKind, SimulatorServer
from providers.errors import (
    AuthenticationError,
    InvalidTokenError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    UnsupportedError,
)
from providers.freeclimb import FreeClimbBackend, FreeClimbSimulator
from providers.freeclimb.client import cursor_of
from providers.freeclimb.mapping import to_call, to_recording
from providers.models import (
    PageRequest,
    RecordingAction,
    RecordingQuery,
    RecordingStatus,
    RecordingTarget,
    StartRecordingOptions,
)

from .conftest import ANCHOR, FAST


def test_mapping_tolerates_strings_nulls_and_unknowns() -> None:
    raw = {
        "recordingId": "RE" + "a" * 40,
        "dateCreated": "Mon, 10 Jun 2024 16:00:00 GMT",
        "durationSec": "97",
        "callId": "",
        "conferenceId": None,
        "surprise": {"x": 1},
    }
    rec = to_recording(raw, "support")
    assert rec is not None
    assert rec.created_at == datetime(2024, 6, 10, 16, 0, tzinfo=UTC)
    assert rec.duration_seconds == 97.0
    assert rec.provider_call_id is None
    assert rec.provider_conference_id is None
    assert rec.extra == {"surprise": {"x": 1}}
    # The ISO twin wins: it carries milliseconds.
    iso = to_recording({**raw, "dateCreatedISO": "2024-06-10T16:00:00.412Z"}, "s")
    assert iso is not None
    assert iso.created_at.microsecond == 412000
    assert to_recording({**raw, "durationSec": "n/a"}, "s").duration_seconds is None  # type: ignore[union-attr]
    assert to_recording({**raw, "dateCreated": "garbage"}, "s") is None
    call = to_call(
        {"callId": "CA" + "b" * 40, "status": "brandNewStatus", "endTime": "", "duration": None},
        "s",
    )
    assert call is not None
    assert call.status == "brandNewStatus"
    assert call.end_time is None


def test_cursor_from_relative_and_absolute_next_page_uri() -> None:
    assert cursor_of(None) is None
    assert cursor_of("/Accounts/AC1/Logs?cursor=1") == "1"
    assert (
        cursor_of("https://www.freeclimb.com/apiserver/Accounts/AC1/Recordings?cursor=ab12")
        == "ab12"
    )


async def test_duration_as_string_is_read() -> None:
    sim = FreeClimbSimulator(seed=4, anchor=ANCHOR, recordings=6, duration_as_string=True)
    async with SimulatorServer(sim) as srv:
        backend = FreeClimbBackend("s", srv.account_settings()[0], FAST)
        page = await backend.list_recordings(RecordingQuery(), PageRequest(10))
        await backend.aclose()
    assert [r.duration_seconds for r in page.items] == [
        float(r.duration) for r in sim.primary.recordings_newest_first()
    ]


async def test_pages_follow_cursor_and_replay_same_items() -> None:
    sim = FreeClimbSimulator(seed=4, anchor=ANCHOR, page_size=7)
    async with SimulatorServer(sim) as srv:
        backend = FreeClimbBackend("s", srv.account_settings()[0], FAST)
        query = RecordingQuery(created_after=ANCHOR - timedelta(days=45))
        first = await backend.list_recordings(query, PageRequest(50))
        assert len(first.items) == 7
        assert first.next_token is not None
        assert "/" not in first.next_token
        assert "?" not in first.next_token
        second = await backend.list_recordings(query, PageRequest(50, first.next_token))
        again = await backend.list_recordings(query, PageRequest(50, first.next_token))
        assert second == again
        assert not set(first.items) & set(second.items)
        sim.request_log.clear()
        for bad in ("https://evil.example/x", "../../Calls", "a b"):
            with pytest.raises(InvalidTokenError):
                await backend.list_recordings(query, PageRequest(50, bad))
        assert len(sim.request_log) == 0
        await backend.aclose()


async def test_native_time_filters_are_exact_to_the_millisecond(
    backend: FreeClimbBackend, sim: FreeClimbSimulator
) -> None:
    target = sim.primary.recordings_newest_first()[10].created
    query = RecordingQuery(
        created_after=target + timedelta(microseconds=1000),
        created_before=target + timedelta(days=3),
    )
    page = await backend.list_recordings(query, PageRequest(100))
    assert page.items
    assert all(query.matches(r) for r in page.items)
    assert target not in {r.created_at for r in page.items}
    exact = await backend.list_recordings(
        RecordingQuery(created_after=target, created_before=target), PageRequest(100)
    )
    assert [r.created_at for r in exact.items] == [target]


async def test_recordings_by_call_is_one_windowed_listing(
    backend: FreeClimbBackend, sim: FreeClimbSimulator
) -> None:
    calls = (await backend.list_calls(PageRequest(50))).items
    sim.request_log.clear()
    got = await backend.recordings_by_call([*calls, calls[0]], 10)
    assert sim.request_log.count("GET") == 1
    assert sim.request_log.entries[0].path.endswith("/Recordings")
    for call, recs in zip([*calls, calls[0]], got, strict=True):
        expected = [
            r.recording_id
            for r in sim.primary.recordings_newest_first()
            if r.call_id == call.provider_call_id
        ]
        assert [r.provider_recording_id for r in recs] == expected
    sim.request_log.clear()
    [single] = await backend.recordings_by_call([calls[0]], 10)
    assert sim.request_log.count(path_contains="/Calls/") == 1
    assert len(sim.request_log) == 1
    assert [r.provider_recording_id for r in single] == [r.provider_recording_id for r in got[0]]


async def test_recordings_by_conference_groups_one_listing(
    backend: FreeClimbBackend, sim: FreeClimbSimulator
) -> None:
    confs = (await backend.list_conferences(PageRequest(50))).items
    sim.request_log.clear()
    got = await backend.recordings_by_conference(confs, 1)
    assert len(sim.request_log) == 1
    for conf, recs in zip(confs, got, strict=True):
        expected = [
            r.recording_id
            for r in sim.primary.recordings_newest_first()
            if r.conference_id == conf.provider_conference_id
        ][:1]
        assert [r.provider_recording_id for r in recs] == expected


async def test_busy_window_falls_back_per_call_for_older_calls() -> None:
    sim = FreeClimbSimulator(seed=4, anchor=ANCHOR, page_size=2)
    async with SimulatorServer(sim) as srv:
        backend = FreeClimbBackend("s", srv.account_settings()[0], FAST)
        calls = list((await backend.list_calls(PageRequest(50))).items)[:12]
        got = await backend.recordings_by_call(calls, 5)
        for call, recs in zip(calls, got, strict=True):
            expected = [
                r.recording_id
                for r in sim.primary.recordings_newest_first()
                if r.call_id == call.provider_call_id
            ]
            assert [r.provider_recording_id for r in recs] == expected
        await backend.aclose()


async def test_malformed_ids_cost_no_request(
    backend: FreeClimbBackend, sim: FreeClimbSimulator
) -> None:
    sim.request_log.clear()
    assert await backend.get_recordings(["nope", "RE123", "CA" + "0" * 40]) == [None, None, None]
    assert await backend.get_calls(["RE" + "0" * 40]) == [None]
    with pytest.raises(NotFoundError):
        await backend.delete_recording("../Calls")
    with pytest.raises(NotFoundError):
        await backend.open_media("RE")
    assert len(sim.request_log) == 0


@pytest.mark.parametrize("keep", [False, True])
async def test_deleted_recording_reads_as_missing(keep: bool) -> None:
    sim = FreeClimbSimulator(seed=4, anchor=ANCHOR, recordings=6, keep_deleted_metadata=keep)
    async with SimulatorServer(sim) as srv:
        backend = FreeClimbBackend("s", srv.account_settings()[0], FAST)
        rec_id = sim.primary.recordings_newest_first()[0].recording_id
        await backend.delete_recording(rec_id)
        assert await backend.get_recordings([rec_id]) == [None]
        with pytest.raises(NotFoundError) as info:
            await backend.delete_recording(rec_id)
        assert info.value.vendor_code == "77"
        with pytest.raises(NotFoundError):
            await backend.open_media(rec_id)
        listed = (await backend.list_recordings(RecordingQuery(), PageRequest(10))).items
        statuses = {r.status for r in listed if r.provider_recording_id == rec_id}
        assert statuses == ({RecordingStatus.DELETED} if keep else set())
        await backend.aclose()


async def test_media_range(backend: FreeClimbBackend, sim: FreeClimbSimulator) -> None:
    rec = sim.primary.recordings_newest_first()[3]
    stream = await backend.open_media(rec.recording_id, byte_range=(4, 11))
    data = b"".join([c async for c in stream.iter_chunks()])
    await stream.aclose()
    assert stream.status == 206
    assert data == b"\x00" * 0 + sim.audio(rec)[4:12]
    assert stream.content_range == f"bytes 4-11/{len(sim.audio(rec))}"


async def test_error_classes_and_no_secret_in_messages(
    server: SimulatorServer, sim: FreeClimbSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    primary, other = server.account_settings()
    bad = FreeClimbBackend("s", {**primary, "api_key": other["api_key"]}, FAST)
    with pytest.raises(AuthenticationError) as auth:
        await bad.list_calls(PageRequest(10))
    assert auth.value.vendor_code == "50"
    assert "Unauthorized To Make Request" in str(auth.value)
    await bad.aclose()
    foreign = FreeClimbBackend(
        "s", {**primary, "account_id": other["account_id"], "api_key": primary["api_key"]}, FAST
    )
    # Basic auth uses the path account as the username, so this is a 401 ...
    with pytest.raises(AuthenticationError):
        await foreign.list_calls(PageRequest(10))
    await foreign.aclose()
    good = FreeClimbBackend("s", primary, FAST)
    # ... while valid credentials on another account's path are a 403.
    good.client._root = f"/Accounts/{other['account_id']}"
    with pytest.raises(PermissionDeniedError):
        await good.list_calls(PageRequest(10))
    sim.faults.retry_after = 30
    sim.faults.inject(FaultKind.RATE_LIMIT)
    with pytest.raises(RateLimitedError) as limited:
        await good.get_calls(["CA" + "0" * 40])
    assert limited.value.retry_after == 30
    await good.aclose()
    texts = [str(auth.value), str(limited.value), caplog.text]
    for secret in (primary["api_key"], other["api_key"]):
        assert all(secret not in t for t in texts)


async def test_start_and_control_are_unsupported(backend: FreeClimbBackend) -> None:
    target = RecordingTarget(provider_call_id="CA" + "0" * 40)
    with pytest.raises(UnsupportedError, match="StartRecordCall"):
        await backend.start_recording(target, StartRecordingOptions())
    with pytest.raises(UnsupportedError, match="pause"):
        await backend.control_recording(target, RecordingAction.PAUSE)


def test_account_and_secret_keys(settings: dict[str, str]) -> None:
    backend = FreeClimbBackend("support", settings, FAST)
    assert backend.account.provider_account_id == settings["account_id"]
    assert backend.account.name == "support"
    assert FreeClimbBackend.secret_keys() == {"api_key", "signing_secrets"}
    assert settings["api_key"] not in repr(backend.config)
