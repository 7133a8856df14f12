"""Mutations end to end over all three simulators: what each vendor is sent, what comes
back, the audit log, and live calls as targets (the contract suite covers the rest)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from providers.kazoo.simulator import KazooSimulator
from providers.signalwire import SignalWireSimulator
from tests.gateway.conftest import Gateway

ANSWER = """__typename
  ... on UserError { code message }
  ... on InvalidInputError { field }
  ... on UnsupportedError { provider capability option }
  ... on ConflictError { currentStatus }
  ... on RecordingControlled { status recording { id status providerRecordingId }
                               call { id providerCallId } conference { id } }"""
START = f"mutation($i: StartRecordingInput!) {{ startRecording(input: $i) {{ {ANSWER} }} }}"


def control(verb: str) -> str:
    return f"mutation($i: RecordingControlInput!) {{ {verb}Recording(input: $i) {{ {ANSWER} }} }}"


async def mutate(gateway: Gateway, query: str, **variables: Any) -> dict[str, Any]:
    body = await gateway.query(query, variables)
    assert "errors" not in body, body
    (answer,) = body["data"].values()
    assert isinstance(answer, dict)
    return answer


async def live_calls(gateway: Gateway, provider: str) -> list[dict[str, Any]]:
    body = await gateway.query(
        "{ accounts { provider calls(first: 20) { nodes { id providerCallId status endTime } } } }"
    )
    (account,) = [a for a in body["data"]["accounts"] if a["provider"] == provider.upper()]
    return [c for c in account["calls"]["nodes"] if c["endTime"] is None]


async def test_every_vendor_lists_its_calls_in_progress(gateway: Gateway) -> None:
    for provider in ("freeclimb", "kazoo", "signalwire"):
        live = await live_calls(gateway, provider)
        assert len(live) >= 3, provider
    kazoo: KazooSimulator = gateway.simulators["kazoo"].simulator  # type: ignore[assignment]
    kazoo.request_log.clear()
    listed = {c["providerCallId"] for c in await live_calls(gateway, "kazoo")}
    assert listed == set(kazoo.live_channels())
    assert kazoo.request_log.count("GET", "/channels") == 1  # one per first page of calls


async def test_kazoo_record_call_gets_every_option_and_refuses_the_rest(gateway: Gateway) -> None:
    kazoo: KazooSimulator = gateway.simulators["kazoo"].simulator  # type: ignore[assignment]
    call = (await live_calls(gateway, "kazoo"))[0]
    refused = {
        "channels": 2,
        "track": "INBOUND",
        "trim": True,
        "statusCallbackUrl": "https://hooks.example.com/k",
    }
    for name, value in refused.items():
        answer = await mutate(gateway, START, i={"callId": call["id"], name: value})
        assert (answer["__typename"], answer["option"]) == ("UnsupportedError", name), answer
    bad = await mutate(
        gateway, START, i={"callId": call["id"], "providerOptions": {"record_min_sec": "5"}}
    )
    assert (bad["__typename"], bad["field"]) == (
        "InvalidInputError",
        "providerOptions.record_min_sec",
    )
    assert kazoo.request_log.count("PUT", "/channels/") == 0  # all refused before a request
    options = {"record_min_sec": 0, "label": "qa", "record_sample_rate": 16000}
    started = await mutate(
        gateway,
        START,
        i={
            "callId": call["id"],
            "format": "WAV",
            "timeLimitSeconds": 600,
            "providerOptions": options,
        },
    )
    assert started["__typename"] == "RecordingControlled", started
    assert started["status"] == "IN_PROGRESS" and started["recording"] is None  # 202 only
    channel = kazoo.accounts[0].channels[call["providerCallId"]]
    assert channel.recording == {"action": "start", "format": "wav", "time_limit": 600, **options}
    paused = await mutate(gateway, control("pause"), i={"callId": call["id"]})
    assert (paused["__typename"], paused["capability"]) == ("UnsupportedError", "PAUSE_RECORDING")
    stopped = await mutate(gateway, control("stop"), i={"callId": call["id"]})
    assert (stopped["__typename"], stopped["status"]) == ("RecordingControlled", "STOPPED")
    assert channel.recording is None
    # The recording doc Kazoo wrote is listed, in the format asked for.
    body = await gateway.query(
        "{ recordings(first: 1, filter: { providers: [KAZOO] }) "
        "{ nodes { mimeType providerData } } }"
    )
    newest = body["data"]["recordings"]["nodes"][0]
    assert newest["providerData"]["call_id"] == call["providerCallId"]
    assert newest["providerData"]["label"] == "qa" and newest["mimeType"] == "audio/x-wav"


async def test_signalwire_by_recording_id_and_the_default_callback(gateway: Gateway) -> None:
    sw: SignalWireSimulator = gateway.simulators["signalwire"].simulator  # type: ignore[assignment]
    call = (await live_calls(gateway, "signalwire"))[-1]
    refused = await mutate(gateway, START, i={"callId": call["id"], "timeLimitSeconds": 60})
    assert (refused["__typename"], refused["option"]) == ("UnsupportedError", "timeLimitSeconds")
    refused = await mutate(gateway, START, i={"callId": call["id"], "format": "MP3"})
    assert (refused["__typename"], refused["option"]) == ("UnsupportedError", "format")
    started = await mutate(gateway, START, i={"callId": call["id"], "channels": 2})
    assert started["__typename"] == "RecordingControlled", started
    rec = started["recording"]
    assert rec["status"] == "IN_PROGRESS" and started["call"]["id"] == call["id"]
    stored = sw.primary.recordings[rec["providerRecordingId"]]
    assert stored.channels == 2
    # No statusCallbackUrl: the vendor is pointed at this gateway's own webhook route.
    assert stored.callback_url is not None and stored.callback_url.endswith("/webhooks/signalwire")
    assert stored.callback_events == {"in-progress", "completed", "absent"}
    for verb, status in (("pause", "PAUSED"), ("resume", "IN_PROGRESS"), ("stop", None)):
        answer = await mutate(gateway, control(verb), i={"recordingId": rec["id"]})
        assert answer["__typename"] == "RecordingControlled", (verb, answer)
        assert answer["recording"]["id"] == rec["id"]
        assert answer["status"] == (status or answer["status"])
    assert answer["status"] in ("COMPLETED", "ABSENT")
    again = await mutate(gateway, control("pause"), i={"recordingId": rec["id"]})
    assert again["__typename"] == "ConflictError"
    assert again["currentStatus"] in ("COMPLETED", "ABSENT")


async def test_freeclimb_cannot_start_over_rest(gateway: Gateway) -> None:
    call = (await live_calls(gateway, "freeclimb"))[0]
    gateway.reset_logs()
    answer = await mutate(gateway, START, i={"callId": call["id"], "channels": 2})
    assert answer["__typename"] == "UnsupportedError"
    assert answer["capability"] == "START_CALL_RECORDING"
    assert answer["message"] == "freeclimb cannot start call recording"
    assert gateway.upstream_requests()["freeclimb"] == 0


async def test_one_audit_line_per_mutation(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.audit")
    body = await gateway.query(
        "{ recordings(first: 3, filter: { providers: [FREECLIMB] }) { nodes { id } } }"
    )
    first, second, _ = (n["id"] for n in body["data"]["recordings"]["nodes"])
    call = (await live_calls(gateway, "signalwire"))[0]
    await mutate(
        gateway,
        "mutation($id: ID!) { deleteRecording(id: $id) { __typename } }",
        id=first,
    )
    await mutate(gateway, control("pause"), i={"callId": call["id"]})
    await mutate(
        gateway,
        "mutation($i: DeleteRecordingsInput!) { deleteRecordings(input: $i) { __typename } }",
        i={"ids": [second, first], "dryRun": True},
    )
    lines = [r for r in caplog.records if r.name == "gateway.audit"]
    assert len(lines) == 3
    entries = [r.audit for r in lines]  # type: ignore[attr-defined]
    assert [e["operation"] for e in entries] == [
        "deleteRecording",
        "pauseRecording",
        "deleteRecordings",
    ]
    assert all(e["caller"] == "anonymous" and e["request_id"] for e in entries)
    assert entries[0]["targets"] == [first] and entries[0]["outcome"] == "ok", entries[0]
    assert entries[0]["provider"] == "freeclimb" and entries[0]["account"] == "freeclimb"
    assert entries[1]["targets"][0] == call["id"] and entries[1]["outcome"] in (
        "ok",
        "CONFLICT",
    )
    assert entries[2]["outcome"] == "dry_run" and set(entries[2]["targets"]) == {first, second}
    assert entries[2]["already_gone"] == 1 and entries[2]["deleted"] == 1
    for record in lines:  # never a credential
        for server in gateway.simulators.values():
            for secret in server.account_settings()[0].values():
                if len(secret) > 20 and not secret.startswith("http"):
                    assert secret not in record.getMessage() and secret not in str(record.audit)  # type: ignore[attr-defined]
