"""API keys: who may call, what each caller sees, and what a missing scope answers."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest

from gateway.errors import SettingsError
from gateway.settings import from_mapping
from tests.callers.conftest import (
    ALPHA_KEY,
    BETA_KEY,
    KEYS,
    NO_MEDIA_KEY,
    WIDE_KEY,
    WRITE_ONLY_KEY,
    Running,
    digest,
)

ACCOUNTS = "{ accounts { name provider } }"


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer ", "Bearer nope", f"Basic {ALPHA_KEY}", "Bearer " + "x" * 5_000, ALPHA_KEY],
)
async def test_missing_or_unknown_credentials_are_401_and_run_nothing(
    secured: Running, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    status, body = await secured.post("{ recordings(first: 5) { nodes { id } } }", headers=headers)
    assert status == 401
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in body
    assert ALPHA_KEY not in str(body)
    assert sum(secured.upstream().values()) == 0


async def test_401_says_how_to_authenticate(secured: Running) -> None:
    async with secured.session.post(f"{secured.url}/graphql", json={"query": ACCOUNTS}) as resp:
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        assert resp.headers["Content-Type"].startswith("application/json")


async def test_each_caller_sees_its_accounts(secured: Running) -> None:
    def names(data: dict) -> set[str]:
        return {a["name"] for a in data["accounts"]}

    assert names(await secured.data(ACCOUNTS, key=ALPHA_KEY)) == {"freeclimb", "signalwire"}
    assert names(await secured.data(ACCOUNTS, key=BETA_KEY)) == {"kazoo"}
    assert names(await secured.data(ACCOUNTS, key=WIDE_KEY)) == {"freeclimb", "signalwire", "kazoo"}


async def test_a_query_without_the_read_scope_is_forbidden(secured: Running) -> None:
    status, body = await secured.post(ACCOUNTS, key=WRITE_ONLY_KEY)
    assert status == 403
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert sum(secured.upstream().values()) == 0


async def test_media_links_need_the_media_scope(secured: Running) -> None:
    query = "{ recordings(first: 2) { nodes { id media { url } } } }"
    status, body = await secured.post(query, key=NO_MEDIA_KEY)
    assert status == 200
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    assert all(e["path"][-1] == "media" for e in body["errors"])
    assert [n["id"] for n in body["data"]["recordings"]["nodes"]]  # the rest still answers
    ok = await secured.data(query, key=WIDE_KEY)
    assert all(n["media"]["url"] for n in ok["recordings"]["nodes"])


def test_keys_new_prints_a_key_and_config_that_admits_it() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "gateway.cli",
            "keys",
            "new",
            "--name",
            "dash",
            "--accounts",
            "sales,support",
            "--scopes",
            "read,media",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    key = next(line.strip() for line in out.splitlines() if line.strip().startswith("rgw_"))
    table = tomllib.loads(out[out.index("[[keys]]") :])
    [entry] = table["keys"]
    assert entry == {
        "name": "dash",
        "key_sha256": digest(key),
        "accounts": ["sales", "support"],
        "scopes": ["read", "media"],
    }
    accounts = [
        {
            "name": n,
            "provider": "freeclimb",
            "base_url": "http://127.0.0.1:1",
            "account_id": "AC" + "0" * 40,
            "api_key": "k",
        }
        for n in ("sales", "support")
    ]
    settings = from_mapping({"accounts": accounts, "auth": {"mode": "keys"}, **table}, env={})
    assert settings.auth.keys[0].key_sha256 == digest(key)


def test_keys_new_refuses_unknown_scopes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "keys", "new", "--name", "x", "--scopes", "root"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("recgw: error: --scopes")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"keys": []}, 'mode = "keys" needs at least one'),
        ({"keys": [{**KEYS[1], "accounts": ["nosuch"]}]}, "unknown account(s) nosuch"),
        ({"keys": [{**KEYS[1], "scopes": ["admin"]}]}, "unknown scope(s) admin"),
        ({"keys": [{**KEYS[1], "key_sha256": "abc"}]}, "64 hex digits"),
        ({"keys": [KEYS[1], KEYS[1]]}, "duplicate name(s) beta"),
        ({"keys": [{**KEYS[1], "secret": "x"}]}, "unknown key(s) secret"),
        ({"auth": {"mode": "jwt"}}, "[auth.jwt]"),
        ({"auth": {"mode": "open"}}, "mode must be one of"),
        ({"limits": {"max_cost": -1}}, "max_cost must be 0 (off) or positive"),
        ({"limits": {"persisted_only": True}}, "needs persisted_manifest"),
        ({"server": {"cors_origins": ["*"]}}, "cors_origins"),
    ],
)
def test_bad_caller_configuration_stops_the_start_with_a_clear_message(
    change: dict, message: str
) -> None:
    raw = {
        "accounts": [
            {
                "name": "kazoo",
                "provider": "kazoo",
                "base_url": "http://127.0.0.1:1",
                "account_id": "a" * 32,
                "api_key": "k",
            }
        ],
        "auth": {"mode": "keys"},
        "keys": [KEYS[1]],
        **change,
    }
    with pytest.raises(SettingsError) as caught:
        from_mapping(raw, env={})
    assert message in str(caught.value)
