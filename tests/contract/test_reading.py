"""Promises every backend keeps when reading, checked against its simulator."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

import pytest

from providers._sim import SimulatorServer
from providers.base import FILTER_FIELDS, ProviderBackend
from providers.errors import InvalidTokenError
from providers.models import (
    Call,
    Conference,
    Page,
    PageRequest,
    Recording,
    RecordingQuery,
    RecordingStatus,
)

T = TypeVar("T")
MAX_PAGES = 200


async def walk(fetch: Callable[[PageRequest], Awaitable[Page[T]]], size: int) -> list[T]:
    items: list[T] = []
    token = None
    for _ in range(MAX_PAGES):
        page = await fetch(PageRequest(size, token))
        items.extend(page.items)
        if page.next_token is None:
            return items
        token = page.next_token
    raise AssertionError("listing did not end")


async def all_recordings(
    backend: ProviderBackend, query: RecordingQuery | None = None
) -> list[Recording]:
    return await walk(lambda req: backend.list_recordings(query or RecordingQuery(), req), 50)


def ids(items: list[Any], attr: str = "provider_recording_id") -> list[str]:
    return [getattr(item, attr) for item in items]


async def test_account_is_known_without_a_request(
    backend: ProviderBackend, sim_server: SimulatorServer
) -> None:
    account = backend.account
    assert account.provider == backend.provider
    assert account.account_name == "primary"
    assert account.provider_account_id
    assert len(sim_server.simulator.request_log) == 0


@pytest.mark.parametrize("size", [7, 50])
async def test_recording_pages_hold_every_item_once_newest_first(
    backend: ProviderBackend, size: int
) -> None:
    items = await walk(lambda req: backend.list_recordings(RecordingQuery(), req), size)
    assert len(items) >= 40
    assert len(set(ids(items))) == len(items)
    created = [r.created_at for r in items]
    assert created == sorted(created, reverse=True)
    assert all(r.created_at.utcoffset() == timedelta(0) for r in items)
    assert all(r.provider == backend.provider and r.account_name == "primary" for r in items)
    assert ids(items) == ids(await all_recordings(backend))


async def test_same_page_request_gives_same_items(backend: ProviderBackend) -> None:
    first = await backend.list_recordings(RecordingQuery(), PageRequest(10))
    assert first.next_token is not None
    again = await backend.list_recordings(RecordingQuery(), PageRequest(10, first.next_token))
    twice = await backend.list_recordings(RecordingQuery(), PageRequest(10, first.next_token))
    assert ids(list(again.items)) == ids(list(twice.items))
    assert not set(ids(list(first.items))) & set(ids(list(again.items)))


@pytest.mark.parametrize(
    "token", ["not a token", "http://attacker.example/steal", "../../Accounts/other", "%00"]
)
async def test_foreign_page_token_is_refused_without_a_request(
    backend: ProviderBackend, sim_server: SimulatorServer, token: str
) -> None:
    await backend.list_recordings(RecordingQuery(), PageRequest(5))
    before = len(sim_server.simulator.request_log)
    with pytest.raises(InvalidTokenError):
        await backend.list_recordings(RecordingQuery(), PageRequest(5, token))
    assert len(sim_server.simulator.request_log) == before


async def test_calls_and_conferences_page_newest_first(backend: ProviderBackend) -> None:
    calls = await walk(backend.list_calls, 7)
    assert calls
    assert len(set(ids(calls, "provider_call_id"))) == len(calls)
    starts = [c.start_time for c in calls if c.start_time is not None]
    assert starts == sorted(starts, reverse=True)
    conferences = await walk(backend.list_conferences, 3)
    assert conferences
    assert len(set(ids(conferences, "provider_conference_id"))) == len(conferences)


def _queries(everything: list[Recording]) -> dict[str, RecordingQuery]:
    with_call = next(r for r in everything if r.provider_call_id)
    with_conf = next(r for r in everything if r.provider_conference_id)
    newer, older = everything[10].created_at, everything[30].created_at
    durations = sorted(r.duration_seconds for r in everything if r.duration_seconds is not None)
    return {
        "provider_call_id": RecordingQuery(provider_call_id=with_call.provider_call_id),
        "provider_conference_id": RecordingQuery(
            provider_conference_id=with_conf.provider_conference_id
        ),
        "created_range": RecordingQuery(created_after=older, created_before=newer),
        "min_duration_seconds": RecordingQuery(min_duration_seconds=durations[len(durations) // 2]),
        "statuses": RecordingQuery(statuses=frozenset({RecordingStatus.COMPLETED})),
    }


async def test_filters_agree_with_the_reference_semantics(backend: ProviderBackend) -> None:
    everything = await all_recordings(backend)
    for name, query in _queries(everything).items():
        got = await all_recordings(backend, query)
        expected = [r for r in everything if query.matches(r)]
        assert [r for r in got if query.matches(r)] == expected, name
        assert set(ids(got)) <= set(ids(everything)), name
        pushed = {f for f in FILTER_FIELDS if getattr(query, f) is not None}
        if pushed and pushed <= backend.native_filters:
            assert got == expected, f"{name} is declared native but was not applied upstream"


async def test_get_recordings_keeps_order_and_gives_none_for_unknown(
    backend: ProviderBackend,
) -> None:
    everything = await all_recordings(backend)
    a, b = everything[0].provider_recording_id, everything[-1].provider_recording_id
    got = await backend.get_recordings([b, "definitely-not-an-id", a, b])
    assert [r.provider_recording_id if r else None for r in got] == [b, None, a, b]
    assert got[0] == everything[-1]


async def test_get_calls_and_conferences_by_id(backend: ProviderBackend) -> None:
    calls = (await backend.list_calls(PageRequest(10))).items
    got_calls = await backend.get_calls(
        [calls[1].provider_call_id, "nope", calls[0].provider_call_id]
    )
    assert [c.provider_call_id if c else None for c in got_calls] == [
        calls[1].provider_call_id,
        None,
        calls[0].provider_call_id,
    ]
    conferences = (await backend.list_conferences(PageRequest(10))).items
    got_confs = await backend.get_conferences([conferences[0].provider_conference_id, "nope"])
    assert got_confs[0] is not None
    assert got_confs[0].provider_conference_id == conferences[0].provider_conference_id
    assert got_confs[1] is None


async def test_recordings_by_call_match_the_listing_and_cost_few_requests(
    backend: ProviderBackend, sim_server: SimulatorServer
) -> None:
    everything = await all_recordings(backend)
    calls: list[Call] = list((await backend.list_calls(PageRequest(50))).items)[:50]
    unknown = Call(backend.provider, "primary", calls[0].provider_call_id[:-4] + "0000")
    batch = [*calls, calls[0], unknown]
    log = sim_server.simulator.request_log
    before = len(log)
    got = await backend.recordings_by_call(batch, 3)
    assert len(log) - before <= 3, [e.path for e in log.entries[before:]]
    for call, recordings in zip(batch, got, strict=True):
        expected = [r for r in everything if r.provider_call_id == call.provider_call_id][:3]
        assert ids(list(recordings)) == ids(expected), call.provider_call_id
    assert any(got), "the seeded calls should have recordings"


async def test_recordings_by_conference_match_the_listing(backend: ProviderBackend) -> None:
    everything = await all_recordings(backend)
    conferences: list[Conference] = list((await backend.list_conferences(PageRequest(20))).items)
    got = await backend.recordings_by_conference(conferences, 5)
    for conference, recordings in zip(conferences, got, strict=True):
        expected = [
            r for r in everything if r.provider_conference_id == conference.provider_conference_id
        ][:5]
        assert ids(list(recordings)) == ids(expected)
    assert any(got), "the seeded conferences should have recordings"
