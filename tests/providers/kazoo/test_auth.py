"""Kazoo auth: token exchange, caching, refresh, re-auth on 401, secrecy; config rules."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging

import pytest

from providers._sim import FaultKind, SimulatorServer
from providers.errors import AuthenticationError, ConfigurationError, PermissionDeniedError
from providers.kazoo import KazooBackend, KazooSimulator
from providers.kazoo.client import credentials_hash

from .conftest import ANCHOR, FAST, Raw


def test_credentials_hash_worked_example() -> None:
    creds = credentials_hash("alice@example.com", "Tr0ub4dor&3")
    assert creds == "f596a78fdf234ca231072aa3670464fa"
    sha = hashlib.sha1(b"alice@example.com:Tr0ub4dor&3", usedforsecurity=False).hexdigest()
    assert sha == "cfa78f38907395cc79ea54f77ad805329e36ee7f"
    basic = base64.b64encode(b"4b8c2d1e0f3a5b6c7d8e9f0a1b2c3d4e:" + creds.encode()).decode()
    assert basic == (
        "NGI4YzJkMWUwZjNhNWI2YzdkOGU5ZjBhMWIyYzNkNGU6ZjU5NmE3OGZkZjIzNGNhMjMxMDcyYWEzNjcwNDY0ZmE="
    )


async def test_api_auth_is_201_with_token_in_envelope(raw: Raw) -> None:
    status, body, headers = await raw.request(
        "PUT", "/v2/api_auth", json={"data": {"api_key": raw.account.api_key}}
    )
    assert status == 201
    assert body["auth_token"].startswith("eyJ") and body["auth_token"].count(".") == 2
    assert "auth_token" not in body["data"]
    assert body["data"]["account_id"] == raw.account.id
    assert headers["X-Request-ID"] == body["request_id"]


async def test_user_auth_md5_and_bad_credentials(raw: Raw) -> None:
    acc = raw.account
    ok = {"credentials": acc.md5_credentials(), "account_name": acc.name, "method": "md5"}
    status, body, _ = await raw.request("PUT", "/v2/user_auth", json={"data": ok})
    assert status == 201 and body["auth_token"]
    bad = {**ok, "credentials": "0" * 32}
    status, body, _ = await raw.request("PUT", "/v2/user_auth", json={"data": bad})
    assert status == 401
    assert body["error"] == "401" and body["status"] == "error"
    assert body["data"] == {"message": "invalid credentials"}


async def test_missing_token_401_and_other_account_403(raw: Raw) -> None:
    status, body, _ = await raw.request("GET", raw.acct("/recordings"), auth=False)
    assert (status, body["error"], body["message"]) == (401, "401", "invalid_credentials")
    other = raw.sim.accounts[1].id
    status, body, _ = await raw.request("GET", f"/v2/accounts/{other}/recordings")
    assert (status, body["message"]) == (403, "forbidden")


async def test_backend_on_other_account_is_permission_denied(server: SimulatorServer) -> None:
    settings = dict(server.account_settings()[0])
    settings["account_id"] = server.account_settings()[1]["account_id"]
    backend = KazooBackend("x", settings, FAST)
    try:
        with pytest.raises(PermissionDeniedError):
            await backend.get_recordings(["202401-" + "0" * 32])
    finally:
        await backend.aclose()


async def test_user_credentials_account_works(server: SimulatorServer, sim: KazooSimulator) -> None:
    settings = server.account_settings()[1]
    assert {"username", "password", "account_name"} <= set(settings)
    backend = KazooBackend("globex", settings, FAST)
    try:
        calls = await backend.list_calls(__import__("providers").PageRequest(10))
        assert calls.items
        assert sim.request_log.count("PUT", "/v2/user_auth") == 1
    finally:
        await backend.aclose()


async def test_concurrent_requests_share_one_auth(
    backend: KazooBackend, sim: KazooSimulator
) -> None:
    ids = list(sim.accounts[0].recordings)[:12]
    results = await asyncio.gather(*(backend.get_recordings([i]) for i in ids))
    assert all(r[0] is not None for r in results)
    assert sim.request_log.count("PUT", "/v2/api_auth") == 1


async def test_token_refreshed_before_expiry() -> None:
    sim = KazooSimulator(7, anchor=ANCHOR, token_ttl=2)
    async with SimulatorServer(sim) as server:
        backend = KazooBackend("pbx", server.account_settings()[0], FAST)
        try:
            rid = next(iter(sim.accounts[0].recordings))
            assert (await backend.get_recordings([rid]))[0] is not None
            await asyncio.sleep(1.1)  # past the refresh point (ttl/2), before expiry
            assert (await backend.get_recordings([rid]))[0] is not None
        finally:
            await backend.aclose()
    assert sim.request_log.count("PUT", "/v2/api_auth") == 2
    assert not [e for e in sim.request_log.entries if e.status == 401]


async def test_one_reauth_and_retry_on_401(backend: KazooBackend, sim: KazooSimulator) -> None:
    rid = next(iter(sim.accounts[0].recordings))
    await backend.get_recordings([rid])
    sim.expire_tokens()
    assert (await backend.get_recordings([rid]))[0] is not None
    assert sim.request_log.count("PUT", "/v2/api_auth") == 2
    assert [e.status for e in sim.request_log.entries if e.status == 401] == [401]


async def test_refused_credentials_raise_without_leaking(
    server: SimulatorServer, sim: KazooSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = {**server.account_settings()[0], "api_key": "k" * 64}
    backend = KazooBackend("pbx", settings, FAST)
    try:
        with pytest.raises(AuthenticationError) as info:
            await backend.list_calls(__import__("providers").PageRequest(5))
    finally:
        await backend.aclose()
    assert "k" * 64 not in str(info.value)
    assert "k" * 64 not in caplog.text


async def test_token_never_in_errors_or_logs(
    backend: KazooBackend, sim: KazooSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rid = next(iter(sim.accounts[0].recordings))
    await backend.get_recordings([rid])
    sim.faults.outage = FaultKind.BAD_AUTH
    with pytest.raises(AuthenticationError) as info:
        await backend.delete_recording(rid)
    tokens = {e.headers.get("X-Auth-Token") for e in sim.request_log.entries} - {None}
    api_key = sim.accounts[0].api_key
    assert tokens
    for secret in (*tokens, api_key):
        assert secret not in str(info.value)
        assert secret not in caplog.text
        assert secret not in repr(backend.config)


@pytest.mark.parametrize(
    ("extra", "missing"),
    [
        ({}, "missing account_name, password, username"),
        ({"username": "u"}, "missing account_name, password"),
        ({"api_key": "k", "username": "u"}, "not both"),
    ],
)
def test_exactly_one_auth_method(extra: dict[str, str], missing: str) -> None:
    settings = {"base_url": "http://pbx:8000", "account_id": "a" * 32, **extra}
    with pytest.raises(ConfigurationError, match=missing):
        KazooBackend("pbx", settings, FAST)


def test_secret_keys() -> None:
    assert KazooBackend.secret_keys() == {"api_key", "password", "webhook_secret"}
