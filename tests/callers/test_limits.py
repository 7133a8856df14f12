"""Operation limits: decided before anything runs, HTTP 400 with a code, no vendor request.

The first tests replay the abuse the callers issue measured (one request each): all must
be refused fast and without an upstream request. Then: what the defaults must admit, each
limit's code, the scan cap, bodies, persisted queries and the response cap.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pytest

from gateway.demo import simulators_running
from gateway.limits.documents import MAX_TOTAL_BYTES
from gateway.limits.guard import DOCUMENTS
from tests.callers.conftest import Running, key_entry, running
from tests.conftest import ANCHOR

NESTED = "recordings(first: 500) { nodes { account { %s } } }"
#: Refusals are timed (under a second): no full collection of the session's heap meanwhile.
pytestmark = pytest.mark.usefixtures("quiet_gc")


def _nest(levels: int) -> str:
    inner = "name"
    for _ in range(levels):
        inner = NESTED % inner
    return "{ " + inner + " }"


def _ids(gateway: Running, count: int) -> list[str]:
    from gateway.ids import encode_id

    source = gateway.settings.accounts[0]
    vendor = dict(source.vendor)
    account = vendor.get("account_id") or vendor.get("project_id")
    return [
        encode_id("Recording", source.provider, str(account), f"RE{n:040x}") for n in range(count)
    ]


async def _refused(gateway: Running, query: str, variables: dict | None = None) -> str:
    started = time.monotonic()
    gateway.reset()
    status, body = await gateway.post(query, variables)
    elapsed = time.monotonic() - started
    assert status == 400, body
    assert body["data"] is None
    assert elapsed < 1.0, f"refusal took {elapsed:.2f}s"
    assert sum(gateway.upstream().values()) == 0
    [error] = body["errors"]
    return str(error["extensions"]["code"])


@pytest.fixture
async def open_gateway(gateway_with: Any) -> Any:
    async with gateway_with({}) as gateway:
        yield gateway


async def test_the_measured_abuse_is_refused_before_any_upstream_request(
    open_gateway: Running,
) -> None:
    gw = open_gateway
    assert await _refused(gw, _nest(4)) == "COST_LIMIT"
    assert await _refused(gw, _nest(6)) == "COST_LIMIT"
    aliased = " ".join(
        f"a{n}: recordings(first: 1, filter: {{minDurationSeconds: {n}}}) {{ nodes {{ id }} }}"
        for n in range(400)
    )
    assert await _refused(gw, "{ " + aliased + " }") in ("ALIAS_LIMIT", "TOKEN_LIMIT")
    ids = json.dumps(_ids(gw, 500))
    many = " ".join(f"n{n}: nodes(ids: {ids}) {{ id }}" for n in range(14))
    assert await _refused(gw, "{ " + many + " }") in ("TOKEN_LIMIT", "COST_LIMIT")
    assert await _refused(gw, "{ " + "id " * 330_000 + "}") == "TOKEN_LIMIT"


async def test_each_limit_has_its_code(gateway_with: Any) -> None:
    config = {"limits": {"max_tokens": 0, "max_aliases": 5, "max_depth": 6, "max_cost": 60}}
    async with gateway_with(config) as gw:
        deep = (
            "{ recordings(first: 1) { nodes { account { calls(first: 1) { nodes {"
            " account { calls(first: 1) { nodes { id } } } } } } } } }"
        )
        assert await _refused(gw, deep) == "DEPTH_LIMIT"
        aliases = "{ " + " ".join(f"a{n}: accounts {{ name }}" for n in range(6)) + " }"
        assert await _refused(gw, aliases) == "ALIAS_LIMIT"
        ids = _ids(gw, 61)
        assert (
            await _refused(gw, "query($i: [ID!]!) { nodes(ids: $i) { id } }", {"i": ids})
            == "COST_LIMIT"
        )
        status, body = await gw.post("query($i: [ID!]!) { nodes(ids: $i) { id } }", {"i": ids[:50]})
        assert status == 200, body
    async with gateway_with({"limits": {"max_tokens": 50}}) as gw:
        assert await _refused(gw, "{ " + "__typename " * 60 + "}") == "TOKEN_LIMIT"


async def test_fragments_cannot_hide_cost_or_depth(open_gateway: Running) -> None:
    # Each fragment spreads the next twice: 2**12 copies of a listing if expanded naively.
    levels = 12
    fragments = [
        f"fragment F{i} on Query {{ a: recordings(first: 500) {{ nodes {{ id }} }}"
        f" ...F{i + 1} ...F{i + 1} }}"
        for i in range(levels)
    ]
    fragments.append(f"fragment F{levels} on Query {{ accounts {{ name }} }}")
    document = "{ ...F0 }\n" + "\n".join(fragments)
    code = await _refused(open_gateway, document)
    assert code in ("COST_LIMIT", "ALIAS_LIMIT")
    cycle = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
    status, body = await open_gateway.post(cycle)
    assert status == 200 and body["errors"][0]["message"].startswith("Cannot spread fragment")
    assert sum(open_gateway.upstream().values()) == 0


@pytest.mark.parametrize(
    "query",
    [
        "{ recordings(first: 500) { nodes { id durationSeconds createdAt } } }",
        "{ recordings(first: 500) { nodes { id call { id providerCallId } conference { id } } } }",
        "{ recordings(first: 100) { nodes { id call { from to status } conference { name } } } }",
        "{ accounts { name calls(first: 50) { nodes { from"
        " recordings(first: 10) { nodes { id } } } } } }",
        "{ recordings(first: 20, filter: { minDurationSeconds: 30, status: [COMPLETED] })"
        " { nodes { id } } }",
    ],
)
async def test_the_defaults_admit_what_readme_and_bench_show(
    open_gateway: Running, query: str
) -> None:
    status, body = await open_gateway.post(query)
    assert status == 200 and "errors" not in body, body


async def test_nodes_of_100_ids_are_admitted(open_gateway: Running) -> None:
    data = await open_gateway.data("{ recordings(first: 100) { nodes { id } } }", key=None)  # type: ignore[arg-type]
    ids = [n["id"] for n in data["recordings"]["nodes"]]
    assert len(ids) == 100
    got = await open_gateway.data(
        "query($i: [ID!]!) { nodes(ids: $i) { id } }", {"i": ids}, key=None
    )  # type: ignore[arg-type]
    assert [n["id"] for n in got["nodes"]] == ids


async def test_a_gateway_side_filter_stops_at_the_scan_cap_and_says_so(gateway_with: Any) -> None:
    async with gateway_with({"limits": {"max_scan_pages": 2}}) as gw:
        gw.reset()
        query = """query($a: String) { recordings(first: 5, after: $a,
            filter: { minDurationSeconds: 1e9 }) {
              nodes { id } pageInfo { hasNextPage endCursor } failures { provider code } } }"""
        status, body = await gw.post(query)
        assert status == 200, body
        page = body["data"]["recordings"]
        assert page["nodes"] == []
        assert page["pageInfo"]["hasNextPage"] is True
        stopped = {f["provider"] for f in page["failures"] if f["code"] == "SCAN_LIMIT"}
        assert stopped  # honest: the sources that stopped early are named
        # No source read more than the cap (each page a request, Kazoo's windows aside).
        assert gw.upstream()["freeclimb"] <= 2
        assert gw.upstream()["signalwire"] <= 2
        # The cursor resumes the scan where it stopped.
        status, more = await gw.post(query, {"a": page["pageInfo"]["endCursor"]})
        assert status == 200 and more["data"]["recordings"]["nodes"] == []


async def test_bodies_too_large_or_malformed(gateway_with: Any) -> None:
    async with gateway_with({"limits": {"max_body_bytes": 2048}}) as gw:
        big = {"query": "{ __typename }", "variables": {"x": "y" * 4096}}
        async with gw.session.post(f"{gw.url}/graphql", json=big) as resp:
            assert resp.status == 413
            body = await resp.json()
            assert body["errors"][0]["extensions"]["code"] == "BODY_LIMIT"
        for raw in (b"null", b"1", b'"q"', b"[]", b"{", b'{"query": 1}'):
            async with gw.session.post(
                f"{gw.url}/graphql", data=raw, headers={"Content-Type": "application/json"}
            ) as resp:
                assert resp.status == 400, raw
                assert (await resp.json())["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_the_response_cap(gateway_with: Any) -> None:
    async with gateway_with({"limits": {"max_response_bytes": 2000}}) as gw:
        status, body = await gw.post("{ recordings(first: 100) { nodes { id createdAt } } }")
        assert status == 400
        assert body["errors"][0]["extensions"]["code"] == "RESPONSE_LIMIT"
        status, body = await gw.post("{ accounts { name } }")
        assert status == 200


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def test_automatic_persisted_queries(open_gateway: Running) -> None:
    gw = open_gateway
    query = "{ accounts { name } }"
    apq = {"persistedQuery": {"version": 1, "sha256Hash": _sha(query)}}
    async with gw.session.post(f"{gw.url}/graphql", json={"extensions": apq}) as resp:
        assert resp.status == 200
        assert (await resp.json())["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    status, body = await gw.post(query, extensions=apq)
    assert status == 200 and len(body["data"]["accounts"]) == 3
    async with gw.session.post(f"{gw.url}/graphql", json={"extensions": apq}) as resp:
        assert (await resp.json())["data"]["accounts"] == body["data"]["accounts"]
    wrong = {"persistedQuery": {"version": 1, "sha256Hash": _sha("{ __typename }")}}
    status, body = await gw.post(query, extensions=wrong)
    assert (status, body["errors"][0]["extensions"]["code"]) == (
        400,
        "PERSISTED_QUERY_HASH_MISMATCH",
    )


async def test_persisted_only_runs_only_the_manifest(gateway_with: Any, tmp_path: Path) -> None:
    trusted = "query Accounts { accounts { name } }"
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({_sha(trusted): trusted}))
    config = {"limits": {"persisted_only": True, "persisted_manifest": str(manifest)}}
    async with gateway_with(config) as gw:
        async with gw.session.post(
            f"{gw.url}/graphql", json={"documentId": f"sha256:{_sha(trusted)}"}
        ) as resp:
            assert resp.status == 200
            assert len((await resp.json())["data"]["accounts"]) == 3
        status, body = await gw.post(trusted)  # the trusted text itself is fine
        assert status == 200
        gw.reset()
        status, body = await gw.post("{ recordings(first: 1) { nodes { id } } }")
        assert (status, body["errors"][0]["extensions"]["code"]) == (400, "PERSISTED_ONLY")
        other = "{ __typename }"
        apq = {"persistedQuery": {"version": 1, "sha256Hash": _sha(other)}}
        status, body = await gw.post(other, extensions=apq)
        assert (status, body["errors"][0]["extensions"]["code"]) == (400, "PERSISTED_ONLY")
        assert sum(gw.upstream().values()) == 0


async def test_the_document_cache_is_bounded_in_bytes(open_gateway: Running) -> None:
    for n in range(12):
        padding = "x" * 300_000
        query = f'{{ a{n}: node(id: "{padding}") {{ id }} }}'
        await open_gateway.post(query)
        small = f"{{ b{n}: __typename }}"
        await open_gateway.post(small)
    assert DOCUMENTS.size_bytes <= MAX_TOTAL_BYTES


async def test_a_client_that_hangs_up_stops_its_upstream_work() -> None:
    async with (
        simulators_running(5, recordings=450, anchor=ANCHOR, providers=["freeclimb"]) as servers,
        running(servers, {}) as gw,
    ):
        sim = gw.simulators["freeclimb"].simulator
        sim.faults.latency = 0.3
        query = "{ recordings(first: 450) { nodes { id } } }"
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(gw.post(query), timeout=0.45)
        await asyncio.sleep(1.5)
        # 450 items are 5 FreeClimb pages read one after another (0.3 s each); the client
        # left during the second: no third page is asked for.
        assert 1 <= len(sim.request_log) <= 2


async def test_persisted_only_holds_over_websockets(gateway_with: Any, tmp_path: Path) -> None:
    trusted = "query Accounts { accounts { name } }"
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({_sha(trusted): trusted}))
    config = {"limits": {"persisted_only": True, "persisted_manifest": str(manifest)}}
    async with gateway_with(config) as gw:
        async with gw.session.ws_connect(
            f"{gw.url}/graphql", protocols=("graphql-transport-ws",)
        ) as ws:
            await ws.send_json({"type": "connection_init", "payload": {}})
            assert (await ws.receive_json(timeout=5))["type"] == "connection_ack"
            answers = {}
            for op_id, query in (
                ("1", trusted),
                ("2", "{ recordings(first: 1) { nodes { id } } }"),
            ):
                await ws.send_json({"id": op_id, "type": "subscribe", "payload": {"query": query}})
                while True:
                    msg = await ws.receive_json(timeout=5)
                    if msg["type"] == "next":
                        answers[op_id] = msg["payload"]
                    if msg["type"] in ("complete", "error"):
                        answers.setdefault(op_id, msg.get("payload"))
                        break
        assert len(answers["1"]["data"]["accounts"]) == 3
        assert answers["2"]["errors"][0]["extensions"]["code"] == "PERSISTED_ONLY"


async def test_writes_are_priced_too(gateway_with: Any) -> None:
    """A bulk delete costs its scan plus one request per recording it may handle."""
    async with gateway_with({"limits": {"max_cost": 120}}) as gw:
        small = """mutation { deleteRecordings(input: { dryRun: true, limit: 10,
            filter: { createdBefore: "2000-01-01T00:00:00Z" } }) { __typename } }"""
        status, body = await gw.post(small)
        assert status == 200, body
        big = small.replace("limit: 10", "limit: 500")
        assert await _refused(gw, big) == "COST_LIMIT"
        ids = _ids(gw, 150)
        by_ids = """mutation($ids: [ID!]!) { deleteRecordings(input: { ids: $ids, dryRun: true,
            limit: 500 }) { __typename } }"""
        assert await _refused(gw, by_ids, {"ids": ids}) == "COST_LIMIT"
        status, _ = await gw.post(by_ids, {"ids": ids[:100]})
        assert status == 200


async def test_the_limit_holds_while_an_operation_runs(gateway_with: Any) -> None:
    """A page priced within the limit whose lookups miss far more than priced (the vendor
    deleted the calls): the calls are read by id until the budget is spent, the rest is
    COST_LIMIT, and the vendor never gets more than max_cost requests."""
    key = "rgw_fc-only-key-0123456789"
    config = {
        "auth": {"mode": "keys"},
        "keys": [key_entry("fc", key, ["freeclimb"], ["read"])],
        # Priced: one listing page, the calls' listing (5 pages) and 4 misses.
        "limits": {"max_cost": 12},
    }
    async with gateway_with(config) as gw:
        query = "{ recordings(first: 40) { nodes { id call { id from } } } }"
        status, body = await gw.post(query, key=key)
        assert status == 200 and "errors" not in body, body  # admitted, and fine normally
        calls = {n["call"]["id"] for n in body["data"]["recordings"]["nodes"] if n["call"]}
        assert len(calls) > 12
        gw.simulators["freeclimb"].simulator.primary.calls.clear()
        gw.reset()
        status, body = await gw.post(query, key=key)
        assert status == 200
        assert gw.upstream()["freeclimb"] <= 12
        codes = [e["extensions"]["code"] for e in body["errors"]]
        assert codes and set(codes) == {"COST_LIMIT"}
        assert len(body["data"]["recordings"]["nodes"]) == 40  # the page itself is there
