"""Upstream cost is bounded by the query's shape; one sick vendor spares the others."""

from __future__ import annotations

import pytest

from providers._sim import FaultKind
from tests.gateway.conftest import Gateway

TRAVERSE = """{ accounts { calls(first: 50) { edges { node {
    recordings(first: 10) { nodes { id } } } } } } }"""


async def test_calls_with_their_recordings_cost_few_requests_per_provider(
    gateway: Gateway,
) -> None:
    await gateway.query("{ accounts { calls(first: 1) { nodes { id } } } }")  # auth warm-up
    gateway.reset_logs()
    body = await gateway.query(TRAVERSE)
    assert "errors" not in body, body
    counts = gateway.upstream_requests()
    for provider, count in counts.items():
        assert count <= 3, (provider, count)
    calls = [e["node"] for a in body["data"]["accounts"] for e in a["calls"]["edges"]]
    assert len(calls) > 50
    assert sum(len(c["recordings"]["nodes"]) for c in calls) > 20


async def test_recordings_with_their_calls_are_batched(gateway: Gateway) -> None:
    await gateway.query("{ accounts { calls(first: 1) { nodes { id } } } }")
    gateway.reset_logs()
    body = await gateway.query(
        "{ recordings(first: 60) { nodes { id call { id from } conference { id name }"
        " account { name } } } }"
    )
    assert "errors" not in body, body
    nodes = body["data"]["recordings"]["nodes"]
    assert any(n["call"] for n in nodes)
    assert any(n["conference"] for n in nodes)
    for provider, count in gateway.upstream_requests().items():
        distinct = {
            (e.method, e.path, e.query)
            for e in gateway.simulators[provider].simulator.request_log.entries
        }
        assert len(distinct) == count, f"{provider} sent an identical request twice"


@pytest.mark.parametrize("fault", [FaultKind.SERVER_ERROR, FaultKind.GARBAGE])
async def test_one_provider_down_yields_failures_and_the_rest(
    gateway: Gateway, fault: FaultKind
) -> None:
    sick = "signalwire"
    everything = await _walk(gateway, 10)
    gateway.simulators[sick].simulator.faults.outage = fault
    first = await gateway.query(
        "{ recordings(first: 10) { nodes { provider providerRecordingId }"
        " pageInfo { hasNextPage endCursor } failures { provider accountId code message } } }"
    )
    conn = first["data"]["recordings"]
    assert [f["provider"] for f in conn["failures"]] == [sick.upper()]
    assert conn["failures"][0]["code"] in {"UPSTREAM_UNAVAILABLE", "UPSTREAM_GARBAGE"}
    assert conn["nodes"]
    assert all(n["provider"] != sick.upper() for n in conn["nodes"])
    assert conn["pageInfo"]["hasNextPage"]
    gateway.simulators[sick].simulator.faults.reset()
    rest = await _walk(gateway, 10, after=conn["pageInfo"]["endCursor"])
    recovered = conn["nodes"] + rest
    assert sorted(map(_key, recovered)) == sorted(map(_key, everything))


def _key(node: dict) -> tuple[str, str]:
    return (node["provider"], node["providerRecordingId"])


async def _walk(gateway: Gateway, first: int, after: str | None = None) -> list[dict]:
    out: list[dict] = []
    for _ in range(100):
        body = await gateway.query(
            "query($a: String, $n: Int) { recordings(first: $n, after: $a) {"
            " nodes { provider providerRecordingId } pageInfo { hasNextPage endCursor }"
            " failures { code } } }",
            {"a": after, "n": first},
        )
        conn = body["data"]["recordings"]
        assert conn["failures"] == []
        out.extend(conn["nodes"])
        if not conn["pageInfo"]["hasNextPage"]:
            return out
        after = conn["pageInfo"]["endCursor"]
    raise AssertionError("paging did not end")


async def test_filters_give_the_same_answer_wherever_applied_and_say_where(
    gateway: Gateway,
) -> None:
    everything = await _walk(gateway, 100)
    assert everything
    body = await gateway.query(
        "{ recordings(first: 500, filter: {minDurationSeconds: 30, status: [COMPLETED]})"
        " { nodes { provider providerRecordingId durationSeconds status } } }"
    )
    filtered = body["data"]["recordings"]["nodes"]
    assert filtered
    assert all(n["durationSeconds"] >= 30 and n["status"] == "COMPLETED" for n in filtered)
    report = body["extensions"]["filterPushdown"]
    assert set(report) == set(gateway.simulators)
    for entry in report.values():
        assert sorted(entry["upstream"] + entry["gateway"]) == ["minDurationSeconds", "status"]
    providers = (await gateway.query("{ providers { name nativeFilters } }"))["data"]
    for info in providers["providers"]:
        native = set(info["nativeFilters"])
        entry = report[info["name"].lower()]
        assert set(entry["upstream"]) == native & {"minDurationSeconds", "status"}


async def test_provider_health_follows_the_latest_answer(gateway: Gateway) -> None:
    health = "{ providers { name health } }"
    before = (await gateway.query(health))["data"]["providers"]
    assert {p["health"] for p in before} == {"UP"}  # the start-up credential checks
    gateway.simulators["kazoo"].simulator.faults.outage = FaultKind.SERVER_ERROR
    await gateway.query("{ recordings(first: 5) { nodes { id } } }")
    after = {p["name"]: p["health"] for p in (await gateway.query(health))["data"]["providers"]}
    assert after == {"FREECLIMB": "UP", "KAZOO": "DOWN", "SIGNALWIRE": "UP"}


GRANDCHILDREN = """query($n: Int!) { accounts { calls(first: $n) { nodes {
    recordings(first: 3) { nodes { id call { from status } } } } } } }"""


async def test_grandchildren_of_many_child_pages_are_one_batch(gateway: Gateway) -> None:
    """Each call's child page asks for its recordings' calls: the pages of one tick make
    one batch per source, so 40 calls cost no more lookups than 10 do."""
    await gateway.query("{ accounts { calls(first: 1) { nodes { id } } } }")  # auth warm-up
    counts = []
    for n in (10, 40):
        gateway.reset_logs()
        body = await gateway.query(GRANDCHILDREN, {"n": n})
        assert "errors" not in body, body
        found = [
            r["call"]
            for a in body["data"]["accounts"]
            for c in a["calls"]["nodes"]
            for r in c["recordings"]["nodes"]
        ]
        assert found and all(call is not None and call["status"] for call in found)
        counts.append(gateway.upstream_requests())
    few, many = counts
    for provider, count in many.items():
        assert count <= few[provider] + 1, (provider, few, many)
