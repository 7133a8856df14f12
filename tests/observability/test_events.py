"""Webhook and subscription metrics, through the events engineer's real route and
subscriptions (``tests.events`` fixtures and clients)."""

from __future__ import annotations

import asyncio

from prometheus_client.parser import text_string_to_metric_families

from tests.events.clients import WsClient, recordings, signalwire_callback
from tests.events.conftest import EventGateway, StartGateway, start_gateway

__all__ = ["start_gateway"]  # the fixture, imported for pytest


async def _samples(gw: EventGateway) -> dict[str, list[tuple[dict[str, str], float]]]:
    async with gw.session.get(f"{gw.url}/metrics") as resp:
        text = await resp.text()
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return out


def _value(samples: list[tuple[dict[str, str], float]], **labels: str) -> float:
    return sum(v for lbl, v in samples if all(lbl.get(k) == x for k, x in labels.items()))


async def test_webhooks_are_counted_by_outcome(start_gateway: StartGateway) -> None:
    gw = await start_gateway(providers=["signalwire"])
    rec = recordings(gw, 1)[0]
    assert await signalwire_callback(gw, "completed", rec) == 200
    async with gw.session.post(gw.webhook_url("signalwire"), data={"forged": "1"}) as resp:
        assert resp.status == 403
    async with gw.session.post(gw.webhook_url("no-such-account-42"), data={}) as resp:
        assert resp.status == 404
    events = (await _samples(gw))["recgw_webhook_events_total"]
    assert _value(events, provider="signalwire", account="signalwire", outcome="accepted") == 1
    assert _value(events, provider="signalwire", account="signalwire", outcome="rejected") == 1
    assert _value(events, provider="other", account="other", outcome="rejected") == 1
    assert not [lbl for lbl, _ in events if "no-such-account" in str(lbl)]


async def test_active_subscriptions_follow_open_and_closed_ones(
    start_gateway: StartGateway,
) -> None:
    gw = await start_gateway(providers=["signalwire"])

    async def active() -> float:
        return _value((await _samples(gw))["recgw_active_subscriptions"])

    async def until(count: int) -> None:
        async with asyncio.timeout(5):
            while True:
                if await active() == count:
                    return
                await asyncio.sleep(0.02)

    assert await active() == 0
    first, second = await WsClient.connect(gw), await WsClient.connect(gw)
    await first.subscribe(op="a")
    await second.subscribe(op="b")
    await second.subscribe(op="c")
    await until(3)
    await second.close()
    await until(1)
    await first.close()
    await until(0)
    operations = (await _samples(gw))["recgw_graphql_operations_total"]
    assert _value(operations, type="subscription") == 3
