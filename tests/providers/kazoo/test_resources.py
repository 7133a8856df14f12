"""Kazoo recordings by id, media, delete, CDRs, conferences, control, rate limit, mapping."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from providers._sim import SimulatorServer
from providers.errors import InvalidStateError, NotFoundError, UnsupportedError
from providers.kazoo import KazooBackend, KazooSimulator, mapping
from providers.models import (
    PageRequest,
    RecordingAction,
    RecordingQuery,
    RecordingTarget,
    StartRecordingOptions,
)

from .conftest import ANCHOR, FAST, Raw

NOTES_DOC = {
    "id": "202406-5e0f2b8c4a6d1e3f7a9b0c2d4e6f8a1b",
    "content_type": "audio/mpeg",
    "cdr_id": "202406-6f1a3c5e-7b9d-4e2f-a1c3-e5b7d9f1a3c5",
    "start": 63885252651,
    "duration": 94,
    "duration_ms": 94380,
    "origin": "inbound from offnet to account",
    "url": "https://user:pw@store.example.com/r/1.mp3?sig=abc",
    "custom_channel_vars": {"account_id": "4b8c2d1e0f3a5b6c7d8e9f0a1b2c3d4e"},
    "brand_new_field": 1,
}


def test_gregorian_worked_example_and_recording_mapping() -> None:
    assert mapping.from_gregorian(63885252651) == datetime(2024, 6, 10, 15, 30, 51, tzinfo=UTC)
    assert mapping.from_gregorian("63885252651") == datetime(2024, 6, 10, 15, 30, 51, tzinfo=UTC)
    rec = mapping.recording(NOTES_DOC, "pbx")
    assert rec.start_time == datetime(2024, 6, 10, 15, 30, 51, tzinfo=UTC)
    assert rec.created_at == datetime(2024, 6, 10, 15, 32, 25, tzinfo=UTC)  # start + 94 s
    assert rec.duration_seconds == 94.38
    assert rec.provider_call_id == NOTES_DOC["cdr_id"]
    assert rec.extra["brand_new_field"] == 1
    assert rec.extra["url"] == "https://store.example.com/r/1.mp3"  # no userinfo, no query


def test_cdr_row_strings_and_full_doc() -> None:
    row = {
        "id": "202406-6f1a3c5e-7b9d-4e2f-a1c3-e5b7d9f1a3c5",
        "duration_seconds": "106",
        "timestamp": "63885252640",
        "caller_id_number": "+13125550147",
        "callee_id_number": "",
        "dialed_number": "2001",
        "direction": "inbound",
    }
    call = mapping.call_from_row(row, "pbx")
    assert call.start_time == datetime(2024, 6, 10, 15, 30, 40, tzinfo=UTC)
    assert call.duration_seconds == 106.0 and call.to_number == "2001"
    doc = {
        "id": row["id"],
        "timestamp": 63885252746,
        "duration_seconds": 106,
        "call_direction": "inbound",
    }
    full = mapping.call_from_doc(doc, "pbx")
    assert full.end_time == datetime(2024, 6, 10, 15, 32, 26, tzinfo=UTC)
    assert full.start_time == call.start_time and full.direction == "inbound"


def test_conference_secrets_never_mapped() -> None:
    conf = mapping.conference(
        {
            "id": "a" * 32,
            "name": "x",
            "bridge_password": "s3cret",
            "member": {"pins": ["1234"], "join_muted": True},
            "_read_only": {"members": 0},
        },
        "pbx",
    )
    assert "bridge_password" not in conf.extra and "pins" not in conf.extra["member"]
    assert conf.status == "idle"


async def test_recording_ids_and_404_shapes(
    raw: Raw, backend: KazooBackend, sim: KazooSimulator
) -> None:
    status, body, _ = await raw.request("GET", raw.acct("/recordings/nope"))
    assert (status, body["message"], body["data"]) == (404, "bad identifier", ["nope"])
    unknown = "202401-" + "0" * 32
    status, body, _ = await raw.request("GET", raw.acct(f"/recordings/{unknown}"))
    assert (status, body["message"], body["data"]["cause"]) == (404, "bad_identifier", unknown)
    rid = next(iter(sim.accounts[0].recordings))
    status, body, _ = await raw.request("GET", raw.acct(f"/recordings/{rid}"))
    assert status == 200 and "_read_only" not in body["data"] and "revision" in body
    sim.request_log.clear()
    got = await backend.get_recordings(["nope", unknown, rid, rid])
    assert got[0] is None and got[1] is None and got[2] == got[3] is not None
    assert sim.request_log.count("GET", "/recordings/") == 2  # no request for "nope", one per id


async def test_media_by_accept_with_stored_type(
    raw: Raw, backend: KazooBackend, sim: KazooSimulator
) -> None:
    recs = sim.accounts[0].recordings.values()
    mp3 = next(r for r in recs if r.media == "mp3")
    wav = next(r for r in recs if r.media == "wav")
    status, body, headers = await raw.request(
        "GET", raw.acct(f"/recordings/{mp3.id}"), headers={"Accept": "audio/mpeg"}
    )
    assert status == 200 and headers["Content-Type"] == "audio/mpeg" and body[:2] == b"\xff\xfb"
    assert headers["Content-Disposition"] == f"attachment; filename={mp3.doc['name']}"
    status, body, headers = await raw.request(
        "GET", raw.acct(f"/recordings/{wav.id}"), params={"accept": "audio/mpeg", "inline": "true"}
    )
    assert headers["Content-Type"] == "audio/x-wav" and body[:4] == b"RIFF"
    assert headers["Content-Disposition"].startswith("inline;")
    stream = await backend.open_media(mp3.id, byte_range=(0, 99))
    try:
        data = b"".join([c async for c in stream.iter_chunks()])
    finally:
        await stream.aclose()
    assert stream.status == 206 and len(data) == 100 and stream.content_type == "audio/mpeg"


async def test_media_without_attachment_is_not_found(
    raw: Raw, backend: KazooBackend, sim: KazooSimulator
) -> None:
    external = next(r for r in sim.accounts[0].recordings.values() if r.media is None)
    status, body, _ = await raw.request(
        "GET", raw.acct(f"/recordings/{external.id}"), headers={"Accept": "audio/mpeg"}
    )
    assert status == 404 and body["data"]["details"] == external.id
    with pytest.raises(NotFoundError):
        await backend.open_media(external.id)


async def test_soft_delete_then_404_and_gone(
    raw: Raw, backend: KazooBackend, sim: KazooSimulator
) -> None:
    first = (await backend.list_recordings(RecordingQuery(), PageRequest(3))).items
    victim, other = first[0].provider_recording_id, first[1].provider_recording_id
    status, body, _ = await raw.request("DELETE", raw.acct(f"/recordings/{victim}"))
    assert status == 200 and body["data"]["_read_only"] == {"deleted": True}
    assert (await backend.get_recordings([victim]))[0] is None
    after = (await backend.list_recordings(RecordingQuery(), PageRequest(3))).items
    assert victim not in {r.provider_recording_id for r in after}
    with pytest.raises(NotFoundError):
        await backend.delete_recording(victim)
    status, _, _ = await raw.request(
        "DELETE", raw.acct(f"/recordings/{other}"), params={"should_soft_delete": "false"}
    )
    assert status == 200 and other not in sim.accounts[0].recordings
    status, _, _ = await raw.request("POST", raw.acct("/recordings"))
    assert status == 405


async def test_cdrs_are_calls(raw: Raw, backend: KazooBackend, sim: KazooSimulator) -> None:
    _, body, _ = await raw.request("GET", raw.acct("/cdrs"), params={"page_size": "2"})
    row = body["data"][0]
    assert isinstance(row["timestamp"], str) and isinstance(row["duration_seconds"], str)
    status, body, _ = await raw.request("GET", raw.acct("/cdrs/" + row["call_id"]))
    assert (status, body["message"]) == (404, "could not find cdr with supplied id")
    page = await backend.list_calls(PageRequest(2))
    live = len(sim.live_channels())
    assert [c.status for c in page.items[:live]] == ["in-progress"] * live  # channels first
    call = page.items[live]
    assert call.provider_call_id == row["id"]
    assert call.start_time == mapping.from_gregorian(row["timestamp"])
    full = await backend.get_calls([call.provider_call_id, row["call_id"]])
    assert full[1] is None
    assert full[0] is not None and full[0].start_time == call.start_time
    assert full[0].end_time == call.end_time


async def test_recordings_by_call_is_one_listing_per_window(
    backend: KazooBackend, sim: KazooSimulator
) -> None:
    calls = [c for c in (await backend.list_calls(PageRequest(50))).items if c.end_time]
    sim.request_log.clear()
    grouped = await backend.recordings_by_call([*calls, calls[0]], 10)
    assert sim.request_log.count("GET") <= 3  # 90 days of calls: one listing per window
    assert all(
        "filter_cdr_id=%5B" in e.query or "filter_cdr_id=[" in e.query
        for e in sim.request_log.entries
    )
    for call, recs in zip(calls, grouped, strict=False):
        cdr = sim.accounts[0].cdrs[call.provider_call_id]
        assert {r.provider_recording_id for r in recs} == set(cdr.row["media_recordings"])
    assert grouped[-1] == grouped[0]
    sim.request_log.clear()
    one = await backend.recordings_by_call([calls[0]], 10)
    assert sim.request_log.count("GET") == 1 and one[0] == grouped[0]


async def test_conferences_and_record_action(
    raw: Raw, backend: KazooBackend, sim: KazooSimulator
) -> None:
    confs = (await backend.list_conferences(PageRequest(10))).items
    conf_id = confs[0].provider_conference_id
    status, body, _ = await raw.request(
        "PUT", raw.acct(f"/conferences/{conf_id}"), json={"action": "record", "data": {}}
    )
    assert status == 400 and "required" in body["data"]["action"]
    target = RecordingTarget(provider_conference_id=conf_id)
    assert await backend.start_recording(target, StartRecordingOptions()) is None
    _, body, _ = await raw.request("GET", raw.acct(f"/conferences/{conf_id}"))
    assert (
        body["data"]["_read_only"]["moderators"] == 1 and "admins" not in body["data"]["_read_only"]
    )
    assert await backend.control_recording(target, RecordingAction.STOP) is None
    puts = [e for e in sim.request_log.entries if e.method == "PUT" and "conferences" in e.path]
    assert [e.status for e in puts] == [400, 202, 202]
    grouped = await backend.recordings_by_conference(confs, 50)
    newest = grouped[0][0]
    assert newest.provider_conference_id == conf_id and newest.provider_call_id is None


async def test_unsupported_controls(backend: KazooBackend, sim: KazooSimulator) -> None:
    ended = RecordingTarget(provider_call_id="202406-abc")
    conf = RecordingTarget(provider_conference_id="a" * 32)
    with pytest.raises(InvalidStateError, match="has ended"):  # a CDR: no channel left
        await backend.start_recording(ended, StartRecordingOptions())
    with pytest.raises(InvalidStateError, match="has ended"):
        await backend.control_recording(ended, RecordingAction.STOP)
    for action in (RecordingAction.PAUSE, RecordingAction.RESUME):
        with pytest.raises(UnsupportedError, match="pause/resume") as info:
            await backend.control_recording(conf, action)
        assert info.value.capability == f"{action.value}_recording"
    with pytest.raises(UnsupportedError, match="no parameters") as refused:
        await backend.start_recording(conf, StartRecordingOptions(format="wav"))
    assert refused.value.option == "format"
    assert len(sim.request_log) == 0


async def test_token_bucket_429_then_backend_retries() -> None:
    sim = KazooSimulator(7, anchor=ANCHOR, rate_limit=True, rate_capacity=3, rate_refill=20)
    async with SimulatorServer(sim) as server:
        # Kazoo sends no Retry-After: recovery relies on the client's read backoff.
        options = dataclasses.replace(FAST, backoff_base=0.1)
        backend = KazooBackend("pbx", server.account_settings()[0], options)
        try:
            ids = list(sim.accounts[0].recordings)[:6]
            got = [await backend.get_recordings([i]) for i in ids]
        finally:
            await backend.aclose()
    assert all(g[0] is not None for g in got)
    limited = [e for e in sim.request_log.entries if e.status == 429]
    assert limited
