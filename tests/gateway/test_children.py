"""Children of a listed page (``recordings { call }``, ``calls { recordings }``) are
loaded once for the whole page, and a child that fails fails alone, with its own error."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from typing import Any

import pytest
from strawberry.dataloader import DataLoader

from gateway.context import GatewayContext
from gateway.cursors import CursorCodec
from gateway.demo import demo_settings, simulators_running
from gateway.loaders import load_now
from gateway.schema import build_schema
from gateway.settings import ServerSettings
from gateway.sources import Sources
from providers._sim import FaultKind
from tests.conftest import ANCHOR
from tests.gateway.conftest import Gateway


async def _account_id(gateway: Gateway, provider: str) -> str:
    body = await gateway.query("{ accounts { id provider } }")
    (account_id,) = [a["id"] for a in body["data"]["accounts"] if a["provider"] == provider]
    return str(account_id)


async def test_a_failing_child_load_is_an_upstream_error_at_each_path(gateway: Gateway) -> None:
    """The listing answers, then every call lookup is refused: each selection of ``call``
    that needs the call carries the upstream error, never an internal one; a reference
    (``call { id }``) is answered from the recording row and does not fail."""
    account = await _account_id(gateway, "SIGNALWIRE")
    faults = gateway.simulators["signalwire"].simulator.faults
    faults.inject(None)
    faults.outage = FaultKind.BAD_AUTH
    body = await gateway.query(
        """query($id: ID!) { account(id: $id) { recordings(first: 5) {
            nodes { id a: call { id } b: call { from } } } } }""",
        {"id": account},
    )
    faults.reset()
    errors = body["errors"]
    assert {e["extensions"]["code"] for e in errors} == {"UPSTREAM_AUTH_FAILED"}, errors
    at = {(e["path"][3], e["path"][4]) for e in errors}
    failed = {index for index, _ in at}
    assert failed, "some recordings of the page have a call"
    assert at == {(index, "b") for index in failed}
    nodes = body["data"]["account"]["recordings"]["nodes"]
    assert all(nodes[i]["a"]["id"] and nodes[i]["b"] is None for i in failed)


async def _count(gateway: Gateway, query: str, variables: dict[str, Any] | None = None) -> int:
    await gateway.query("{ accounts { calls(first: 1) { nodes { id } } } }")  # auth warm-up
    gateway.reset_logs()
    body = await gateway.query(query, variables)
    assert "errors" not in body, body
    return sum(gateway.upstream_requests().values())


SKIPPABLE = """query($skip: Boolean!) { recordings(first: 30) {
    nodes { id call @skip(if: $skip) { from } } } }"""


async def test_a_skipped_child_is_not_loaded(gateway: Gateway) -> None:
    listing = await _count(gateway, "{ recordings(first: 30) { nodes { id } } }")
    assert await _count(gateway, SKIPPABLE, {"skip": True}) == listing
    assert await _count(gateway, SKIPPABLE, {"skip": False}) > listing


@pytest.fixture
async def sources() -> AsyncIterator[Sources]:
    async with simulators_running(11, recordings=40, anchor=ANCHOR) as servers:
        settings = demo_settings(servers, ServerSettings(host="127.0.0.1", port=0))
        built = Sources.build(settings.accounts)
        try:
            yield built
        finally:
            await built.aclose()


async def _selections(sources: Sources, query: str, variables: dict[str, Any]) -> set[Any]:
    """Execute ``query`` and return what the prefetch analysis saw on connection nodes."""
    context = GatewayContext.create(sources, ServerSettings(), CursorCodec(b"k" * 32))
    result = await build_schema().execute(query, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    return {
        (name, tuple(sorted(args.items())))
        for selected in context.selections.values()
        for name, args in selected
    }


async def test_the_analysis_sees_through_fragments_aliases_and_variables(
    sources: Sources,
) -> None:
    query = """query($n: Int, $no: Boolean!) {
        recordings(first: 5) { edges { node { ...R } } nodes { c2: call { from } } }
        accounts { calls(first: 3) { ... on CallConnection { nodes {
            recordings(first: $n) { nodes { id } }
            skipped: recordings(first: 7) @include(if: $no) { nodes { id } } } } } }
    }
    fragment R on Recording { id c1: call { id } conference { name } }"""
    seen = await _selections(sources, query, {"n": 4, "no": False})
    assert ("call", ()) in seen
    assert ("conference", ()) in seen
    assert ("recordings", (("after", None), ("first", 4))) in seen
    assert ("recordings", (("after", None), ("first", 7))) not in seen
    assert not any(name == "id" for name, _ in seen)


async def test_load_now_answers_without_awaiting_once_loaded() -> None:
    calls: list[list[str]] = []

    async def batch(keys: list[str]) -> list[Any]:
        calls.append(keys)
        return [ValueError(k) if k.startswith("bad") else k.upper() for k in keys]

    loader: DataLoader[str, Any] = DataLoader(batch)
    pending = load_now(loader, "a")
    assert inspect.isawaitable(pending)
    assert await pending == "A"
    assert load_now(loader, "a") == "A"  # loaded: a value, not an awaitable
    await asyncio.gather(loader.load("bad"), return_exceptions=True)
    with pytest.raises(ValueError, match="bad"):
        load_now(loader, "bad")
    with pytest.raises(ValueError, match="bad"):
        await load_now(loader, "bad")  # evicted: asked again
    assert calls == [["a"], ["bad"], ["bad"]]


async def test_grandchildren_of_prefetched_children_are_prefetched_too(
    sources: Sources,
) -> None:
    """The calls' recordings come prefetched (synchronously); their calls still are."""
    query = """{ accounts { calls(first: 5) { nodes {
        recordings(first: 2) { nodes { id call { from } } } } } } }"""
    seen = await _selections(sources, query, {})
    assert ("recordings", (("after", None), ("first", 2))) in seen
    assert ("call", ()) in seen


async def test_references_cost_no_upstream_request(gateway: Gateway) -> None:
    """``call``/``conference`` selecting only what the recording row holds are answered
    from it: the same requests as the bare listing, and the same IDs as a full load."""
    listing = await _count(gateway, "{ recordings(first: 30) { nodes { id } } }")
    references = """{ recordings(first: 30) { nodes { id
        call { __typename id providerCallId account { name } }
        conference { id providerConferenceId } } } }"""
    assert await _count(gateway, references) == listing
    loaded = """{ recordings(first: 30) { nodes { id
        call { id providerCallId from } conference { id providerConferenceId name } } } }"""
    assert await _count(gateway, loaded) > listing
    cheap = (await gateway.query(references))["data"]["recordings"]["nodes"]
    full = (await gateway.query(loaded))["data"]["recordings"]["nodes"]
    assert any(n["call"] for n in full)
    for ref, got in zip(cheap, full, strict=True):
        for kind in ("call", "conference"):
            if got[kind] is not None:
                assert ref[kind]["id"] == got[kind]["id"]


async def test_a_reference_to_a_call_the_vendor_no_longer_has(gateway: Gateway) -> None:
    """The recording still names its call: a reference answers from the row, while a
    selection that needs the call loads it and finds nothing (``null``)."""
    sim = gateway.simulators["freeclimb"].simulator
    query = """{ recordings(first: 20, filter: { providers: [FREECLIMB] }) { nodes {
        id call { id providerCallId } full: call { providerCallId from } } } }"""
    before = (await gateway.query(query))["data"]["recordings"]["nodes"]
    victim = next(n for n in before if n["call"] is not None)
    gone = victim["call"]["providerCallId"]
    del sim.primary.calls[gone]
    after = (await gateway.query(query))["data"]["recordings"]["nodes"]
    row = next(n for n in after if n["id"] == victim["id"])
    assert row["call"] == victim["call"]
    assert row["full"] is None


JOINED = """query($n: Int!) { recordings(first: $n) { nodes { id
    call { id from to status startTime endTime }
    conference { id name status } } } }"""


async def test_a_page_of_recordings_reads_its_calls_from_listings(gateway: Gateway) -> None:
    """The page's calls and conferences come from one listing each (over the page's
    time window) instead of one request per id, and answer what per-id reads answer
    (``nodes(ids:)`` reads each one by id)."""
    await _count(gateway, "{ recordings(first: 60) { nodes { id } } }")
    listing = gateway.upstream_requests()
    gateway.reset_logs()
    body = await gateway.query(JOINED, {"n": 60})
    assert "errors" not in body, body
    joined = gateway.upstream_requests()
    nodes = body["data"]["recordings"]["nodes"]
    for kind in ("call", "conference"):
        named = {n[kind]["id"]: n[kind] for n in nodes if n[kind] is not None}
        assert len(named) > 5, kind
        by_id = await gateway.query(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Call { from to status"
            " startTime endTime } ... on Conference { name status } } }",
            {"ids": list(named)},
        )
        assert by_id["data"]["nodes"] == list(named.values())
    for provider, count in joined.items():
        # the listing, then at most one call listing and one conference listing (plus
        # a per-id read for a call the window missed)
        assert count <= listing[provider] + 3, (provider, count, listing[provider])
        sent = {
            e.path.rsplit("/", 1)[-1]
            for e in gateway.simulators[provider].simulator.request_log.entries
        }
        assert sent & {"Calls", "Calls.json", "cdrs"}, (provider, sent)


async def test_lookups_not_named_by_a_page_are_read_by_id(gateway: Gateway) -> None:
    """``node(id:)`` of a call is one GET, never a listing."""
    body = await gateway.query("{ recordings(first: 10) { nodes { call { id } } } }")
    call_id = next(n["call"]["id"] for n in body["data"]["recordings"]["nodes"] if n["call"])
    gateway.reset_logs()
    got = await gateway.query(
        "query($id: ID!) { node(id: $id) { ... on Call { from } } }", {"id": call_id}
    )
    assert got["data"]["node"] is not None
    assert sum(gateway.upstream_requests().values()) == 1


CONTROL = """mutation($i: RecordingControlInput!) { pauseRecording(input: $i) {
    ... on RecordingControlled { recording { id } ref: call { id providerCallId }
    full: call { from status } conference { id } } } }"""


async def test_a_control_result_by_recording_id_names_its_call_by_the_same_rule(
    gateway: Gateway,
) -> None:
    """``pauseRecording(recordingId)`` answers the recording's call: a reference costs no
    request (the pause and its target lookup only), a loaded one a GET."""
    from tests.gateway.test_mutations import START, live_calls, mutate

    call = (await live_calls(gateway, "signalwire"))[-1]
    started = await mutate(gateway, START, i={"callId": call["id"]})
    rec_id = started["recording"]["id"]
    only_ref = CONTROL.replace("full: call { from status }", "")
    gateway.reset_logs()
    answer = await mutate(gateway, only_ref, i={"recordingId": rec_id})
    assert answer["ref"] == {"id": call["id"], "providerCallId": call["providerCallId"]}
    assert answer["conference"] is None
    referenced = sum(gateway.upstream_requests().values())
    resume = CONTROL.replace("pauseRecording", "resumeRecording")
    gateway.reset_logs()
    answer = await mutate(gateway, resume, i={"recordingId": rec_id})
    assert answer["ref"]["id"] == call["id"]
    assert answer["full"] == {"from": answer["full"]["from"], "status": "in-progress"}
    assert answer["full"]["from"]
    assert sum(gateway.upstream_requests().values()) == referenced + 1


async def test_an_event_names_its_call_by_the_same_rule(gateway: Gateway) -> None:
    """Events of our own mutations carry the call: a reference is answered from the
    event, a loaded call is read through the loaders."""
    from tests.gateway.test_mutations import START, live_calls, mutate

    call = (await live_calls(gateway, "signalwire"))[-1]
    await mutate(gateway, START, i={"callId": call["id"]})
    query = """{ recordingEvents(first: 50) { nodes { kind
        call { id providerCallId } } } }"""
    gateway.reset_logs()
    body = await gateway.query(query)
    assert "errors" not in body, body
    named = [n for n in body["data"]["recordingEvents"]["nodes"] if n["call"]]
    assert named and named[-1]["call"]["id"] == call["id"]
    assert sum(gateway.upstream_requests().values()) == 0
    loaded = await gateway.query(query.replace("providerCallId", "providerCallId from"))
    assert "errors" not in loaded, loaded
    assert all(n["call"]["from"] for n in loaded["data"]["recordingEvents"]["nodes"] if n["call"])
    assert sum(gateway.upstream_requests().values()) >= 1
