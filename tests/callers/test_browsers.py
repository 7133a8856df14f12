"""Browser callers: CORS allow-list, preflights, and request ids on every route."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.callers.conftest import BETA_KEY, Running

APP = "https://app.example.test"


@pytest.fixture
async def cors_gateway(gateway_with: Any) -> Any:
    config = {
        "server": {"cors_origins": [APP]},
        "auth": {"mode": "keys"},
        "keys": [
            {
                "name": "beta",
                "key_sha256": __import__("hashlib").sha256(BETA_KEY.encode()).hexdigest(),
                "accounts": ["kazoo"],
                "scopes": ["read"],
            }
        ],
    }
    async with gateway_with(config) as gateway:
        yield gateway


async def _preflight(
    gw: Running, origin: str, headers: str = "authorization, content-type"
) -> aiohttp.ClientResponse:
    async with gw.session.options(
        f"{gw.url}/graphql",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": headers,
        },
    ) as resp:
        await resp.read()
        return resp


async def test_a_listed_origin_is_preflighted_and_answered(cors_gateway: Running) -> None:
    gw = cors_gateway
    resp = await _preflight(gw, APP)
    assert resp.status == 204
    assert resp.headers["Access-Control-Allow-Origin"] == APP
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]
    assert "authorization" in resp.headers["Access-Control-Allow-Headers"]
    async with gw.session.post(
        f"{gw.url}/graphql",
        json={"query": "{ accounts { name } }"},
        headers={"Origin": APP, "Authorization": f"Bearer {BETA_KEY}"},
    ) as answer:
        assert answer.status == 200
        assert answer.headers["Access-Control-Allow-Origin"] == APP
        assert "X-Request-ID" in answer.headers["Access-Control-Expose-Headers"]
        assert "Origin" in answer.headers["Vary"]


async def test_other_origins_get_no_cors_headers(cors_gateway: Running) -> None:
    gw = cors_gateway
    resp = await _preflight(gw, "https://evil.example.test")
    assert resp.status == 403
    assert "Access-Control-Allow-Origin" not in resp.headers
    resp = await _preflight(gw, APP, headers="x-custom-thing")
    assert resp.status == 403
    async with gw.session.post(
        f"{gw.url}/graphql",
        json={"query": "{ accounts { name } }"},
        headers={"Origin": "https://evil.example.test", "Authorization": f"Bearer {BETA_KEY}"},
    ) as answer:
        assert "Access-Control-Allow-Origin" not in answer.headers


async def test_a_websocket_from_another_origin_is_refused(cors_gateway: Running) -> None:
    gw = cors_gateway
    with pytest.raises(aiohttp.WSServerHandshakeError):
        async with gw.session.ws_connect(
            f"{gw.url}/graphql",
            protocols=("graphql-transport-ws",),
            headers={"Origin": "https://evil.example.test"},
        ):
            pass
    async with gw.session.ws_connect(
        f"{gw.url}/graphql", protocols=("graphql-transport-ws",), headers={"Origin": APP}
    ) as ws:
        assert not ws.closed


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("abc-123_X.y:z", True),
        ("0f8fad5b-d9cb-469f-a165-70867728950e", True),
        ("bad id with spaces", False),
        ("x" * 200, False),
        ("<script>", False),
    ],
)
async def test_request_ids_are_validated_and_echoed_on_every_route(
    cors_gateway: Running, sent: str, kept: bool
) -> None:
    gw = cors_gateway
    for method, path in (("GET", "/healthz"), ("POST", "/graphql"), ("GET", "/media/nope")):
        async with gw.session.request(
            method, gw.url + path, headers={"X-Request-ID": sent}
        ) as resp:
            echoed = resp.headers["X-Request-ID"]
            assert (echoed == sent) is kept, (path, echoed)
            assert 1 <= len(echoed) <= 128
