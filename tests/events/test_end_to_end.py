"""The whole loop on the simulators, over a real WebSocket client: ``startRecording`` on
a live SignalWire call points the vendor at the gateway's webhook (``[server]
public_url``); ``stopRecording`` makes the simulator send a signed COMPLETED callback;
the subscriber sees STARTED ... COMPLETED with the recording resolvable. Our own
mutations' events (GATEWAY origin) land in the same log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gateway.ids import encode_id

from .clients import WsClient
from .conftest import EventGateway, StartGateway

E2E_SUBSCRIPTION = """
subscription($after: String) {
  recordingEvents(after: $after) {
    kind origin providerRecordingId cursor
    call { providerCallId }
    recording { id providerRecordingId status durationSeconds }
  }
}
"""
START = """
mutation($call: ID!) {
  startRecording(input: { callId: $call }) {
    __typename
    ... on RecordingControlled { status recording { id providerRecordingId } }
    ... on UserError { code message }
  }
}
"""
STOP = """
mutation($rec: ID!) {
  stopRecording(input: { recordingId: $rec }) {
    __typename ... on RecordingControlled { status } ... on UserError { code message }
  }
}
"""


async def mutate(gw: EventGateway, query: str, **variables: Any) -> dict[str, Any]:
    body = await gw.query(query, variables)
    assert "errors" not in body, body
    result: dict[str, Any] = next(iter(body["data"].values()))
    assert result["__typename"] == "RecordingControlled", result
    return result


async def test_start_stop_completed_over_websocket(start_gateway: StartGateway) -> None:
    gw = await start_gateway(providers=["signalwire"])
    sim = gw.sim("signalwire")
    project = sim.primary
    call = sim.live_calls()[0]
    call_id = encode_id("Call", "signalwire", project.sid, call.sid)
    start = (await gw.events())["pageInfo"]["endCursor"]
    client = await WsClient.connect(gw)
    await client.subscribe(after=start, query=E2E_SUBSCRIPTION)

    started = await mutate(gw, START, call=call_id)
    rec_id = started["recording"]["id"]
    native = started["recording"]["providerRecordingId"]
    project.recordings[native].created -= timedelta(seconds=7)  # seven seconds of audio
    await mutate(gw, STOP, rec=rec_id)
    await sim.drain_callbacks()

    seen: list[dict[str, Any]] = []
    while not seen or seen[-1]["kind"] != "COMPLETED":
        [event] = await client.events(1)
        seen.append(event)
    assert await client.quiet()
    await client.close()

    assert [(e["kind"], e["origin"]) for e in seen] == [
        ("STARTED", "GATEWAY"),  # our mutation, appended before it answered
        ("STARTED", "WEBHOOK"),  # SignalWire's in-progress callback
        ("STOPPED", "GATEWAY"),
        ("COMPLETED", "WEBHOOK"),  # the signed callback to [server] public_url
    ] or [(e["kind"], e["origin"]) for e in seen] == [
        ("STARTED", "WEBHOOK"),  # the callback may beat the mutation's own append
        ("STARTED", "GATEWAY"),
        ("STOPPED", "GATEWAY"),
        ("COMPLETED", "WEBHOOK"),
    ]
    assert {e["providerRecordingId"] for e in seen} == {native}
    assert all(e["call"] == {"providerCallId": call.sid} for e in seen)
    completed = seen[-1]["recording"]
    assert 7 <= completed.pop("durationSeconds") <= 8  # whole seconds on the vendor's clock
    assert completed == {"id": rec_id, "providerRecordingId": native, "status": "COMPLETED"}
    delivered = sim.callbacks.deliveries
    assert [d.status for d in delivered] == [200, 200]
    assert all(d.url == gw.webhook_url("signalwire") for d in delivered)


async def test_deletes_are_gateway_events(start_gateway: StartGateway) -> None:
    gw = await start_gateway(providers=["signalwire"])
    project = gw.sim("signalwire").primary
    first, second = list(project.recordings)[:2]
    ids = [encode_id("Recording", "signalwire", project.sid, sid) for sid in (first, second)]
    body = await gw.query(
        "mutation($id: ID!) { deleteRecording(id: $id) { __typename } }", {"id": ids[0]}
    )
    assert body["data"]["deleteRecording"]["__typename"] == "RecordingDeleted"
    body = await gw.query(
        "mutation($ids: [ID!]) { deleteRecordings(input: { ids: $ids, dryRun: false }) {"
        " __typename ... on RecordingsDeleted { deleted { id } alreadyGone } } }",
        {"ids": ids},
    )
    result = body["data"]["deleteRecordings"]
    assert [d["id"] for d in result["deleted"]] == [ids[1]] and result["alreadyGone"] == [ids[0]]
    nodes = (await gw.events())["nodes"]
    assert [(n["kind"], n["origin"], n["providerRecordingId"]) for n in nodes] == [
        ("DELETED", "GATEWAY", first),
        ("DELETED", "GATEWAY", second),  # the one already gone is no new event
    ]
    assert nodes[0]["providerData"] == {"operation": "deleteRecording"}
