"""Events and callers: scopes (``read`` for the query, ``subscribe`` for the
subscription), tenant isolation on every path (query, WebSocket, SSE, filters), and
cursors bound to the caller they were issued to."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.auth.keys import digest

from .clients import WsClient, signalwire_callback, sse_events
from .conftest import EventGateway, StartGateway

KEYS = {
    "sales": ("rgw_sales_key_0123456789", ["signalwire"], ["read", "subscribe"]),
    "pbx": ("rgw_pbx_key_0123456789", ["kazoo"], ["read", "subscribe"]),
    "reader": ("rgw_reader_key_0123456789", ["*"], ["read"]),
    "listener": ("rgw_listener_key_0123456789", ["*"], ["subscribe"]),
}


def bearer(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[name][0]}"}


@pytest.fixture
async def gw(start_gateway: StartGateway) -> EventGateway:
    keys = [
        {"name": name, "key_sha256": digest(key), "accounts": accounts, "scopes": scopes}
        for name, (key, accounts, scopes) in KEYS.items()
    ]
    gateway = await start_gateway(
        providers=["signalwire", "kazoo"],
        top={"auth": {"mode": "keys"}, "keys": keys},
        headers=bearer("sales"),
    )
    await signalwire_callback(gateway, "completed")
    await gateway.sim("kazoo").finish_recording()
    return gateway


def accounts_of(nodes: list[dict[str, Any]]) -> list[str]:
    return [n["account"]["name"] for n in nodes]


async def test_query_shows_only_the_callers_accounts(gw: EventGateway) -> None:
    assert accounts_of((await gw.events(headers=bearer("sales")))["nodes"]) == ["signalwire"]
    assert accounts_of((await gw.events(headers=bearer("pbx")))["nodes"]) == ["kazoo"]
    everything = await gw.events(headers=bearer("reader"))
    assert sorted(accounts_of(everything["nodes"])) == ["kazoo", "signalwire"]


async def test_filter_naming_another_tenants_account_matches_nothing(gw: EventGateway) -> None:
    body = await gw.query("{ accounts { id name } }", headers=bearer("reader"))
    ids = {a["name"]: a["id"] for a in body["data"]["accounts"]}
    theirs = await gw.events(headers=bearer("sales"), accountIds=[ids["kazoo"]])
    assert theirs["nodes"] == []
    unknown = await gw.events(headers=bearer("sales"), accountIds=["QWNjb3VudDprYXpvbzp4Ong"])
    assert unknown["nodes"] == []  # the same answer as for an account that does not exist


async def test_scopes(gw: EventGateway) -> None:
    body = await gw.query("{ recordingEvents { nodes { id } } }", headers=bearer("listener"))
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    client = await WsClient.connect(gw, bearer("reader"))
    await client.subscribe()
    message = await client.message()
    assert message["type"] in ("error", "next"), message
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    await client.close()


async def test_cursor_of_one_caller_is_refused_for_another(gw: EventGateway) -> None:
    mine = (await gw.events(headers=bearer("sales")))["pageInfo"]["endCursor"]
    body = await gw.query(
        "query($after: String) { recordingEvents(after: $after) { nodes { id } } }",
        {"after": mine},
        headers=bearer("pbx"),
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_CURSOR"
    edited = mine[:-2] + ("A" if mine[-2] != "A" else "B") + mine[-1]
    forged = await gw.query(
        "query($after: String) { recordingEvents(after: $after) { nodes { id } } }",
        {"after": edited},
        headers=bearer("sales"),
    )
    assert forged["errors"][0]["message"] == body["errors"][0]["message"]  # no oracle


async def test_ws_subscriber_sees_only_its_accounts(gw: EventGateway) -> None:
    start = (await gw.events(headers=bearer("sales")))["pageInfo"]["endCursor"]
    client = await WsClient.connect(gw, bearer("sales"))
    await client.subscribe(after=start)
    await gw.sim("kazoo").finish_recording()  # another tenant's
    assert await signalwire_callback(gw, "absent") == 200
    [event] = await client.events(1)
    assert event["account"] == {"name": "signalwire"} and event["kind"] == "ABSENT"
    assert await client.quiet()
    await client.close()


async def test_sse_subscriber_sees_only_its_accounts(gw: EventGateway) -> None:
    start = (await gw.events(headers=bearer("pbx")))["pageInfo"]["endCursor"]
    stream = sse_events(gw, {"after": start}, headers=bearer("pbx"))
    await signalwire_callback(gw, "failed")  # not this caller's
    await gw.sim("kazoo").finish_recording()
    event, data = await anext(stream)
    assert event == "next"
    assert data["data"]["recordingEvents"]["account"] == {"name": "kazoo"}
    await stream.aclose()
