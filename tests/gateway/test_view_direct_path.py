"""The view's direct path for JSON POSTs answers byte for byte what Strawberry's ``run()``
answers, and is taken exactly for plain single-operation JSON bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from gateway.app import request_ids
from gateway.cursors import CursorCodec
from gateway.demo import demo_settings, simulators_running
from gateway.ids import encode_id
from gateway.schema import build_schema
from gateway.settings import ServerSettings
from gateway.sources import Sources
from gateway.view import GatewayView
from tests.conftest import ANCHOR


class CountingView(GatewayView):
    """Counts the requests that went down Strawberry's generic path."""

    stock_runs = 0

    async def run(self, *args: Any, **kwargs: Any) -> Any:
        self.stock_runs += 1
        return await super().run(*args, **kwargs)


@dataclass
class Pair:
    url: str
    session: aiohttp.ClientSession
    direct: CountingView

    async def both(self, **request: Any) -> tuple[Any, Any]:
        return await self._send("/graphql", request), await self._send("/stock", request)

    async def _send(self, path: str, request: dict[str, Any]) -> Any:
        options = dict(request)
        headers = {"X-Request-ID": "fixed", **options.pop("headers", {})}
        method = options.pop("method", "POST")
        async with self.session.request(
            method, self.url + path, headers=headers, **options
        ) as resp:
            kept = {k: v for k, v in resp.headers.items() if k != "Date"}
            return resp.status, kept, await resp.read()


@pytest.fixture
async def pair() -> AsyncIterator[Pair]:
    async with simulators_running(5, recordings=12, anchor=ANCHOR) as servers:
        settings = demo_settings(servers, ServerSettings(host="127.0.0.1", port=0))
        sources = Sources.build(settings.accounts)
        common = {
            "schema": build_schema(),
            "graphql_ide": "graphiql",
            "sources": sources,
            "server": settings.server,
            "cursors": CursorCodec(b"k" * 32),
        }
        direct = CountingView(**common)
        app = web.Application(middlewares=[request_ids])
        app.router.add_route("*", "/graphql", direct)
        app.router.add_route("*", "/stock", GatewayView(direct_json_posts=False, **common))
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        try:
            async with aiohttp.ClientSession() as session:
                yield Pair(f"http://127.0.0.1:{runner.addresses[0][1]}", session, direct)
        finally:
            await runner.cleanup()
            await sources.aclose()


FIELDS = "id createdAt status durationSeconds call { id } account { name }"
MISSING = encode_id("Recording", "freeclimb", "freeclimb", "RE" + "0" * 32)

DIRECT_BODIES: list[Any] = [
    {"query": f"{{ recordings(first: 3) {{ nodes {{ {FIELDS} }} pageInfo {{ hasNextPage }} }} }}"},
    {
        "query": "query Q($n: Int!) { recordings(first: $n) { edges { cursor node { id } } } }",
        "variables": {"n": 2},
        "operationName": "Q",
    },
    {"query": "query A { accounts { name } } query B { __typename }", "operationName": "B"},
    {"query": "query A { accounts { name } } query B { __typename }"},
    {"query": "{ recordings(first: 2 { id }"},
    {"query": "{ nosuchfield }"},
    {"query": "{ recordings(first: -1) { nodes { id } } }"},
    {"query": "{ recordings(first: 100000) { nodes { id } } }"},
    {"query": '{ recordings(first: 1, after: "garbage") { nodes { id } } }'},
    {"query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", "variables": {"ids": [MISSING]}},
    {"query": '{ node(id: "not-an-id") { id } }'},
    {"query": "query($n: Int!) { recordings(first: $n) { nodes { id } } }", "variables": {}},
    {"query": "mutation { deleteEverything }"},
    {"query": "{ __typename }", "extensions": {"trace": True}, "variables": None},
]

#: Refused before anything runs, on both paths alike: 400 (415, 413) with a GraphQL-shaped body.
REJECTED_BODIES: list[Any] = [
    b"{not json",
    b"",
    b"null",
    b"[]",
    b'"a string"',
    b"42",
    {"variables": {}},
    {"query": None},
    {"query": ""},
    {"query": 5},
    {"query": "{ __typename }", "variables": [1]},
    {"query": "{ __typename }", "extensions": "x"},
    {"query": "{ __typename }", "operationName": 7},
    [{"query": "{ __typename }"}],
]


def _body(value: Any) -> bytes:
    return value if isinstance(value, bytes) else orjson.dumps(value)


@pytest.mark.parametrize("body", DIRECT_BODIES)
async def test_json_bodies_answer_exactly_like_strawberry(pair: Pair, body: Any) -> None:
    """Plain single operations take the direct path and answer what Strawberry would."""
    json_type = {"Content-Type": "application/json"}
    direct, stock = await pair.both(data=_body(body), headers=json_type)
    assert direct == stock
    assert pair.direct.stock_runs == 0


@pytest.mark.parametrize("body", REJECTED_BODIES)
async def test_malformed_bodies_are_refused_before_anything_runs(pair: Pair, body: Any) -> None:
    json_type = {"Content-Type": "application/json"}
    direct, stock = await pair.both(data=_body(body), headers=json_type)
    assert direct == stock
    status, headers, raw = direct
    assert status == 400
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    [error] = orjson.loads(raw)["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["message"]
    assert pair.direct.stock_runs == 0


@pytest.mark.parametrize(
    "request_",
    [
        {"method": "GET", "headers": {"Accept": "text/html"}},
        {
            "data": b'{"query": "{ __typename }"}',
            "headers": {"Content-Type": "application/json", "Accept": "multipart/mixed"},
        },
        {
            "data": b'{"query": "{ __typename }"}',
            "headers": {"Content-Type": "application/json", "Accept": "text/event-stream"},
        },
    ],
    ids=["graphiql", "multipart-accept", "sse-accept"],
)
async def test_other_requests_go_through_strawberry(pair: Pair, request_: dict[str, Any]) -> None:
    direct, stock = await pair.both(**request_)
    assert direct == stock
    assert pair.direct.stock_runs == 1


async def test_json_with_charset_takes_the_direct_path(pair: Pair) -> None:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    direct, stock = await pair.both(data=b'{"query": "{ accounts { name } }"}', headers=headers)
    assert direct == stock
    assert direct[0] == 200
    assert direct[1]["Content-Type"] == "application/json; charset=utf-8"
    assert orjson.loads(direct[2])["data"]["accounts"]
    assert pair.direct.stock_runs == 0


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        ({"method": "PUT", "data": b'{"query": "{ __typename }"}'}, 405),
        ({"data": b'{"query": "{ __typename }"}', "headers": {"Content-Type": "text/plain"}}, 415),
        ({"method": "GET", "params": {"query": "{ accounts { name } }"}}, 400),
    ],
    ids=["put", "text-plain", "get-without-preflight-header"],
)
async def test_requests_a_browser_could_send_cross_site_run_nothing(
    pair: Pair, request_: dict[str, Any], status: int
) -> None:
    """Simple (non-preflighted) requests cannot run an operation: CSRF protection."""
    direct, stock = await pair.both(**request_)
    assert direct == stock
    assert direct[0] == status
    assert orjson.loads(direct[2])["errors"][0]["extensions"]["code"]
    assert pair.direct.stock_runs == 0


async def test_get_with_a_preflighted_header_runs_queries_only(pair: Pair) -> None:
    headers = {"X-Requested-With": "fetch"}
    query = {"query": "{ accounts { name } }"}
    direct, stock = await pair.both(method="GET", params=query, headers=headers)
    assert direct == stock
    assert direct[0] == 200
    assert len(orjson.loads(direct[2])["data"]["accounts"]) == 3
    mutation = {"query": "mutation { __typename }"}
    status, _, _ = await pair._send(
        "/graphql", {"method": "GET", "params": mutation, "headers": headers}
    )
    assert status == 400


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"query": "subscription { recordingEvents { id } }"}, "WebSocket"),
        ({"query": "query A { accounts { name } }", "operationName": "Nope"}, "Nope"),
    ],
)
async def test_operations_a_plain_answer_cannot_carry_are_400(
    pair: Pair, body: Any, says: str
) -> None:
    status, _, raw = await pair._send(
        "/graphql", {"data": _body(body), "headers": {"Content-Type": "application/json"}}
    )
    assert status == 400
    [error] = orjson.loads(raw)["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert says in error["message"]
