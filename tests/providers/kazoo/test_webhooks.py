"""Kazoo object webhooks: unsigned delivery from the simulator, URL-secret verification."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp import web

from providers._sim import SimulatorServer
from providers.config import Secret
from providers.errors import WebhookRejectedError
from providers.kazoo import KazooBackend, KazooSimulator
from providers.models import RecordingEventKind, WebhookRequest

from .conftest import FAST

SECRET = "hook-secret-123"


class Receiver:
    def __init__(self) -> None:
        self.received: list[WebhookRequest] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append(
            WebhookRequest(
                method=request.method,
                url=str(request.url),
                headers=dict(request.headers),
                body=await request.read(),
                received_at=datetime.now(UTC),
            )
        )
        return web.Response(text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    rec = Receiver()
    app = web.Application()
    app.router.add_route("*", "/hooks/kazoo", rec.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield rec, f"http://127.0.0.1:{port}/hooks/kazoo"
    finally:
        await runner.cleanup()


@pytest.fixture
async def hooked(server: SimulatorServer) -> AsyncIterator[KazooBackend]:
    settings = {**server.account_settings()[0], "webhook_secret": SECRET}
    backend = KazooBackend("pbx", settings, FAST)
    try:
        yield backend
    finally:
        await backend.aclose()


@pytest.mark.parametrize("hook_format", ["form-data", "json"])
async def test_doc_created_becomes_completed_event(
    sim: KazooSimulator, hooked: KazooBackend, receiver: tuple[Receiver, str], hook_format: str
) -> None:
    rec, url = receiver
    hook = sim.add_webhook(f"{url}?secret={SECRET}", hook_format=hook_format)
    cdr_id = next(iter(sim.accounts[0].cdrs))
    rid = await sim.finish_recording(cdr_id=cdr_id)
    (request,) = rec.received
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["x-hook-id"] == hook.id and headers["x-account-id"] == sim.accounts[0].id
    assert ("json" in headers["content-type"]) == (hook_format == "json")
    assert not [h for h in headers if "signature" in h]
    (event,) = await hooked.parse_webhook(request)
    assert event.kind is RecordingEventKind.COMPLETED
    assert event.provider_recording_id == rid and event.provider_call_id == cdr_id
    assert event.recording is not None and event.recording.provider_recording_id == rid


async def test_conference_stop_delivers_doc_created(
    sim: KazooSimulator, hooked: KazooBackend, receiver: tuple[Receiver, str]
) -> None:
    rec, url = receiver
    sim.add_webhook(f"{url}?secret={SECRET}")
    conf_id = next(iter(sim.accounts[0].conferences))
    from providers.models import RecordingAction, RecordingTarget, StartRecordingOptions

    target = RecordingTarget(provider_conference_id=conf_id)
    await hooked.start_recording(target, StartRecordingOptions())
    await hooked.control_recording(target, RecordingAction.STOP)
    await sim.drain()
    (event,) = await hooked.parse_webhook(rec.received[0])
    assert event.provider_conference_id == conf_id


def _request(url: str, body: bytes, headers: dict[str, str] | None = None) -> WebhookRequest:
    return WebhookRequest(
        "POST",
        url,
        {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
        body,
        datetime.now(UTC),
    )


async def test_rejections(
    server: SimulatorServer, hooked: KazooBackend, sim: KazooSimulator
) -> None:
    acc = sim.accounts[0].id
    body = f"id=202401-{'0' * 32}&account_id={acc}&action=doc_created&type=call_recording".encode()
    cases = {
        "http://gw/webhooks/kazoo/pbx": "no 'secret'",
        "http://gw/webhooks/kazoo/pbx?secret=wrong": "does not match",
    }
    for url, reason in cases.items():
        with pytest.raises(WebhookRejectedError, match=reason):
            await hooked.parse_webhook(_request(url, body))
    ok_url = f"http://gw/webhooks/kazoo/pbx?secret={SECRET}"
    with pytest.raises(WebhookRejectedError, match="another account"):
        await hooked.parse_webhook(_request(ok_url, body, {"X-Account-ID": "f" * 32}))
    plain = KazooBackend("pbx", server.account_settings()[0], FAST)
    try:
        with pytest.raises(WebhookRejectedError, match="no webhook_secret"):
            await plain.parse_webhook(_request(ok_url, body))
    finally:
        await plain.aclose()
    assert len(sim.request_log) == 0
    irrelevant = body.replace(b"call_recording", b"device")
    assert await hooked.parse_webhook(_request(ok_url, irrelevant)) == []
    deleted = body.replace(b"doc_created", b"doc_deleted")
    (event,) = await hooked.parse_webhook(_request(ok_url, deleted))
    assert event.kind is RecordingEventKind.DELETED and event.recording is None
    assert isinstance(hooked.config.webhook_secret, Secret)
