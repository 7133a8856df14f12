"""README.md tells the truth: every GraphQL example in it runs without errors against the
running gateway over every simulator, its filter comment names what each vendor really
filters itself, and its sample configuration behaves as its comments say."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest

from gateway.errors import SettingsError
from gateway.settings import from_mapping
from tests.docs.readme import code_blocks, graphql_examples
from tests.gateway.conftest import Gateway

EXAMPLES = graphql_examples()
#: The README's placeholder for "an id from another answer" in its ``node`` example.
ID_PLACEHOLDER = '"..."'


def _failures(value: Any) -> list[Any]:
    """Every non-empty ``failures`` list anywhere in an answer."""
    found: list[Any] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "failures" and item:
                found.append(item)
            found.extend(_failures(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_failures(item))
    return found


def test_readme_has_the_examples_this_suite_expects() -> None:
    assert len(EXAMPLES) >= 5
    assert sum(ID_PLACEHOLDER in e for e in EXAMPLES) == 1


def _is_subscription(example: str) -> bool:
    code = [line for line in example.splitlines() if not line.lstrip().startswith("#")]
    return "\n".join(code).lstrip().startswith("subscription")


async def _subscription_starts(gateway: Gateway, example: str) -> None:
    """A subscription runs until stopped: it must be accepted over graphql-transport-ws
    (validated, authorised, started: no ``error`` message), then it is completed."""
    async with gateway.session.ws_connect(
        f"{gateway.url}/graphql", protocols=["graphql-transport-ws"]
    ) as ws:
        await ws.send_json({"type": "connection_init", "payload": {}})
        assert (await ws.receive_json(timeout=5))["type"] == "connection_ack"
        await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": example}})
        try:
            message = await ws.receive_json(timeout=0.5)
        except TimeoutError:
            message = None
        while message is not None and message["type"] in ("ping", "pong"):
            message = await ws.receive_json(timeout=0.5)
        assert message is None or message["type"] == "next", message
        await ws.send_json({"id": "1", "type": "complete"})


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"example{i}" for i in range(len(EXAMPLES))])
async def test_readme_example_answers_without_errors(gateway: Gateway, example: str) -> None:
    if _is_subscription(example):
        await _subscription_starts(gateway, example)
        return
    real_id = None
    if ID_PLACEHOLDER in example:
        # As the README says: take an id from another answer, here the first query's.
        first = await gateway.query(EXAMPLES[0])
        real_id = first["data"]["recordings"]["nodes"][0]["id"]
        example = example.replace(ID_PLACEHOLDER, f'"{real_id}"')
    body = await gateway.query(example)
    assert "errors" not in body, body["errors"]
    assert body["data"], body
    assert all(v is not None for v in body["data"].values()), body
    assert _failures(body["data"]) == []
    if real_id is not None:
        assert body["data"]["node"]["id"] == real_id


def _named_in_comment(prefix: str) -> set[str]:
    for example in EXAMPLES:
        text = " ".join(line.lstrip("# ").strip() for line in example.splitlines())
        match = re.search(re.escape(prefix) + r"(.*?)\.", text)
        if match:
            return set(re.findall(r"`(\w+)`", match.group(1)))
    raise AssertionError(f"README has no comment starting {prefix!r}")


async def test_filter_comment_names_what_vendors_filter_themselves(gateway: Gateway) -> None:
    body = await gateway.query("{ providers { name nativeFilters } }")
    native = [set(p["nativeFilters"]) for p in body["data"]["providers"]]
    filter_type = await gateway.query(
        '{ __type(name: "RecordingFilter") { inputFields { name } } }'
    )
    every = {f["name"] for f in filter_type["data"]["__type"]["inputFields"]}
    sent = _named_in_comment("Sent to every vendor:")
    by_gateway = _named_in_comment("Applied by the gateway to what the vendors return:")
    choosing = _named_in_comment("Choosing which accounts are asked at all:")
    assert sent == set.intersection(*native) == set.union(*native)
    assert by_gateway == every - sent - choosing
    assert choosing == {"providers", "accountIds"}


def _config_sample() -> str:
    blocks = [b for b in code_blocks("toml") if "[server]" in b]
    assert blocks, "README has no configuration sample"
    return blocks[0]


def test_sample_config_loads_with_its_variables_set() -> None:
    sample = _config_sample()
    env = dict.fromkeys(re.findall(r"\$\{(\w+)\}", sample), "value")
    settings = from_mapping(tomllib.loads(sample), env=env)
    assert [a.name for a in settings.accounts] == ["support", "sales", "pbx"]
    assert settings.server.cursor_secret is not None


def test_cursor_secret_comment_matches_behaviour() -> None:
    """The comment says: unset variable stops the start; key left out = random per start."""
    sample = _config_sample()
    line = next(x for x in sample.splitlines() if x.startswith("cursor_secret"))
    assert "stops the start" in line or "must be set" in line, line
    env = dict.fromkeys(re.findall(r"\$\{(\w+)\}", sample), "value")
    del env["RECGW_CURSOR_SECRET"]
    with pytest.raises(SettingsError, match="RECGW_CURSOR_SECRET"):
        from_mapping(tomllib.loads(sample), env=env)
    without = "\n".join(x for x in sample.splitlines() if not x.startswith("cursor_secret"))
    assert from_mapping(tomllib.loads(without), env=env).server.cursor_secret is None


async def test_webhook_route_named_in_the_config_comments_exists(gateway: Gateway) -> None:
    """The sample's signing keys verify ``POST /webhooks/{account}``: an unsigned callback
    to a configured account is refused (403), an unknown account is 404."""
    sample = _config_sample()
    assert "POST /webhooks/support" in sample and "POST /webhooks/pbx?secret=" in sample
    for name in gateway.simulators:  # the demo names each account after its provider
        async with gateway.session.post(
            f"{gateway.url}/webhooks/{name}", data=b'{"status": "completed"}'
        ) as resp:
            assert resp.status == 403, (name, await resp.text())
    async with gateway.session.post(f"{gateway.url}/webhooks/nobody", data=b"{}") as resp:
        assert resp.status == 404
