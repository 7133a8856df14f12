"""Fair share per caller: over its request or cost budget a caller gets HTTP 429 with
``Retry-After`` and a GraphQL-shaped error, and no vendor request is sent; other callers
are not affected."""

from __future__ import annotations

import hashlib

from gateway.resilience import Budgets
from tests.resilience.conftest import RECORDINGS, GatewayFactory

KEYS = {"dashboard": "key-dashboard-0123456789", "compliance": "key-compliance-0123456789"}


def _auth() -> dict:
    return {
        "auth": {"mode": "keys"},
        "keys": [
            {
                "name": name,
                "key_sha256": hashlib.sha256(key.encode()).hexdigest(),
                "accounts": ["*"],
                "scopes": ["read"],
            }
            for name, key in KEYS.items()
        ],
    }


def _bearer(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[name]}"}


async def test_over_the_request_budget_is_429_without_a_vendor_request(
    make_gateway: GatewayFactory,
) -> None:
    gw = await make_gateway(extra={**_auth(), "limits": {"requests_per_minute": 3}})
    for i in range(3):
        status, _, body = await gw.post(RECORDINGS % (10 + i), headers=_bearer("dashboard"))
        assert status == 200, body
    sent = sum(gw.count(p) for p in gw.simulators)
    status, headers, body = await gw.post(RECORDINGS % 20, headers=_bearer("dashboard"))
    assert status == 429
    assert 1 <= int(headers["Retry-After"]) <= 20  # one request back per 20 s
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert 0 < error["extensions"]["retryAfter"] <= 20
    assert sum(gw.count(p) for p in gw.simulators) == sent
    # Another caller has its own budget.
    status, _, body = await gw.post(RECORDINGS % 21, headers=_bearer("compliance"))
    assert status == 200, body


async def test_over_the_cost_budget_is_refused_by_priced_cost(
    make_gateway: GatewayFactory,
) -> None:
    # recordings(first: 10) over three providers is priced at a few upstream requests;
    # a budget of 10 per minute admits a couple of them.
    gw = await make_gateway(extra={**_auth(), "limits": {"cost_per_minute": 10}})
    statuses = []
    for i in range(8):
        status, _, _ = await gw.post(RECORDINGS % (10 + i), headers=_bearer("dashboard"))
        statuses.append(status)
    assert statuses[0] == 200
    assert 429 in statuses
    assert statuses.index(429) < 8
    assert set(statuses[statuses.index(429) :]) == {429}


async def test_no_budget_by_default(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway()
    for i in range(30):
        status, _, _ = await gw.post(RECORDINGS % (10 + i))
        assert status == 200


def test_buckets_refill_continuously() -> None:
    now = [0.0]
    budgets = Budgets(requests_per_minute=60, cost_per_minute=120, clock=lambda: now[0])
    assert budgets.charge("key:a", cost=100) is None
    refusal = budgets.charge("key:a", cost=30)  # 20 left, 30 needed: 10 more = 5 s
    assert refusal is not None
    assert (refusal.budget, refusal.retry_after) == ("cost_per_minute", 5.0)
    assert budgets.charge("key:b", cost=30) is None  # callers are separate
    now[0] = 5.0
    assert budgets.charge("key:a", cost=30) is None
    # An operation priced above a whole minute's budget runs from a full bucket (else
    # it never could) and leaves the caller in debt.
    now[0] = 1000.0
    assert budgets.charge("key:a", cost=500) is None
    refusal = budgets.charge("key:a", cost=1)
    assert refusal is not None and refusal.retry_after > 60
