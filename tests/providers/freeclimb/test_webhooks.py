"""FreeClimb-Signature: the notes' worked example, rotation, tolerance, and the three
recording-bearing webhooks delivered by the simulator over a real socket."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from providers._sim import SimulatorServer
from providers.errors import WebhookRejectedError
from providers.freeclimb import FreeClimbBackend, FreeClimbSimulator
from providers.freeclimb.webhooks import sign, verify
from providers.models import RecordingEventKind, WebhookRequest

from .conftest import FAST

# Verbatim from shared/providers/freeclimb.md.
BODY = b'{"accountId":"AC7f0c3b9d2e14a6c58b0f1e2d3c4b5a6978e1f2a3","callId":"CA2d9e7c1b0a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d","callStatus":"inProgress","conferenceId":"CF4e1a9b7c2d3e5f60718293a4b5c6d7e8f9a0b1c2","direction":"inbound","from":"+13125550147","queueId":null,"recordingDurationSec":97,"recordingId":"RE8c0b2a4d6e8f1a3c5e7b9d0f2a4c6e8b0d2f4a6c","recordingUrl":"https://www.freeclimb.com/apiserver/Accounts/AC7f0c3b9d2e14a6c58b0f1e2d3c4b5a6978e1f2a3/Recordings/RE8c0b2a4d6e8f1a3c5e7b9d0f2a4c6e8b0d2f4a6c/Download","requestType":"conferenceRecordingStatus","status":"empty","to":"+13125550199"}'
SECRET_1 = "sigsec_5b1f0c9e2a7d4e8f9a3b6c1d0e2f4a5b6c7d8e9f"
SECRET_2 = "sigsec_00112233445566778899aabbccddeeff00112233"
T = 1718035200
V1_1 = "5c13934a26443c603b4af20e0681e27b60644b226931611aeabdea85d329648e"
V1_2 = "58b08e1b5f6d70006b90c77f6220d870d0df072da3449a7149a6f67fb37ce5e6"
ACCOUNT = "AC7f0c3b9d2e14a6c58b0f1e2d3c4b5a6978e1f2a3"
AT_T = datetime.fromtimestamp(T, UTC)


def example_backend(*secrets: str, tolerance: float = 300) -> FreeClimbBackend:
    settings = {
        "base_url": "http://127.0.0.1:9/apiserver",
        "account_id": ACCOUNT,
        "api_key": "k" * 40,
        "signing_secrets": list(secrets),
        "webhook_tolerance_seconds": tolerance,
    }
    return FreeClimbBackend("support", settings, FAST)


def request(header: str, *, body: bytes = BODY, at: datetime = AT_T) -> WebhookRequest:
    return WebhookRequest(
        method="POST",
        url="https://gw.example.com/webhooks/freeclimb/support",
        headers={"Content-Type": "application/json", "freeclimb-signature": header},
        body=body,
        received_at=at,
    )


def test_worked_example_signatures_verbatim() -> None:
    assert sign(BODY, [SECRET_1], T) == f"t={T},v1={V1_1}"
    assert sign(BODY, [SECRET_1, SECRET_2], T) == f"t={T},v1={V1_1},v1={V1_2}"


@pytest.mark.parametrize("secret", [SECRET_1, SECRET_2])
async def test_worked_example_accepted_with_either_active_secret(secret: str) -> None:
    backend = example_backend(secret)
    events = await backend.parse_webhook(request(f"t={T},v1={V1_1},v1={V1_2}"))
    assert [(e.kind, e.provider_recording_id) for e in events] == [
        (RecordingEventKind.COMPLETED, "RE8c0b2a4d6e8f1a3c5e7b9d0f2a4c6e8b0d2f4a6c")
    ]
    event = events[0]
    assert event.provider_conference_id == "CF4e1a9b7c2d3e5f60718293a4b5c6d7e8f9a0b1c2"
    # callId on conferenceRecordingStatus is the triggering leg, kept only in extra.
    assert event.provider_call_id is None
    assert event.extra["callId"] == "CA2d9e7c1b0a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d"
    assert event.duration_seconds == 97.0
    assert event.occurred_at == AT_T


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (f"t={T},v1={'0' * 64}", "does not match"),
        (f"v1={V1_1}", "timestamp"),
        (f"t={T}", "no v1"),
        (f"t=abc,v1={V1_1}", "timestamp"),
        (f"t={T + 1},v1={V1_1}", "does not match"),
    ],
)
async def test_bad_signatures_rejected_with_reason(header: str, reason: str) -> None:
    with pytest.raises(WebhookRejectedError, match=reason):
        await example_backend(SECRET_1).parse_webhook(request(header))


async def test_tampered_body_rejected() -> None:
    tampered = BODY.replace(b'"recordingDurationSec":97', b'"recordingDurationSec":98')
    with pytest.raises(WebhookRejectedError, match="does not match"):
        await example_backend(SECRET_1).parse_webhook(request(f"t={T},v1={V1_1}", body=tampered))


async def test_missing_header_and_missing_secret_rejected() -> None:
    req = request("")
    no_header = WebhookRequest(req.method, req.url, {}, req.body, req.received_at)
    with pytest.raises(WebhookRejectedError, match="missing FreeClimb-Signature"):
        await example_backend(SECRET_1).parse_webhook(no_header)
    with pytest.raises(WebhookRejectedError, match="no signing secret"):
        await example_backend().parse_webhook(request(f"t={T},v1={V1_1}"))


async def test_tolerance_is_seconds_and_one_sided() -> None:
    backend = example_backend(SECRET_1, tolerance=300)
    header = f"t={T},v1={V1_1}"
    assert await backend.parse_webhook(request(header, at=AT_T + timedelta(seconds=300)))
    with pytest.raises(WebhookRejectedError, match="301s old"):
        await backend.parse_webhook(request(header, at=AT_T + timedelta(seconds=301)))
    # Future-dated timestamps pass, like the SDK's one-sided check.
    assert await backend.parse_webhook(request(header, at=AT_T - timedelta(hours=2)))
    assert verify({"FreeClimb-Signature": header}, BODY, [SECRET_1], tolerance=0, now=AT_T) == T


async def test_webhook_for_another_account_rejected() -> None:
    body = BODY.replace(ACCOUNT.encode(), b"AC" + b"1" * 40)
    with pytest.raises(WebhookRejectedError, match="another account"):
        await example_backend(SECRET_1).parse_webhook(request(sign(body, [SECRET_1], T), body=body))


async def test_authentic_but_irrelevant_webhook_gives_no_events() -> None:
    body = b'{"accountId":"' + ACCOUNT.encode() + b'","requestType":"inboundCall","callId":"CA1"}'
    assert (
        await example_backend(SECRET_1).parse_webhook(request(sign(body, [SECRET_1], T), body=body))
        == []
    )
    status = (
        b'{"accountId":"' + ACCOUNT.encode() + b'","requestType":"callStatus","recordingUrl":""}'
    )
    assert (
        await example_backend(SECRET_1).parse_webhook(
            request(sign(status, [SECRET_1], T), body=status)
        )
        == []
    )


async def test_zero_length_recording_is_absent() -> None:
    body = (
        b'{"requestType":"record","recordingId":"RE' + b"a" * 40 + b'","recordingSize":"0",'
        b'"recordingDurationSec":0,"callId":"CA' + b"b" * 40 + b'"}'
    )
    [event] = await example_backend(SECRET_1).parse_webhook(
        request(sign(body, [SECRET_1], T), body=body)
    )
    assert event.kind is RecordingEventKind.ABSENT
    assert event.provider_call_id == "CA" + "b" * 40


# -- simulator deliveries --------------------------------------------------------------


@dataclass
class Receiver:
    got: list[WebhookRequest] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.got.append(
            WebhookRequest(
                request.method,
                str(request.url),
                dict(request.headers),
                await request.read(),
                datetime.now(UTC),
            )
        )
        return web.Response(status=204)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    rec.url = f"http://127.0.0.1:{port}/hook"
    yield rec
    await runner.cleanup()


async def test_start_record_call_posts_signed_call_status(
    sim: FreeClimbSimulator, server: SimulatorServer, backend: FreeClimbBackend, receiver: Receiver
) -> None:
    start = time.time()
    sim.clock = lambda: start
    call_id = sim.create_live_call(status_callback_url=receiver.url)
    sim.start_record_call(call_id)
    sim.clock = lambda: start + 42
    rec = await sim.end_call(call_id)
    assert rec is not None
    assert rec.duration == 42
    [delivered] = receiver.got
    assert delivered.headers["FreeClimb-Signature"].count("v1=") == 2
    [event] = await backend.parse_webhook(delivered)
    assert event.kind is RecordingEventKind.COMPLETED
    assert event.duration_seconds == 42
    assert (event.provider_recording_id, event.provider_call_id) == (rec.recording_id, call_id)
    assert event.extra["requestType"] == "callStatus"
    # The reported recording exists over REST, on the call's sub-collection.
    [fetched] = await backend.get_recordings([rec.recording_id])
    assert fetched is not None
    assert fetched.provider_call_id == call_id


async def test_rest_hangup_202_then_post_to_completed_call_is_404(
    sim: FreeClimbSimulator, server: SimulatorServer, backend: FreeClimbBackend, receiver: Receiver
) -> None:
    call_id = sim.create_live_call(status_callback_url=receiver.url)
    sim.start_record_call(call_id)
    await backend.client.update_call_status(call_id, "completed")
    assert sim.request_log.entries[-1].status == 202
    await sim._drain(web.Application())
    [event] = await backend.parse_webhook(receiver.got[0])
    assert event.provider_call_id == call_id
    with pytest.raises(Exception, match="404"):
        await backend.client.update_call_status(call_id, "completed")


async def test_record_utterance_and_conference_recording(
    sim: FreeClimbSimulator, server: SimulatorServer, backend: FreeClimbBackend, receiver: Receiver
) -> None:
    call_id = sim.create_live_call()
    utterance = await sim.record_utterance(call_id, receiver.url, seconds=3)
    conf_id = sim.create_conference(alias="Standup", status_callback_url=receiver.url)
    conf_rec = await sim.end_conference(conf_id, last_call_id=call_id)
    assert conf_rec is not None
    first, second = receiver.got
    [e1] = await backend.parse_webhook(first)
    [e2] = await backend.parse_webhook(second)
    assert (e1.extra["requestType"], e1.provider_recording_id) == ("record", utterance.recording_id)
    assert e1.duration_seconds == 3.0
    assert e1.extra["recordingFormat"] == "audio/wav"
    assert e2.extra["requestType"] == "conferenceRecordingStatus"
    assert (e2.provider_recording_id, e2.provider_conference_id) == (conf_rec.recording_id, conf_id)


async def test_simulator_clock_drives_tolerance(
    sim: FreeClimbSimulator, backend: FreeClimbBackend
) -> None:
    sim.clock = lambda: T - 600
    body, headers = sim.signed({"requestType": "record", "recordingId": "RE" + "c" * 40})
    req = WebhookRequest("POST", "http://x/hook", headers, body, AT_T)
    with pytest.raises(WebhookRejectedError, match="600s old"):
        await backend.parse_webhook(req)
    sim.clock = lambda: T - 299
    body, headers = sim.signed({"requestType": "record", "recordingId": "RE" + "c" * 40})
    assert len(await backend.parse_webhook(WebhookRequest("POST", "x", headers, body, AT_T))) == 1
