"""The official ``twilio`` client drives the simulator's write endpoints unchanged: start a
call recording with status callbacks, pause, resume and stop it, stop a conference
recording, delete through the call's sub-resource, and the vendor's error codes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import web
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from providers._sim import SimulatorServer
from providers.models import WebhookRequest
from providers.signalwire import SignalWireBackend, SignalWireSimulator
from providers.signalwire.webhooks import verify


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
    app.router.add_post("/status", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/status", got
    await runner.cleanup()


def client_for(server: SimulatorServer) -> Client:
    settings = server.account_settings()[0]
    client = Client(settings["project_id"], settings["api_token"])
    client.api.base_url = server.root_url
    return client


def session(client: Client, call: str, ended: str, conference: str, url: str) -> dict[str, Any]:
    calls = client.api.v2010.account.calls
    out: dict[str, Any] = {}
    rec = calls(call).recordings.create(
        recording_status_callback=url,
        recording_status_callback_event=["in-progress", "paused", "resumed", "completed", "absent"],
        recording_track="inbound",
        trim="trim-silence",
    )
    out["started"] = rec.status
    out["paused"] = calls(call).recordings(rec.sid).update(status="paused").status
    out["resumed"] = calls(call).recordings(rec.sid).update(status="in-progress").status
    out["stopped"] = calls(call).recordings(rec.sid).update(status="stopped").status
    try:
        calls(call).recordings(rec.sid).update(status="paused")
    except TwilioRestException as exc:
        out["pause_after_stop"] = (exc.status, exc.code)
    try:
        calls(ended).recordings.create()
    except TwilioRestException as exc:
        out["start_on_ended"] = (exc.status, exc.code)
    confs = client.api.v2010.account.conferences
    live = [r for r in confs(conference).recordings.list() if r.status == "in-progress"]
    out["conference_stopped"] = (
        confs(conference).recordings(live[0].sid).update(status="stopped").status
    )
    out["deleted"] = calls(call).recordings(rec.sid).delete()
    out["after_delete"] = [r.sid for r in calls(call).recordings.list()]
    out["sid"] = rec.sid
    return out


async def test_twilio_sdk_starts_pauses_resumes_stops_and_deletes(
    server: SimulatorServer,
    sim: SignalWireSimulator,
    receiver: tuple[str, list[WebhookRequest]],
) -> None:
    url, got = receiver
    live = sim.live_calls()[1].sid
    ended = next(c.sid for c in sim.primary.calls.values() if c.status == "completed")
    conference = next(c.sid for c in sim.primary.conferences.values() if c.status == "in-progress")
    out = await asyncio.to_thread(session, client_for(server), live, ended, conference, url)
    assert (out["started"], out["paused"], out["resumed"]) == (
        "in-progress",
        "paused",
        "in-progress",
    )
    assert out["stopped"] in ("completed", "absent")
    assert out["pause_after_stop"] == (400, 10000)
    assert out["start_on_ended"] == (400, 21220)
    assert out["conference_stopped"] in ("completed", "absent")
    assert out["deleted"] is True and out["sid"] not in out["after_delete"]
    await sim.drain_callbacks()
    statuses = [dict(parse_qsl(r.body.decode()))["RecordingStatus"] for r in got]
    assert statuses[:3] == ["in-progress", "paused", "resumed"]
    assert statuses[3] in ("completed", "absent") and len(statuses) == 4  # no "stopped"
    key = sim.primary.signing_key
    for request in got:  # signed as SignalWire signs them
        verify(request, key)
    recording = sim.primary.recordings[out["sid"]]
    assert (recording.track, recording.trim) == ("inbound", "trim-silence")


async def test_backend_sends_only_the_options_given(
    server: SimulatorServer, sim: SignalWireSimulator, backend: SignalWireBackend
) -> None:
    """What the gateway maps is what the vendor receives (twilio's defaults otherwise)."""
    from providers.models import RecordingTarget, StartRecordingOptions

    call = sim.live_calls()[2].sid
    options = StartRecordingOptions(
        channels=2,
        track="outbound",
        trim_silence=True,
        status_callback_url="https://hooks.example.com/sw",
        status_callback_events=("started", "stopped"),
        provider_options={"RecordingStatusCallbackMethod": "GET"},
    )
    rec = await backend.start_recording(RecordingTarget(provider_call_id=call), options)
    assert rec is not None and rec.channels == 2
    stored = sim.primary.recordings[rec.provider_recording_id]
    assert (stored.track, stored.trim, stored.callback_method) == (
        "outbound",
        "trim-silence",
        "GET",
    )
    assert stored.callback_events == {"in-progress", "stopped"}
    assert stored.callback_url == "https://hooks.example.com/sw"
