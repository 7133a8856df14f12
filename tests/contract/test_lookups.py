"""``calls_for_recordings`` / ``conferences_for_recordings``: the same answers as per-id
reads, for fewer requests, never more than ``request_costs`` declares."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pytest

from providers._sim import RequestLog, SimulatorServer
from providers.base import ProviderBackend
from providers.models import Recording
from tests.contract.test_reading import all_recordings

KINDS = {
    "call": ("provider_call_id", "calls_for_recordings", "get_calls"),
    "conference": ("provider_conference_id", "conferences_for_recordings", "get_conferences"),
}


async def _both(
    backend: ProviderBackend, log: RequestLog, kind: str, recordings: Sequence[Recording]
) -> tuple[list[Any], list[Any], int]:
    """(batch answers, per-id answers, requests the batch sent)."""
    attribute, batch, by_id = KINDS[kind]
    before = len(log)
    got = list(await getattr(backend, batch)(recordings))
    sent = len(log) - before
    named = [getattr(r, attribute) for r in recordings]
    expected: list[Any] = [None] * len(recordings)
    wanted = [i for i, ident in enumerate(named) if ident]
    if wanted:
        found = await getattr(backend, by_id)([named[i] for i in wanted])
        for i, value in zip(wanted, found, strict=True):
            expected[i] = value
    return got, expected, sent


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("size", [50, 500])
async def test_pages_of_recordings_get_what_per_id_reads_get_for_few_requests(
    backend: ProviderBackend, sim_server: SimulatorServer, kind: str, size: int
) -> None:
    everything = await all_recordings(backend)
    attribute = KINDS[kind][0]
    pages = [everything[i : i + size] for i in range(0, len(everything), size)]
    assert pages
    seen = 0
    for page in pages:
        got, expected, sent = await _both(backend, sim_server.simulator.request_log, kind, page)
        assert got == expected
        distinct = {getattr(r, attribute) for r in page if getattr(r, attribute)}
        seen += sum(value is not None for value in got)
        assert sent <= backend.request_costs.recording_lookups(kind, len(distinct))
        if len(distinct) >= 6:
            # a listing or two, and a per-id read for a call that began before the window
            assert sent <= 4, (kind, len(distinct), sent)
    assert seen, f"the seeded recordings name some {kind}s"


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_unknown_malformed_and_missing_ids_answer_none_like_per_id_reads(
    backend: ProviderBackend, sim_server: SimulatorServer, kind: str
) -> None:
    everything = await all_recordings(backend)
    attribute = KINDS[kind][0]
    named = [r for r in everything if getattr(r, attribute)][:20]
    assert named
    real = getattr(named[0], attribute)
    unknown = dataclasses.replace(named[0], **{attribute: real[:-4] + "0000"})
    malformed = dataclasses.replace(named[1], **{attribute: "no such id!"})
    nothing = dataclasses.replace(named[2], **{attribute: None})
    batch = [*named, unknown, malformed, nothing, named[0]]
    got, expected, _ = await _both(backend, sim_server.simulator.request_log, kind, batch)
    assert got == expected
    assert got[-4:-1] == [None, None, None]
    assert got[-1] == got[0] is not None


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_one_or_two_ids_are_read_by_id(
    backend: ProviderBackend, sim_server: SimulatorServer, kind: str
) -> None:
    everything = await all_recordings(backend)
    attribute = KINDS[kind][0]
    named = [r for r in everything if getattr(r, attribute)]
    distinct = list({getattr(r, attribute): r for r in named}.values())[:2]
    got, expected, sent = await _both(backend, sim_server.simulator.request_log, kind, distinct)
    assert got == expected and all(v is not None for v in got)
    assert sent == len(distinct)
