"""End-to-end GraphQL over the running server and every simulator."""

from __future__ import annotations

from datetime import datetime

from tests.gateway.conftest import Gateway

PAGE = """
query Page($first: Int, $after: String, $filter: RecordingFilter) {
  recordings(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id provider providerRecordingId createdAt } }
    pageInfo { hasNextPage endCursor }
    failures { provider accountId code message }
  }
}
"""


async def walk_root(gateway: Gateway, first: int, flt: dict | None = None) -> list[dict]:
    nodes: list[dict] = []
    after = None
    for _ in range(200):
        body = await gateway.query(PAGE, {"first": first, "after": after, "filter": flt})
        assert "errors" not in body, body
        conn = body["data"]["recordings"]
        assert conn["failures"] == []
        nodes.extend(edge["node"] for edge in conn["edges"])
        if not conn["pageInfo"]["hasNextPage"]:
            return nodes
        after = conn["pageInfo"]["endCursor"]
    raise AssertionError("paging did not end")


async def test_readme_query_answers(gateway: Gateway) -> None:
    body = await gateway.query(
        "{ recordings(first: 5) { nodes { id provider durationSeconds createdAt"
        " call { providerCallId } } } }"
    )
    assert "errors" not in body, body
    nodes = body["data"]["recordings"]["nodes"]
    assert len(nodes) == 5
    created = [datetime.fromisoformat(n["createdAt"]) for n in nodes]
    assert created == sorted(created, reverse=True)
    assert all(c.utcoffset() is not None for c in created)


async def test_root_recordings_page_through_every_provider_exactly_once(gateway: Gateway) -> None:
    nodes = await walk_root(gateway, 7)
    keys = [(n["provider"], n["providerRecordingId"]) for n in nodes]
    assert len(keys) == len(set(keys))
    created = [datetime.fromisoformat(n["createdAt"]) for n in nodes]
    assert created == sorted(created, reverse=True)
    assert {n["provider"] for n in nodes} == {p.upper() for p in gateway.simulators}
    per_account = {}
    for provider in gateway.simulators:
        body = await gateway.query(
            "query($f: RecordingFilter) { recordings(first: 500, filter: $f)"
            " { nodes { id } pageInfo { hasNextPage } } }",
            {"f": {"providers": [provider.upper()]}},
        )
        per_account[provider] = len(body["data"]["recordings"]["nodes"])
    assert sum(per_account.values()) == len(nodes)
    assert nodes == await walk_root(gateway, 50)


async def test_nested_graph_and_back_references(gateway: Gateway) -> None:
    body = await gateway.query(
        """{ accounts { id name provider providerAccountId
              calls(first: 5) { nodes { id providerCallId account { id }
                recordings(first: 3) { nodes { id call { id } account { id } } } } }
              conferences(first: 3) { nodes { id name recordings(first: 2) {
                nodes { conference { id } } } } } } }"""
    )
    assert "errors" not in body, body
    accounts = body["data"]["accounts"]
    assert {a["provider"] for a in accounts} == {p.upper() for p in gateway.simulators}
    for account in accounts:
        for call in account["calls"]["nodes"]:
            assert call["account"]["id"] == account["id"]
            for rec in call["recordings"]["nodes"]:
                assert rec["call"]["id"] == call["id"]
                assert rec["account"]["id"] == account["id"]
        for conf in account["conferences"]["nodes"]:
            for rec in conf["recordings"]["nodes"]:
                assert rec["conference"]["id"] == conf["id"]


async def test_node_and_nodes_round_trip_ids(gateway: Gateway) -> None:
    body = await gateway.query("{ recordings(first: 6) { nodes { id providerRecordingId } } }")
    nodes = body["data"]["recordings"]["nodes"]
    ids = [n["id"] for n in nodes]
    got = await gateway.query(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Recording { providerRecordingId } } }",
        {"ids": ids},
    )
    assert "errors" not in got, got
    assert got["data"]["nodes"] == nodes
    one = await gateway.query("query($id: ID!) { node(id: $id) { __typename id } }", {"id": ids[0]})
    assert one["data"]["node"] == {"__typename": "Recording", "id": ids[0]}


async def test_child_connections_page_by_cursor(gateway: Gateway) -> None:
    body = await gateway.query(
        "{ accounts { calls(first: 50) { nodes { id recordings(first: 10) { nodes { id } } } } } }"
    )
    calls = [
        c
        for a in body["data"]["accounts"]
        for c in a["calls"]["nodes"]
        if len(c["recordings"]["nodes"]) >= 2
    ]
    assert calls, "the demo data should have calls with several recordings"
    call = calls[0]
    query = """query($id: ID!, $after: String) { node(id: $id) { ... on Call {
        recordings(first: 1, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } }
    } } }"""
    seen: list[str] = []
    after = None
    while True:
        page = (await gateway.query(query, {"id": call["id"], "after": after}))["data"]["node"]
        conn = page["recordings"]
        seen.extend(n["id"] for n in conn["nodes"])
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert seen == [n["id"] for n in call["recordings"]["nodes"]]


async def test_providers_lists_capabilities(gateway: Gateway) -> None:
    body = await gateway.query(
        "{ providers { name title capabilities nativeFilters accounts { name } } }"
    )
    providers = {p["name"]: p for p in body["data"]["providers"]}
    assert set(providers) == {p.upper() for p in gateway.simulators}
    for info in providers.values():
        assert "DELETE_RECORDING" in info["capabilities"]
        assert len(info["accounts"]) == 1


async def test_media_link_streams_audio_with_ranges(gateway: Gateway) -> None:
    body = await gateway.query(
        "{ recordings(first: 10, filter: {status: [COMPLETED]})"
        " { nodes { provider media { url mimeType } } } }"
    )
    nodes = body["data"]["recordings"]["nodes"]
    assert nodes
    for node in nodes[:3]:
        url = node["media"]["url"]
        async with gateway.session.get(url) as resp:
            assert resp.status == 200
            assert resp.content_type.startswith("audio/")
            audio = await resp.read()
        async with gateway.session.get(url, headers={"Range": "bytes=0-99"}) as resp:
            assert resp.status == 206
            assert await resp.read() == audio[:100]
    async with gateway.session.get(url[:-3] + "xyz") as resp:
        assert resp.status == 404


async def test_graphiql_on_browser_get_and_health(gateway: Gateway) -> None:
    async with gateway.session.get(
        f"{gateway.url}/graphql", headers={"Accept": "text/html"}
    ) as resp:
        assert resp.status == 200
        assert "graphiql" in (await resp.text()).lower()
    for path in ("/healthz", "/readyz"):
        async with gateway.session.get(gateway.url + path) as resp:
            assert resp.status == 200
