"""Mutations through GraphQL, for every registered provider (DESIGN §6).

A real gateway (aiohttp on loopback, ``[auth] mode = "keys"``) over the provider's
simulator with two accounts: ``primary`` and ``other``. The ``ops`` key may see only
``primary`` and holds every scope; ``viewer`` may see ``primary`` but only read. The
"capabilities tell the truth" test drives every capability the provider advertises and
proves every other one answers ``UnsupportedError`` without an upstream request.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from gateway.app import create_app
from gateway.ids import encode_id
from gateway.settings import from_mapping
from providers._sim import FaultKind, SimulatorServer

KEYS = {"ops": "ops-key-0123456789", "viewer": "viewer-key-0123456789"}
CONTROLS = {
    "pause": "PAUSE_RECORDING",
    "resume": "RESUME_RECORDING",
    "stop": "STOP_RECORDING",
}
RESULT = """__typename
  ... on UserError { code message }
  ... on NotFoundError { id }
  ... on ForbiddenError { scope }
  ... on InvalidInputError { field }
  ... on UnsupportedError { provider capability option }
  ... on UpstreamError { provider outcomeUnknown retryable }"""
CONTROLLED = f"""{RESULT}
  ... on ConflictError {{ currentStatus }}
  ... on RecordingControlled {{
      status recording {{ id status }} call {{ id }} conference {{ id }} }}"""
START = (
    f"mutation($input: StartRecordingInput!) {{ startRecording(input: $input) {{ {CONTROLLED} }} }}"
)
DELETE = f"""mutation($id: ID!) {{ deleteRecording(id: $id) {{ {RESULT}
  ... on RecordingDeleted {{ id providerRecordingId provider }} }} }}"""
BULK = """mutation($input: DeleteRecordingsInput!) { deleteRecordings(input: $input) {
  __typename
  ... on UserError { code message }
  ... on ForbiddenError { scope }
  ... on InvalidInputError { field }
  ... on RecordingsDeleted { dryRun matched hasMore alreadyGone
      deleted { id providerRecordingId provider }
      failed { id error { __typename code message } }
      failures { provider code } } } }"""


def control(verb: str) -> str:
    return (
        f"mutation($input: RecordingControlInput!) {{ {verb}Recording(input: $input) "
        f"{{ {CONTROLLED} }} }}"
    )


@dataclass
class Gateway:
    url: str
    session: aiohttp.ClientSession
    sim: SimulatorServer
    provider: str

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, key: str = "ops"
    ) -> dict[str, Any]:
        async with self.session.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {KEYS[key]}"},
        ) as resp:
            body: dict[str, Any] = await resp.json()
            assert resp.status == 200, body
            assert "errors" not in body, body
            return body["data"]

    async def mutate(self, query: str, key: str = "ops", **variables: Any) -> dict[str, Any]:
        data = await self.gql(query, variables, key=key)
        (answer,) = data.values()
        assert isinstance(answer, dict)
        return answer

    def requests(self) -> int:
        return len(self.sim.simulator.request_log)

    def gid(self, type_name: str, native: str, account: int = 0) -> str:
        settings = self.sim.account_settings()[account]
        account_id = settings.get("account_id") or settings["project_id"]
        return encode_id(type_name, self.provider, account_id, native)


@pytest.fixture
async def gw(provider_name: str, sim_server: SimulatorServer) -> AsyncIterator[Gateway]:
    primary, other = sim_server.account_settings()[:2]
    raw = {
        "server": {"host": "127.0.0.1", "port": 0},
        "accounts": [
            {"name": "primary", "provider": provider_name, "timeout": 1.0, **primary},
            {"name": "other", "provider": provider_name, **other},
        ],
        "auth": {"mode": "keys"},
        "keys": [
            {
                "name": "ops",
                "key_sha256": hashlib.sha256(KEYS["ops"].encode()).hexdigest(),
                "accounts": ["primary"],
                "scopes": ["read", "write", "delete"],
            },
            {
                "name": "viewer",
                "key_sha256": hashlib.sha256(KEYS["viewer"].encode()).hexdigest(),
                "accounts": ["primary"],
                "scopes": ["read"],
            },
        ],
    }
    runner = web.AppRunner(create_app(from_mapping(raw, env={})), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:
        # The readiness checker's first round (one request per account) happens at start:
        # wait for it, so that request counts below are the mutations' own.
        for _ in range(200):
            async with session.get(f"{url}/readyz") as resp:
                if resp.status == 200 and (await resp.json())["status"] == "ready":
                    break
            await asyncio.sleep(0.01)
        yield Gateway(url, session, sim_server, provider_name)
    await runner.cleanup()


async def capabilities(gw: Gateway) -> set[str]:
    data = await gw.gql("{ providers { name capabilities } }")
    (mine,) = [p for p in data["providers"] if p["name"] == gw.provider.upper()]
    return set(mine["capabilities"])


async def newest(gw: Gateway, status: str = "COMPLETED", count: int = 1) -> list[dict[str, Any]]:
    data = await gw.gql(
        "query($s: [RecordingStatus!]) { recordings(first: 50, filter: { status: $s }) "
        "{ nodes { id providerRecordingId createdAt } } }",
        {"s": [status]},
    )
    nodes: list[dict[str, Any]] = data["recordings"]["nodes"]
    assert len(nodes) >= count
    return nodes[:count]


async def live_call(gw: Gateway, index: int = 0) -> str:
    """A call in progress, found through ``Account.calls`` as a client would."""
    data = await gw.gql(
        "{ accounts { calls(first: 50) { nodes { id status endTime } } } }",
    )
    live = [c["id"] for c in data["accounts"][0]["calls"]["nodes"] if c["endTime"] is None]
    assert len(live) > index, "the simulator must have calls in progress"
    return str(live[index])


async def a_conference(gw: Gateway, live: bool = True) -> str:
    data = await gw.gql("{ accounts { conferences(first: 50) { nodes { id status } } } }")
    nodes = data["accounts"][0]["conferences"]["nodes"]
    wanted = [c for c in nodes if (c["status"] in ("in-progress", "inProgress")) == live]
    return str((wanted or nodes)[0]["id"])


async def test_delete_recording_is_gone_from_listings_and_node(gw: Gateway) -> None:
    (victim,) = await newest(gw)
    answer = await gw.mutate(DELETE, id=victim["id"])
    assert answer == {
        "__typename": "RecordingDeleted",
        "id": victim["id"],
        "providerRecordingId": victim["providerRecordingId"],
        "provider": gw.provider.upper(),
    }
    data = await gw.gql(
        "query($id: ID!) { node(id: $id) { id } recordings(first: 200) { nodes { id } } }",
        {"id": victim["id"]},
    )
    assert data["node"] is None
    assert victim["id"] not in {n["id"] for n in data["recordings"]["nodes"]}
    again = await gw.mutate(DELETE, id=victim["id"])
    assert (again["__typename"], again["code"], again["id"]) == (
        "NotFoundError",
        "NOT_FOUND",
        victim["id"],
    )


async def test_delete_error_members(gw: Gateway) -> None:
    (victim,) = await newest(gw)
    before = gw.requests()
    forbidden = await gw.mutate(DELETE, key="viewer", id=victim["id"])
    assert (forbidden["__typename"], forbidden["scope"]) == ("ForbiddenError", "delete")
    malformed = await gw.mutate(DELETE, id="not-an-id")
    assert (malformed["__typename"], malformed["field"]) == ("InvalidInputError", "id")
    call_id = await live_call(gw)
    before = gw.requests()
    wrong_type = await gw.mutate(DELETE, id=call_id)
    assert (wrong_type["__typename"], wrong_type["field"]) == ("InvalidInputError", "id")
    # Another tenant's recording answers exactly like one that does not exist.
    foreign = gw.gid("Recording", victim["providerRecordingId"], account=1)
    unknown = encode_id("Recording", gw.provider, "no-such-account", victim["providerRecordingId"])
    for raw in (foreign, unknown):
        answer = await gw.mutate(DELETE, id=raw)
        assert answer == {
            "__typename": "NotFoundError",
            "code": "NOT_FOUND",
            "message": "no recording with this ID",
            "id": raw,
        }
    assert gw.requests() == before  # none of these reached the vendor
    # A vendor failure on a write is reported once, never retried.
    gw.sim.simulator.faults.inject(FaultKind.SERVER_ERROR)
    failed = await gw.mutate(DELETE, id=victim["id"])
    assert (failed["__typename"], failed["outcomeUnknown"]) == ("UpstreamError", False)
    deletes = [e for e in gw.sim.simulator.request_log.entries if e.method == "DELETE"]
    assert len(deletes) == 1


async def test_a_write_that_times_out_has_an_unknown_outcome(gw: Gateway) -> None:
    (victim,) = await newest(gw)
    faults = gw.sim.simulator.faults
    faults.hang_seconds = 3
    faults.inject(FaultKind.HANG)
    answer = await gw.mutate(DELETE, id=victim["id"])
    assert answer["__typename"] == "UpstreamError"
    assert answer["code"] == "UPSTREAM_TIMEOUT"
    assert answer["outcomeUnknown"] is True and answer["retryable"] is False
    deletes = [e for e in gw.sim.simulator.request_log.entries if e.method == "DELETE"]
    assert len(deletes) <= 1  # the hung one (logged only if it finished) and no retry


async def test_capabilities_tell_the_truth(gw: Gateway) -> None:
    advertised = await capabilities(gw)
    call = await live_call(gw)
    conference = await a_conference(gw)

    async def expect_unsupported(query: str, capability: str, **variables: Any) -> None:
        before = gw.requests()
        answer = await gw.mutate(query, **variables)
        assert answer["__typename"] == "UnsupportedError", answer
        assert answer["capability"] == capability and answer["provider"] == gw.provider.upper()
        assert gw.requests() == before

    on_call = {"input": {"callId": call}}
    if "START_CALL_RECORDING" in advertised:
        started = await gw.mutate(START, **on_call)
        assert started["__typename"] == "RecordingControlled", started
        assert started["status"] == "IN_PROGRESS" and started["call"]["id"] == call
    else:
        await expect_unsupported(START, "START_CALL_RECORDING", **on_call)
    for verb, capability in CONTROLS.items():
        if capability not in advertised:
            await expect_unsupported(control(verb), capability, **on_call)
            continue
        answer = await gw.mutate(control(verb), **on_call)
        assert answer["__typename"] == "RecordingControlled", (verb, answer)
        expected = {
            "pause": {"PAUSED"},
            "resume": {"IN_PROGRESS"},
            "stop": {"STOPPED", "COMPLETED", "ABSENT"},
        }[verb]
        assert answer["status"] in expected and answer["call"]["id"] == call
    on_conference = {"input": {"conferenceId": conference}}
    if "START_CONFERENCE_RECORDING" in advertised:
        started = await gw.mutate(START, **on_conference)
        assert started["__typename"] == "RecordingControlled", started
        assert started["conference"]["id"] == conference
        if "STOP_RECORDING" in advertised:
            stopped = await gw.mutate(control("stop"), **on_conference)
            assert stopped["__typename"] == "RecordingControlled", stopped
    else:
        await expect_unsupported(START, "START_CONFERENCE_RECORDING", **on_conference)
    if "DELETE_RECORDING" not in advertised:  # every built-in vendor deletes
        (victim,) = await newest(gw)
        await expect_unsupported(DELETE, "DELETE_RECORDING", id=victim["id"])


async def test_control_error_members(gw: Gateway) -> None:
    advertised = await capabilities(gw)
    call = await live_call(gw)
    (ended,) = await newest(gw)
    foreign_call = gw.gid("Call", "x", account=1)
    before = gw.requests()
    for verb in ("start", *CONTROLS):
        query = START if verb == "start" else control(verb)
        forbidden = await gw.mutate(query, key="viewer", input={"callId": call})
        assert (forbidden["__typename"], forbidden["scope"]) == ("ForbiddenError", "write")
        both = await gw.mutate(query, input={"callId": call, "conferenceId": call})
        assert (both["__typename"], both["field"]) == ("InvalidInputError", "input")
        bad = await gw.mutate(query, input={"callId": "garbage"})
        assert (bad["__typename"], bad["field"]) == ("InvalidInputError", "callId")
        hidden = await gw.mutate(query, input={"callId": foreign_call})
        assert (hidden["__typename"], hidden["id"]) == ("NotFoundError", foreign_call)
    assert gw.requests() == before
    # A recording that already ended cannot be paused, resumed or stopped.
    for verb, capability in CONTROLS.items():
        answer = await gw.mutate(control(verb), input={"recordingId": ended["id"]})
        if capability in advertised:
            assert answer["__typename"] == "ConflictError"
            assert answer["currentStatus"] == "COMPLETED"
        else:
            assert answer["__typename"] == "UnsupportedError"
    if "START_CALL_RECORDING" in advertised:
        bad_value = await gw.mutate(START, input={"callId": call, "channels": 3})
        assert (bad_value["__typename"], bad_value["field"]) == ("InvalidInputError", "channels")
        odd = await gw.mutate(START, input={"callId": call, "providerOptions": {"nope": 1}})
        assert odd["__typename"] == "UnsupportedError" and odd["option"] == "providerOptions.nope"


async def test_delete_recordings_dry_run_then_apply_then_again(gw: Gateway) -> None:
    nodes = await newest(gw, count=4)
    cutoff = nodes[2]["createdAt"]  # the third newest completed recording and older
    data = await gw.gql(
        "query($b: DateTime!) { recordings(first: 500, filter: { createdBefore: $b }) "
        "{ nodes { id } } }",
        {"b": cutoff},
    )
    everything = [n["id"] for n in data["recordings"]["nodes"]]
    assert len(everything) >= 3
    flt = {"createdBefore": cutoff}
    before = gw.requests()
    dry = await gw.mutate(BULK, input={"filter": flt, "limit": 2})
    assert dry["__typename"] == "RecordingsDeleted" and dry["dryRun"] is True
    assert [d["id"] for d in dry["deleted"]] == everything[:2]
    assert dry["matched"] == 2 and dry["hasMore"] is True and dry["failures"] == []
    log = gw.sim.simulator.request_log.entries[before:]
    assert all(e.method == "GET" for e in log)  # a dry run changes nothing
    applied = await gw.mutate(BULK, input={"filter": flt, "limit": 2, "dryRun": False})
    assert [d["id"] for d in applied["deleted"]] == everything[:2]
    assert applied["alreadyGone"] == [] and applied["failed"] == []
    again = await gw.mutate(BULK, input={"filter": flt, "limit": 2, "dryRun": False})
    assert [d["id"] for d in again["deleted"]] == everything[2:4]
    # By IDs: the deleted ones are already gone (success), one unknown too.
    unknown = encode_id("Recording", gw.provider, "no-such-account", "0" * 10)
    by_ids = await gw.mutate(
        BULK, input={"ids": [everything[0], everything[4], unknown], "dryRun": False}
    )
    assert [d["id"] for d in by_ids["deleted"]] == [everything[4]]
    assert set(by_ids["alreadyGone"]) == {everything[0], unknown}
    after = await gw.gql("{ recordings(first: 500) { nodes { id } } }")
    left = {n["id"] for n in after["recordings"]["nodes"]}
    assert not left & set(everything[:5])


async def test_delete_recordings_refusals(gw: Gateway) -> None:
    before = gw.requests()
    for variables, field in (
        ({"input": {}}, "input"),
        ({"input": {"ids": ["x"], "filter": {}}}, "input"),
        ({"input": {"ids": ["nope"]}}, "ids[0]"),
        ({"input": {"filter": {}, "limit": 501}}, "limit"),
        ({"input": {"filter": {}, "limit": 0}}, "limit"),
        ({"input": {"filter": {"callId": "nope"}}}, "filter"),
    ):
        answer = await gw.mutate(BULK, **variables)
        assert (answer["__typename"], answer["field"]) == ("InvalidInputError", field), variables
    forbidden = await gw.mutate(BULK, key="viewer", input={"filter": {}})
    assert forbidden["__typename"] == "ForbiddenError"
    assert gw.requests() == before, gw.sim.simulator.request_log.entries[before:]
    # The upstream work of one call is bounded: listing pages per account plus `limit`.
    old = {"createdBefore": "2000-01-01T00:00:00Z", "minDurationSeconds": 1e9}
    bounded = await gw.mutate(BULK, input={"filter": old, "limit": 3})
    assert bounded["deleted"] == [] and bounded["matched"] == 0
    assert gw.requests() - before <= 5 * 12 + 3  # MAX_SCAN_PAGES x Kazoo's 12 windows
