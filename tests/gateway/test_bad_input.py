"""Hostile or mistaken input: typed errors, no 500, no upstream request, no secrets."""

from __future__ import annotations

import base64

import pytest

from gateway.ids import encode_id
from providers.registry import get
from tests.gateway.conftest import Gateway


def codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@pytest.mark.parametrize(
    "bad_id",
    [
        "nope",
        "",
        "x" * 5000,
        base64.urlsafe_b64encode(b"Recording:freeclimb").decode(),
        base64.urlsafe_b64encode(b"Planet:freeclimb:AC1:RE1").decode(),
        encode_id("Recording", "nosuchvendor", "x", "y"),
    ],
)
async def test_malformed_or_foreign_ids_are_typed_errors(gateway: Gateway, bad_id: str) -> None:
    gateway.reset_logs()
    body = await gateway.query("query($id: ID!) { node(id: $id) { id } }", {"id": bad_id})
    assert codes(body) == ["BAD_ID"]
    assert body["data"] == {"node": None}
    assert sum(gateway.upstream_requests().values()) == 0


async def test_an_account_this_gateway_does_not_serve_looks_missing(gateway: Gateway) -> None:
    """Well-formed IDs of accounts the caller cannot see answer as a missing object does
    (null, no error): the same answer another tenant's objects get (tests/auth)."""
    gateway.reset_logs()
    for type_name in ("Recording", "Call", "Account"):
        gid = encode_id(type_name, "freeclimb", "ACnot-ours", "ACnot-ours")
        body = await gateway.query("query($id: ID!) { node(id: $id) { id } }", {"id": gid})
        assert body == {"data": {"node": None}}
    assert sum(gateway.upstream_requests().values()) == 0


async def test_nodes_reports_each_bad_id_at_its_index(gateway: Gateway) -> None:
    first = await gateway.query("{ recordings(first: 1) { nodes { id } } }")
    good = first["data"]["recordings"]["nodes"][0]["id"]
    body = await gateway.query(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [good, "garbage", good]}
    )
    assert body["data"]["nodes"] == [{"id": good}, None, {"id": good}]
    assert [e["path"] for e in body["errors"]] == [["nodes", 1]]
    assert codes(body) == ["BAD_ID"]


async def test_account_argument_of_the_wrong_type_is_rejected(gateway: Gateway) -> None:
    rec = await gateway.query("{ recordings(first: 1) { nodes { id } } }")
    body = await gateway.query(
        "query($id: ID!) { account(id: $id) { name } }",
        {"id": rec["data"]["recordings"]["nodes"][0]["id"]},
    )
    assert codes(body) == ["BAD_ID"]
    assert "expected Account" in body["errors"][0]["message"]


async def test_edited_and_garbled_cursors_are_refused(gateway: Gateway) -> None:
    page = await gateway.query("{ recordings(first: 3) { pageInfo { endCursor } } }")
    cursor = page["data"]["recordings"]["pageInfo"]["endCursor"]
    body_part, _, sig = cursor.partition(".")
    payload = base64.urlsafe_b64decode(body_part + "==").replace(b'"p"', b'"q"')
    forged = base64.urlsafe_b64encode(payload).rstrip(b"=").decode() + "." + sig
    gateway.reset_logs()
    for bad in [forged, cursor[:-2] + "AA", "!!!", "a.b", cursor + "x" * 9000]:
        body = await gateway.query(
            "query($a: String) { recordings(first: 3, after: $a) { nodes { id } } }", {"a": bad}
        )
        assert codes(body) == ["BAD_CURSOR"], bad
    assert sum(gateway.upstream_requests().values()) == 0


async def test_cursor_of_another_query_is_refused(gateway: Gateway) -> None:
    page = await gateway.query("{ recordings(first: 3) { pageInfo { endCursor } } }")
    cursor = page["data"]["recordings"]["pageInfo"]["endCursor"]
    body = await gateway.query(
        "query($a: String) { recordings(first: 3, after: $a, filter: {minDurationSeconds: 5})"
        " { nodes { id } } }",
        {"a": cursor},
    )
    assert codes(body) == ["BAD_CURSOR"]


@pytest.mark.parametrize("first", [501, 10**9, -1])
async def test_page_size_outside_the_documented_range(gateway: Gateway, first: int) -> None:
    gateway.reset_logs()
    body = await gateway.query(
        "query($n: Int) { recordings(first: $n) { nodes { id } } }", {"n": first}
    )
    assert codes(body) == ["BAD_ARGUMENT"]
    assert sum(gateway.upstream_requests().values()) == 0


async def test_syntax_errors_are_reported_not_masked(gateway: Gateway) -> None:
    body = await gateway.query("{ recordings(first: ) }")
    assert body["errors"]
    assert "Syntax Error" in body["errors"][0]["message"]


async def test_no_credential_ever_appears_in_responses(gateway: Gateway) -> None:
    secret_values = [
        v
        for server in gateway.simulators.values()
        for k, v in server.account_settings()[0].items()
        if k in _secret_keys(server.simulator.provider)
    ]
    assert secret_values
    query = """{ accounts { id name providerAccountId }
      providers { name accounts { name } }
      recordings(first: 50) { nodes { id providerData media { url } call { id } } } }"""
    async with gateway.session.post(f"{gateway.url}/graphql", json={"query": query}) as resp:
        text = await resp.text()
    assert "providerAccountId" in text
    for value in secret_values:
        assert value not in text


def _secret_keys(provider: str) -> frozenset[str]:
    return get(provider).load_backend().secret_keys()
