"""No credential ever reaches the log, whatever goes wrong, in either log format."""

from __future__ import annotations

from typing import Any

import pytest

from providers._sim import FaultKind
from tests.observability.conftest import LogCapture, Observed

RECENT = "query Recent { recordings(first: 6) { nodes { id media { url } } } }"

WRONG = {
    "freeclimb": {"api_key": "sekrit-fc-key-0042"},
    "signalwire": {"api_token": "sekrit-sw-token-0042"},
    "kazoo": {"api_key": "sekrit-kz-key-0042"},
}


@pytest.fixture
def extra_accounts() -> list[dict[str, Any]]:
    return [
        {"like": provider, "name": f"wrong-{provider}", "provider": provider, **secret}
        for provider, secret in WRONG.items()
    ]


@pytest.mark.parametrize("fmt", ["json", "text"])
async def test_no_credential_reaches_the_log(observed: Observed, fmt: str) -> None:
    secrets = {
        str(source.settings.vendor[key])
        for source in observed.sources
        for key in type(source.backend).secret_keys()  # type: ignore[attr-defined]
        if key in source.settings.vendor
    }
    assert {"sekrit-fc-key-0042", "sekrit-sw-token-0042", "sekrit-kz-key-0042"} <= secrets
    assert len(secrets) >= 6
    with LogCapture(fmt) as log:  # DEBUG: every upstream request is logged too
        status, ready = await observed.settled()
        assert status == 503
        body = await observed.query(RECENT)
        failures = await observed.query(
            "{ recordings(first: 3) { nodes { id } failures { accountId code message } } }"
        )
        assert len(failures["data"]["recordings"]["failures"]) == 3
        for node in body["data"]["recordings"]["nodes"][:2]:
            if node["media"]:
                async with observed.session.get(node["media"]["url"]) as resp:
                    await resp.read()
        await observed.post('{ node(id: "garbage") { id } }')
        await observed.post('{ recordings(first: 2, after: "forged") { nodes { id } } }')
        observed.simulators["kazoo"].simulator.faults.inject(FaultKind.BAD_AUTH)
        observed.simulators["signalwire"].simulator.faults.inject(FaultKind.SERVER_ERROR)
        await observed.query("{ accounts { name calls(first: 3) { nodes { id } } } }")
        await observed.metrics()
        await observed.readyz()
    # What the gateway sent on the wire (Basic auth, Kazoo's session token) is secret too.
    for server in observed.simulators.values():
        for entry in server.simulator.request_log.entries:
            for header in ("Authorization", "X-Auth-Token"):
                value = entry.headers.get(header)
                if value:
                    secrets.add(value.removeprefix("Basic "))
    assert "wrong-freeclimb" in log.text  # the log does talk about the failing accounts
    assert len(log.text.splitlines()) > 40
    leaked = sorted(secret for secret in secrets if secret in log.text)
    assert not leaked
    assert "sekrit" not in str(ready)
