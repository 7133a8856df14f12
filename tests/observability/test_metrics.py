"""``/metrics``: what it counts, checked against the simulators' own request logs, and
that no id, token or client-chosen name ever becomes a label value."""

from __future__ import annotations

import re
from typing import Any

from gateway.observability.metrics import OTHER, Metrics
from providers._sim import FaultKind
from tests.observability.conftest import Observed, total

NESTED = """
query Nested {
  accounts { name calls(first: 5) { nodes { id providerCallId recordings(first: 3) {
    nodes { id providerRecordingId media { url } } } } } }
}
"""
RECENT = """
query Recent {
  recordings(first: 12) { nodes { id providerRecordingId call { id providerCallId from } } }
}
"""


async def test_operations_upstream_requests_and_batches_are_counted(observed: Observed) -> None:
    await observed.settled()
    before = await observed.metrics()
    observed.reset()

    await observed.query(RECENT)
    await observed.query(NESTED)
    _, body, _ = await observed.post('{ node(id: "not-an-id") { id } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_ID"
    _, body, _ = await observed.post("{ recordings(first: 501) { nodes { id } } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_ARGUMENT"

    after = await observed.metrics()
    ops = after["recgw_graphql_operations_total"]
    assert total(ops, type="query", outcome="success") == 2
    assert total(ops, type="query", outcome="client_error") == 2
    assert total(after["recgw_graphql_operation_duration_seconds_count"], type="query") == 4

    # Every upstream request the simulators answered is counted once, per provider.
    sent = observed.upstream_requests()
    assert sum(sent.values()) > 6
    for provider, count in sent.items():
        grew = total(after["recgw_upstream_requests_total"], provider=provider) - total(
            before["recgw_upstream_requests_total"], provider=provider
        )
        assert grew == count, provider
        latency = total(
            after["recgw_upstream_request_duration_seconds_count"], provider=provider
        ) - total(before["recgw_upstream_request_duration_seconds_count"], provider=provider)
        assert latency == count

    # The nested query loads each account's calls' recordings in one batch per account.
    batches = after["recgw_dataloader_batch_size_count"]
    sizes = after["recgw_dataloader_batch_size_sum"]
    for provider in sent:
        assert total(batches, loader="call_recordings", provider=provider) == 1
        assert total(sizes, loader="call_recordings", provider=provider) == 5
        assert total(batches, loader="call", provider=provider) >= 1


async def test_retries_are_counted_by_endpoint(observed: Observed) -> None:
    await observed.settled()
    observed.reset()
    observed.simulators["freeclimb"].simulator.faults.inject(FaultKind.SERVER_ERROR)
    await observed.query("{ recordings(first: 3) { nodes { id } failures { code } } }")
    samples = await observed.metrics()
    retries = samples["recgw_upstream_retries_total"]
    assert total(retries, provider="freeclimb", endpoint="/Accounts/{id}/Recordings") == 1
    assert total(retries, provider="kazoo") == 0
    requests = samples["recgw_upstream_requests_total"]
    assert total(requests, provider="freeclimb", status="503") == 1


async def test_media_bytes_are_counted(observed: Observed) -> None:
    body = await observed.query("{ recordings(first: 10) { nodes { provider media { url } } } }")
    streamed: dict[str, int] = {}
    for node in body["data"]["recordings"]["nodes"]:
        if node["media"] is None or node["provider"].lower() in streamed:
            continue
        async with observed.session.get(node["media"]["url"]) as resp:
            assert resp.status == 200
            streamed[node["provider"].lower()] = len(await resp.read())
    assert streamed
    media = (await observed.metrics())["recgw_media_bytes_total"]
    for provider, size in streamed.items():
        assert size > 0
        assert total(media, provider=provider, account=provider) == size


def _ids(value: Any) -> set[str]:
    """Every string under an ``id``-like key of a GraphQL answer."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and (key == "id" or key.endswith("Id")):
                found.add(item)
            else:
                found |= _ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= _ids(item)
    return found


async def test_no_id_or_client_chosen_value_becomes_a_label(observed: Observed) -> None:
    await observed.settled()
    answers = [
        await observed.query(NESTED, request_id="reqLabelProbe1"),
        await observed.query(RECENT, operation_name="Recent"),
        await observed.query(
            "query OpNameThatMustNotBeALabel { accounts { id providerAccountId } }"
        ),
    ]
    ids = set().union(*(_ids(a) for a in answers))
    recording_ids = [i for a in answers for i in _ids(a) if i.startswith("Um")]
    nodes = await observed.query(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Recording { media { url } } } }",
        variables={"ids": recording_ids[:20]},
    )
    ids |= _ids(nodes)
    media_urls = [n["media"]["url"] for n in nodes["data"]["nodes"] if n and n.get("media")]
    async with observed.session.get(media_urls[0]) as resp:
        await resp.read()
    tokens = {url.rsplit("/", 1)[1] for url in media_urls}
    async with observed.session.get(f"{observed.url}/no/such/route/12345") as resp:
        assert resp.status == 404
    # Vendor-native ids as the simulators saw them in paths.
    for server in observed.simulators.values():
        for entry in server.simulator.request_log.entries:
            ids |= {seg for seg in entry.path.split("/") if re.search(r"\d", seg)}
    assert len(ids) > 50

    samples = await observed.metrics()
    labels = {v for series in samples.values() for lbl, _ in series for v in lbl.values()}
    forbidden = ids | tokens | {"reqLabelProbe1", "OpNameThatMustNotBeALabel", "Recent"}
    assert not labels & forbidden
    assert not any(token in label for label in labels for token in forbidden if len(token) > 6)
    endpoints = {lbl["endpoint"] for lbl, _ in samples["recgw_upstream_requests_total"]}
    assert endpoints
    for endpoint in endpoints:
        # A template: words, {id} placeholders and a format suffix; never a digit.
        assert re.fullmatch(r"(/([A-Za-z_]+|\{id\})(\.json|\.wav)?)+", endpoint), endpoint
    routes = {lbl["route"] for lbl, _ in samples["recgw_http_requests_total"]}
    assert "/media/{token}" in routes
    assert "unmatched" in routes
    assert all("12345" not in r for r in routes)


def test_values_from_outside_fall_into_other() -> None:
    """The API offered to the webhook route: a URL's account name and an outcome word
    are the caller's to choose, so anything unknown is counted as ``other``."""
    metrics = Metrics([("support", "freeclimb")])
    metrics.webhook_event("freeclimb", "support", "accepted")
    metrics.webhook_event("freeclimb", "made-up-account-123", "accepted")
    metrics.webhook_event("acme", "support", "weird-outcome-456")
    metrics.http_request("/graphql", "BREW", 418)
    with metrics.subscription(), metrics.subscription():
        text = metrics.render().decode()
        assert "recgw_active_subscriptions 2.0" in text
    text = metrics.render().decode()
    assert "recgw_active_subscriptions 0.0" in text
    assert 'account="support",outcome="accepted",provider="freeclimb"} 1.0' in text
    assert f'account="{OTHER}",outcome="accepted",provider="freeclimb"}} 1.0' in text
    # The provider of a configured account comes from the config, not from the caller.
    assert f'account="support",outcome="{OTHER}",provider="freeclimb"}} 1.0' in text
    assert "made-up-account" not in text
    assert "weird-outcome" not in text
    assert 'method="other",route="/graphql",status="418"' in text


def test_each_app_has_its_own_registry() -> None:
    first, second = Metrics([("a", "kazoo")]), Metrics([("a", "kazoo")])
    first.webhook_event("kazoo", "a", "accepted")
    assert 'recgw_webhook_events_total{account="a"' in first.render().decode()
    assert "recgw_webhook_events_total{" not in second.render().decode()
