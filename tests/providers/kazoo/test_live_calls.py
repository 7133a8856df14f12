"""Kazoo live calls: ``/channels`` on the wire, the ``record_call`` metaflow, what a
stopped recording leaves behind (doc, ``doc_created`` object webhook, upload to ``url``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from providers.errors import InvalidOptionError, InvalidStateError, NotFoundError
from providers.kazoo import KazooBackend, KazooSimulator
from providers.models import RecordingAction, RecordingTarget, StartRecordingOptions
from tests.providers.kazoo.conftest import Raw


@pytest.fixture
async def sink() -> AsyncIterator[tuple[str, list[tuple[str, str, bytes]]]]:
    got: list[tuple[str, str, bytes]] = []

    async def any_request(request: web.Request) -> web.Response:
        got.append((request.method, str(request.rel_url), await request.read()))
        return web.Response(status=201)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", any_request)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}", got
    await runner.cleanup()


async def test_channels_on_the_wire(raw: Raw, sim: KazooSimulator) -> None:
    status, body, _ = await raw.request("GET", raw.acct("/channels"))
    assert status == 200 and body["status"] == "success"
    rows = body["data"]
    assert {r["uuid"] for r in rows} == set(sim.live_channels())
    documented = {
        "answered",
        "authorizing_id",
        "authorizing_type",
        "destination",
        "direction",
        "other_leg",
        "owner_id",
        "presence_id",
        "timestamp",
        "username",
        "uuid",
    }
    assert all(set(r) == documented for r in rows)
    status, body, _ = await raw.request("GET", raw.acct(f"/channels/{rows[0]['uuid']}"))
    assert (status == 200 and body["data"] == rows[0]) or body["data"]["uuid"] == rows[0]["uuid"]
    status, body, _ = await raw.request("GET", raw.acct("/channels/nope"))
    assert (status, body["message"]) == (404, "bad_identifier")
    uuid = rows[0]["uuid"]
    for payload, field in (
        ({"action": "explode"}, "action"),
        ({"action": "metaflow", "data": {"data": {"module": "nope"}}}, "data.module"),
        (
            {
                "action": "metaflow",
                "data": {"data": {"module": "record_call", "data": {"time_limit": "x"}}},
            },
            "data.time_limit",
        ),
        (
            {
                "action": "metaflow",
                "data": {"data": {"module": "record_call", "data": {"format": "ogg"}}},
            },
            "data.format",
        ),
    ):
        status, body, _ = await raw.request("PUT", raw.acct(f"/channels/{uuid}"), json=payload)
        assert (status, body["message"]) == (400, "validation error"), payload
        assert field in body["data"]
    start = {"action": "metaflow", "data": {"data": {"module": "record_call", "data": {}}}}
    status, body, _ = await raw.request("PUT", raw.acct(f"/channels/{uuid}"), json=start)
    assert (status, body["data"]) == (202, "processing request")
    assert sim.accounts[0].channels[uuid].recording is not None  # toggle: now recording


async def test_record_call_start_stop_leaves_a_doc_a_webhook_and_an_upload(
    backend: KazooBackend,
    sim: KazooSimulator,
    sink: tuple[str, list[tuple[str, str, bytes]]],
) -> None:
    url, got = sink
    hook = sim.add_webhook(f"{url}/hook")
    uuid = sim.live_channels()[1]
    target = RecordingTarget(provider_call_id=uuid)
    options = StartRecordingOptions(
        format="wav",
        provider_options={"url": f"{url}/store/", "method": "post", "media_name": "qa.wav"},
    )
    assert await backend.start_recording(target, options) is None
    channel = sim.accounts[0].channels[uuid]
    channel.started -= 20  # twenty seconds of audio
    assert await backend.control_recording(target, RecordingAction.STOP) is None
    assert channel.recording is None
    docs = [r for r in sim.accounts[0].recordings.values() if r.doc.get("call_id") == uuid]
    (doc,) = docs
    assert doc.media == "wav" and doc.doc["name"] == "qa.wav" and doc.doc["duration"] == 20
    assert doc.doc["cdr_id"].endswith(uuid)
    methods = {(m, path.split("?")[0]) for m, path, _ in got}
    assert ("POST", f"/store/call_recording_{uuid}.wav") in methods  # unsigned upload
    assert ("POST", "/hook") in methods and sim.deliveries[-1].hook_id == hook.id
    upload = next(body for m, path, body in got if path.startswith("/store/"))
    assert upload.startswith(b"RIFF")
    (found,) = await backend.get_recordings([doc.id])
    assert found is not None and found.provider_call_id == doc.doc["cdr_id"]


async def test_live_call_by_id_and_refusals(backend: KazooBackend, sim: KazooSimulator) -> None:
    uuid = sim.live_channels()[0]
    (call,) = await backend.get_calls([uuid])
    assert call is not None and call.status == "in-progress" and call.end_time is None
    assert await backend.get_calls(["no-such-channel"]) == [None]
    cdr = next(iter(sim.accounts[0].cdrs))
    with pytest.raises(InvalidStateError, match="has ended"):
        await backend.start_recording(
            RecordingTarget(provider_call_id=cdr), StartRecordingOptions()
        )
    with pytest.raises(NotFoundError):
        await backend.start_recording(
            RecordingTarget(provider_call_id="no-such-channel"), StartRecordingOptions()
        )
    with pytest.raises(InvalidOptionError) as info:
        await backend.start_recording(
            RecordingTarget(provider_call_id=uuid),
            StartRecordingOptions(provider_options={"record_sample_rate": 12345}),
        )
    assert info.value.field == "provider_options.record_sample_rate"
    await sim.hang_up(uuid)
    assert uuid not in sim.live_channels()
    assert await backend.get_calls([uuid]) == [None]
