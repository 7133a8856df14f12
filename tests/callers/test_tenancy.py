"""Two tenants over every read path: zero cross-tenant reads.

``alpha`` holds FreeClimb and SignalWire, ``beta`` holds Kazoo. Each attack takes real IDs,
cursors and links that the other tenant (or the operator's wide key) obtained, and proves
that beta learns nothing: another tenant's object answers exactly like one that does not
exist, and beta's attacks send no request to the vendors of alpha's accounts.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from gateway.ids import decode_id, encode_id
from tests.callers.conftest import (
    ALPHA_KEY,
    BETA_KEY,
    KEYS,
    NO_MEDIA_KEY,
    WIDE_KEY,
    Running,
    key_entry,
)

ALPHA_VENDORS = ("freeclimb", "signalwire")
GRAPH = """{ accounts { id provider
    calls(first: 3) { nodes { id } }
    conferences(first: 3) { nodes { id } }
    recordings(first: 3) { nodes { id } } } }"""


async def _alpha_ids(gateway: Running) -> dict[str, list[str]]:
    """IDs of every kind in alpha's accounts, as the operator sees them."""
    data = await gateway.data(GRAPH, key=WIDE_KEY)
    ids: dict[str, list[str]] = {"Account": [], "Call": [], "Conference": [], "Recording": []}
    for account in data["accounts"]:
        if account["provider"].lower() not in ALPHA_VENDORS:
            continue
        ids["Account"].append(account["id"])
        for field, kind in (
            ("calls", "Call"),
            ("conferences", "Conference"),
            ("recordings", "Recording"),
        ):
            ids[kind].extend(n["id"] for n in account[field]["nodes"])
    assert all(ids.values()), ids
    return ids


def _missing_twin(raw: str) -> str:
    """An ID of the same type that no gateway account has."""
    gid = decode_id(raw)
    return encode_id(gid.type_name, gid.provider, "AC" + "f" * 40, "x" + gid.native_id[1:])


def _alpha_requests(gateway: Running) -> int:
    counts = gateway.upstream()
    return sum(counts[v] for v in ALPHA_VENDORS)


async def test_objects_of_another_tenant_look_missing(secured: Running) -> None:
    ids = await _alpha_ids(secured)
    secured.reset()
    for kind, values in ids.items():
        for raw in values:
            for query in (
                "query($id: ID!) { node(id: $id) { id } }",
                "query($id: ID!) { nodes(ids: [$id]) { id } }",
            ):
                foreign = await secured.post(query, {"id": raw}, key=BETA_KEY)
                missing = await secured.post(query, {"id": _missing_twin(raw)}, key=BETA_KEY)
                assert foreign == missing, (kind, foreign, missing)
                assert foreign[0] == 200 and "errors" not in foreign[1]
        if kind == "Account":
            for raw in values:
                q = "query($id: ID!) { account(id: $id) { name } }"
                assert await secured.post(q, {"id": raw}, key=BETA_KEY) == (
                    200,
                    {"data": {"account": None}},
                )
    assert _alpha_requests(secured) == 0


async def test_listings_and_providers_show_only_the_callers_accounts(secured: Running) -> None:
    data = await secured.data(
        """{ recordings(first: 60) { nodes { provider account { name } call { id } } }
             providers { name accounts { name } } accounts { name } }""",
        key=BETA_KEY,
    )
    assert {n["provider"] for n in data["recordings"]["nodes"]} == {"KAZOO"}
    assert {n["account"]["name"] for n in data["recordings"]["nodes"]} == {"kazoo"}
    assert {a["name"] for p in data["providers"] for a in p["accounts"]} == {"kazoo"}
    assert _alpha_requests(secured) == 0


async def test_filters_naming_another_tenant_match_nothing(secured: Running) -> None:
    ids = await _alpha_ids(secured)
    secured.reset()
    query = """query($f: RecordingFilter) { recordings(first: 10, filter: $f) {
        nodes { id } pageInfo { hasNextPage } failures { code } } }"""
    empty = {"recordings": {"nodes": [], "pageInfo": {"hasNextPage": False}, "failures": []}}
    for flt in (
        {"accountIds": ids["Account"]},
        {"callId": ids["Call"][0]},
        {"conferenceId": ids["Conference"][0]},
        {"providers": ["FREECLIMB", "SIGNALWIRE"]},
        {"callId": _missing_twin(ids["Call"][0])},
    ):
        assert await secured.data(query, {"f": flt}, key=BETA_KEY) == empty, flt
    assert _alpha_requests(secured) == 0


async def test_cursors_are_bound_to_the_caller_they_were_issued_to(secured: Running) -> None:
    query = """query($a: String) { recordings(first: 2, after: $a) {
        pageInfo { endCursor } nodes { id } } }"""
    # wide and no-media see the same accounts: the cursor is bound to the caller itself.
    pairs = (
        (WIDE_KEY, BETA_KEY),
        (ALPHA_KEY, BETA_KEY),
        (BETA_KEY, ALPHA_KEY),
        (WIDE_KEY, NO_MEDIA_KEY),
    )
    for owner, thief in pairs:
        cursor = (await secured.data(query, key=owner))["recordings"]["pageInfo"]["endCursor"]
        assert (await secured.data(query, {"a": cursor}, key=owner))["recordings"]["nodes"]
        status, body = await secured.post(query, {"a": cursor}, key=thief)
        assert status == 200
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_CURSOR"]


async def test_media_links_are_bound_to_their_caller(secured: Running, gateway_with: Any) -> None:
    query = "{ recordings(first: 1) { nodes { media { url } } } }"
    url = (await secured.data(query, key=ALPHA_KEY))["recordings"]["nodes"][0]["media"]["url"]
    assert url.startswith(secured.url + "/media/")  # the bound address, no request header
    headers = {"Host": "evil.example", "X-Request-ID": "media-1"}
    async with secured.session.get(url, headers=headers) as resp:
        assert resp.status == 200
        assert resp.headers["X-Request-ID"] == "media-1"  # streamed answers too
        assert await resp.read()
    token = url.rsplit("/", 1)[1]
    async with secured.session.get(f"{secured.url}/media/{token[:-2]}xx") as resp:
        assert resp.status == 404
    # The same gateway once alpha's key is revoked: alpha's links stop working.
    without_alpha = [k for k in KEYS if k["name"] != "alpha"]
    async with gateway_with({"auth": {"mode": "keys"}, "keys": without_alpha}) as revoked:
        async with revoked.session.get(f"{revoked.url}/media/{token}") as resp:
            assert resp.status == 404
        status, _ = await revoked.post(query, key=ALPHA_KEY)
        assert status == 401


async def test_websocket_callers_authenticate_in_connection_init(secured: Running) -> None:
    async def over_ws(payload: dict[str, Any]) -> tuple[Any, list[Any]]:
        async with secured.session.ws_connect(
            f"{secured.url}/graphql", protocols=("graphql-transport-ws",)
        ) as ws:
            await ws.send_str(json.dumps({"type": "connection_init", "payload": payload}))
            first = await ws.receive(timeout=5)
            if first.type != aiohttp.WSMsgType.TEXT:
                return ws.close_code, []
            await ws.send_str(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": "{ accounts { name } }"},
                    }
                )
            )
            messages = []
            while True:
                msg = json.loads((await ws.receive(timeout=5)).data)
                messages.append(msg)
                if msg["type"] in ("complete", "error"):
                    return json.loads(first.data)["type"], messages

    assert (await over_ws({}))[0] == 4403
    assert (await over_ws({"Authorization": "Bearer nope"}))[0] == 4403
    ack, messages = await over_ws({"Authorization": f"Bearer {BETA_KEY}"})
    assert ack == "connection_ack"
    assert messages[0]["payload"]["data"] == {"accounts": [{"name": "kazoo"}]}


async def test_mutations_on_another_tenants_objects_find_nothing(gateway_with: Any) -> None:
    """beta holds every scope on Kazoo only: writes aimed at alpha's objects answer
    ``NotFoundError`` (exactly as for IDs that do not exist), delete nothing, and send
    nothing to alpha's vendors."""
    ops = key_entry(
        "beta-ops", "rgw_beta-ops-key-0123456789", ["kazoo"], ["read", "write", "delete"]
    )
    async with gateway_with({"auth": {"mode": "keys"}, "keys": [*KEYS, ops]}) as gw:
        ids = await _alpha_ids(gw)
        gw.reset()
        key = "rgw_beta-ops-key-0123456789"
        delete = """mutation($id: ID!) { deleteRecording(id: $id) {
            __typename ... on UserError { code } } }"""
        for raw in ids["Recording"]:
            foreign = await gw.data(delete, {"id": raw}, key=key)
            missing = await gw.data(delete, {"id": _missing_twin(raw)}, key=key)
            assert foreign["deleteRecording"]["__typename"] == "NotFoundError"
            assert foreign == missing
        control = """mutation($c: ID!) { stopRecording(input: { callId: $c }) {
            __typename } startRecording(input: { callId: $c }) { __typename } }"""
        got = await gw.data(control, {"c": ids["Call"][0]}, key=key)
        assert got == {
            "stopRecording": {"__typename": "NotFoundError"},
            "startRecording": {"__typename": "NotFoundError"},
        }
        bulk = """mutation($ids: [ID!]!) { deleteRecordings(input: { ids: $ids, dryRun: false }) {
            __typename ... on RecordingsDeleted { deleted { id } alreadyGone } } }"""
        result = (await gw.data(bulk, {"ids": ids["Recording"]}, key=key))["deleteRecordings"]
        assert result.get("deleted", []) == []
        assert _alpha_requests(gw) == 0
        # Still there for their owner.
        still = await gw.data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            {"ids": ids["Recording"]},
            key=WIDE_KEY,
        )
        assert [n["id"] for n in still["nodes"]] == ids["Recording"]


async def test_events_by_id_only_for_their_accounts_callers(gateway_with: Any) -> None:
    ops = key_entry("ops", "rgw_ops-key-0123456789abcdef", ["*"], ["read", "delete"])
    async with gateway_with({"auth": {"mode": "keys"}, "keys": [*KEYS, ops]}) as gw:
        key = "rgw_ops-key-0123456789abcdef"
        ids = await _alpha_ids(gw)
        deleted = await gw.data(
            "mutation($id: ID!) { deleteRecording(id: $id) { __typename } }",
            {"id": ids["Recording"][0]},
            key=key,
        )
        assert deleted["deleteRecording"]["__typename"] == "RecordingDeleted"
        events = await gw.data(
            "{ recordingEvents(first: 10) { nodes { id kind provider } } }", key=key
        )
        [event] = events["recordingEvents"]["nodes"]
        assert event["kind"] == "DELETED"
        query = "query($id: ID!) { node(id: $id) { id ... on RecordingEvent { kind } } }"
        assert await gw.data(query, {"id": event["id"]}, key=key) == {
            "node": {"id": event["id"], "kind": "DELETED"}
        }
        mine = await gw.post(query, {"id": event["id"]}, key=ALPHA_KEY)
        assert mine == (200, {"data": {"node": {"id": event["id"], "kind": "DELETED"}}})
        foreign = await gw.post(query, {"id": event["id"]}, key=BETA_KEY)
        missing = await gw.post(query, {"id": _missing_twin(event["id"])}, key=BETA_KEY)
        assert foreign == missing == (200, {"data": {"node": None}})
