"""JWT callers: tokens verified with PyJWT against a JWKS from a file or a URL."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.callers.conftest import Running

ISSUER = "https://idp.example.test/"
AUDIENCE = "recording-gateway"
ACCOUNTS = "{ accounts { name } }"


class Issuer:
    """An identity provider: RSA keys, their JWKS, and tokens signed with them."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}
        self.rotate("k1")

    def rotate(self, kid: str) -> None:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        out = []
        for kid, key in self.keys.items():
            jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            out.append({**jwk, "kid": kid, "alg": "RS256", "use": "sig"})
        return {"keys": out}

    def token(self, kid: str = "k1", **claims: Any) -> str:
        body = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "ops@example.test",
            "exp": int(time.time()) + 300,
            "accounts": ["kazoo"],
            "scope": "read media",
            **claims,
        }
        return jwt.encode(body, self.keys[kid], algorithm="RS256", headers={"kid": kid})


def _jwt_config(**where: str) -> dict[str, Any]:
    return {"auth": {"mode": "jwt", "jwt": {"issuer": ISSUER, "audience": AUDIENCE, **where}}}


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


async def _names(gateway: Running, token: str) -> Any:
    status, body = await gateway.post(ACCOUNTS, key=token)
    if status != 200:
        return status, body["errors"][0]["extensions"]["code"]
    return {a["name"] for a in body["data"]["accounts"]}


async def test_tokens_from_a_jwks_file(issuer: Issuer, gateway_with: Any, tmp_path: Path) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(issuer.jwks()))
    async with gateway_with(_jwt_config(jwks_file=str(jwks))) as gw:
        assert await _names(gw, issuer.token()) == {"kazoo"}
        assert await _names(gw, issuer.token(accounts="*")) == {"freeclimb", "kazoo", "signalwire"}
        assert await _names(gw, issuer.token(accounts=["nosuch"])) == set()
        rejected = [
            issuer.token(exp=int(time.time()) - 600),
            issuer.token(aud="someone-else"),
            issuer.token(iss="https://evil.test/"),
            issuer.token(sub=""),
            jwt.encode(
                {
                    "iss": ISSUER,
                    "aud": AUDIENCE,
                    "sub": "x",
                    "exp": int(time.time()) + 60,
                    "accounts": "*",
                    "scope": "read",
                },
                "a-shared-secret-that-is-long-enough-for-hs256",
                algorithm="HS256",
                headers={"kid": "k1"},
            ),
            jwt.encode(
                {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "accounts": "*"},
                None,
                algorithm="none",
            ),
            "not.a.jwt",
        ]
        for token in rejected:
            assert await _names(gw, token) == (401, "UNAUTHENTICATED"), token
        status, body = await gw.post(ACCOUNTS, key=issuer.token(scope="media"))
        assert (status, body["errors"][0]["extensions"]["code"]) == (403, "FORBIDDEN")


async def test_jwks_url_is_cached_and_refreshed_on_an_unknown_kid(
    issuer: Issuer, gateway_with: Any
) -> None:
    fetches: list[float] = []

    async def serve_jwks(_: web.Request) -> web.Response:
        fetches.append(time.monotonic())
        return web.json_response(issuer.jwks())

    app = web.Application()
    app.router.add_get("/jwks", serve_jwks)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/jwks"
    try:
        config = _jwt_config(jwks_url=url)
        config["auth"]["jwt"]["jwks_refresh_seconds"] = 0
        async with gateway_with(config) as gw:
            for _ in range(3):
                assert await _names(gw, issuer.token()) == {"kazoo"}
            assert len(fetches) == 1  # cached
            issuer.rotate("k2")  # the issuer adds a key; the gateway has not seen it
            assert await _names(gw, issuer.token("k2")) == {"kazoo"}
            assert len(fetches) == 2  # one re-read for the unknown kid
            forged = jwt.encode(
                {"sub": "x"}, issuer.keys["k1"], algorithm="RS256", headers={"kid": "nope"}
            )
            assert await _names(gw, forged) == (401, "UNAUTHENTICATED")
    finally:
        await runner.cleanup()


async def test_unknown_kids_do_not_hammer_the_issuer(issuer: Issuer, gateway_with: Any) -> None:
    fetches: list[float] = []

    async def serve_jwks(_: web.Request) -> web.Response:
        fetches.append(time.monotonic())
        return web.json_response(issuer.jwks())

    app = web.Application()
    app.router.add_get("/jwks", serve_jwks)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/jwks"
        async with gateway_with(_jwt_config(jwks_url=url)) as gw:
            assert await _names(gw, issuer.token()) == {"kazoo"}
            for n in range(10):
                token = jwt.encode(
                    {"sub": "x"},
                    issuer.keys["k1"],
                    algorithm="RS256",
                    headers={"kid": f"forged-{n}"},
                )
                assert await _names(gw, token) == (401, "UNAUTHENTICATED")
            assert len(fetches) == 1  # default: at most one re-read a minute
    finally:
        await runner.cleanup()
