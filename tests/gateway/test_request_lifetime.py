"""A finished request leaves nothing of its data to the cycle collector: its pages and
domain objects are freed when the response is done, not at the next full collection."""

from __future__ import annotations

import gc

from providers import models as m
from tests.gateway.conftest import Gateway


async def test_no_domain_object_outlives_its_request_as_cyclic_garbage(
    gateway: Gateway,
) -> None:
    query = """{ recordings(first: 30) { edges { cursor node { id call { id } } } }
        accounts { calls(first: 5) { nodes { recordings(first: 2) { nodes { id } } } } } }"""
    await gateway.query(query)  # warm-up: auth tokens, caches, lazily built plans
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        body = await gateway.query(query)
        gc.collect()
        leaked = [
            o for o in gc.garbage if isinstance(o, m.Recording | m.Call | m.Page | m.Conference)
        ]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert "errors" not in body, body
    assert body["data"]["recordings"]["edges"]
    assert leaked == [], f"{len(leaked)} domain objects left to the cycle collector"
