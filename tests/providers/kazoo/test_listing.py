"""Kazoo listings: the 31-day window, envelope paging keys, filters, window walking."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from providers._sim import SimulatorServer
from providers.errors import InvalidRequestError, InvalidTokenError
from providers.kazoo import KazooBackend, KazooSimulator
from providers.kazoo.mapping import GREGORIAN_OFFSET, from_gregorian
from providers.models import PageRequest, RecordingQuery

from .conftest import FAST, Raw

G_NOW_SLACK = 10


def _greg_now(raw: Raw) -> int:
    return int(raw.sim.now()) + GREGORIAN_OFFSET


async def test_default_window_is_last_31_days_plus_an_hour(raw: Raw) -> None:
    status, body, _ = await raw.request(
        "GET", raw.acct("/recordings"), params={"paginate": "false"}
    )
    assert status == 200
    oldest = _greg_now(raw) - 2_682_000 - G_NOW_SLACK
    in_window = [r for r in raw.account.recordings.values() if r.created >= oldest]
    assert {row["id"] for row in body["data"]} <= {r.id for r in in_window}
    assert len(body["data"]) < len(raw.account.recordings)  # older ones are not listed
    assert {"page_size", "start_key", "next_start_key"}.isdisjoint(body)


@pytest.mark.parametrize(
    "params",
    [
        {"created_from": "1718033451", "created_to": "63885252651"},  # unix by mistake
        {"created_from": "63885252651", "created_to": "63885252650"},  # out of order
        {"created_from": "63885252651", "created_to": str(63885252651 + 2_682_001)},
    ],
)
async def test_bad_ranges_are_400_date_range(raw: Raw, params: dict[str, str]) -> None:
    status, body, _ = await raw.request("GET", raw.acct("/recordings"), params=params)
    assert (status, body["error"]) == (400, "400")
    assert "date_range" in body["data"]["created_from"]


async def test_backend_surfaces_400_as_invalid_request(backend: KazooBackend) -> None:
    with pytest.raises(InvalidRequestError, match="date_range"):
        await backend.client.list_recordings([("created_from", "5"), ("created_to", "2")])


async def test_paging_keys_page_size_is_rows_returned(raw: Raw) -> None:
    now = _greg_now(raw)
    rng = {"created_from": str(now - 2_682_000), "created_to": str(now)}
    status, first, _ = await raw.request(
        "GET", raw.acct("/recordings"), params={**rng, "page_size": "3"}
    )
    assert status == 200 and first["page_size"] == len(first["data"]) == 3
    assert first["start_key"] and first["next_start_key"]
    row = first["data"][0]
    assert row["_read_only"]["content_types"]
    assert not [k for k in row if k.startswith(("_id", "pvt_"))]
    # start_key is inclusive: the next page starts at the row the key names
    _, second, _ = await raw.request(
        "GET",
        raw.acct("/recordings"),
        params={**rng, "page_size": "100", "start_key": first["next_start_key"]},
    )
    assert "next_start_key" not in second  # last page
    ids = [r["id"] for r in first["data"] + second["data"]]
    assert len(ids) == len(set(ids))
    starts = [r["start"] + r["duration"] for r in first["data"] + second["data"]]
    assert starts == sorted(starts, reverse=True)
    _, asc, _ = await raw.request(
        "GET", raw.acct("/recordings"), params={**rng, "paginate": "false", "ascending": "true"}
    )
    assert [r["id"] for r in asc["data"]] == list(reversed(ids))


async def test_filters_apply_after_paging(raw: Raw) -> None:
    now = _greg_now(raw)
    conf_rec = next(
        r
        for r in raw.account.recordings.values()
        if "conference_id" in r.doc["custom_channel_vars"]
    )
    lo = conf_rec.created - 2_000_000
    params = {
        "created_from": str(lo),
        "created_to": str(lo + 2_682_000),
        "page_size": "2",
        "has_key": "custom_channel_vars.conference_id",
    }
    pages = 0
    short_with_next = False
    seen = []
    key = None
    while True:
        q = {**params, **({"start_key": key} if key else {})}
        _, body, _ = await raw.request("GET", raw.acct("/recordings"), params=q)
        pages += 1
        seen += body["data"]
        assert body["page_size"] == len(body["data"])
        key = body.get("next_start_key")
        short_with_next |= key is not None and len(body["data"]) < 2
        if key is None:
            break
    assert short_with_next
    assert conf_rec.id in {r["id"] for r in seen}
    assert all("conference_id" in r["custom_channel_vars"] for r in seen)
    assert now  # window was valid


async def test_filter_json_array_is_membership(raw: Raw) -> None:
    recs = [r for r in raw.account.recordings.values() if r.doc.get("cdr_id")][:3]
    lo = min(r.created for r in recs)
    hi = max(r.created for r in recs)
    if hi - lo > 2_682_000:
        recs, hi = recs[:1], recs[0].created
        lo = hi
    wanted = sorted({r.doc["cdr_id"] for r in recs})
    _, body, _ = await raw.request(
        "GET",
        raw.acct("/recordings"),
        params={
            "created_from": str(lo),
            "created_to": str(hi),
            "paginate": "false",
            "filter_cdr_id": json.dumps(wanted),
        },
    )
    assert body["data"] and {r["cdr_id"] for r in body["data"]} <= set(wanted)


async def test_user_recordings_filter_by_owner_and_404_unknown_user(raw: Raw) -> None:
    uid = next(iter(raw.account.users))
    _, body, _ = await raw.request("GET", raw.acct(f"/users/{uid}/recordings"))
    assert all(r["owner_id"] == uid for r in body["data"])
    status, body, _ = await raw.request("GET", raw.acct(f"/users/{'f' * 32}/recordings"))
    assert (status, body["message"]) == (404, "bad_identifier")


async def test_walk_returns_everything_newest_first_over_90_days(
    backend: KazooBackend, sim: KazooSimulator
) -> None:
    items, token = [], None
    while True:
        page = await backend.list_recordings(RecordingQuery(), PageRequest(11, token))
        items += page.items
        token = page.next_token
        if token is None:
            break
        assert "/" not in token and "http" not in base64.urlsafe_b64decode(token + "==").decode()
    assert {r.provider_recording_id for r in items} == set(sim.accounts[0].recordings)
    created = [r.created_at for r in items]
    assert created == sorted(created, reverse=True) and len(set(created)) == len(created)
    assert created[0] - created[-1] > timedelta(days=60)


async def test_newest_page_stops_walking_when_filled(
    backend: KazooBackend, sim: KazooSimulator
) -> None:
    await backend.list_recordings(RecordingQuery(), PageRequest(1))
    sim.request_log.clear()
    page = await backend.list_recordings(RecordingQuery(), PageRequest(5))
    assert len(page.items) == 5
    assert sim.request_log.count("GET", "/recordings") == 1
    sim.request_log.clear()
    page = await backend.list_recordings(RecordingQuery(), PageRequest(50))
    assert len(page.items) == 50
    assert sim.request_log.count("GET", "/recordings") <= 4  # ~3 windows for 90 days
    again = await backend.list_recordings(RecordingQuery(), PageRequest(50))
    assert again.items == page.items


async def test_empty_windows_are_skipped_within_the_cap(
    server: SimulatorServer, sim: KazooSimulator
) -> None:
    settings = {**server.account_settings()[0], "max_history_days": 400}
    backend = KazooBackend("pbx", settings, FAST)
    try:
        oldest = min(r.created for r in sim.accounts[0].recordings.values())
        before = from_gregorian(oldest - 1)
        assert before is not None
        page = await backend.list_recordings(RecordingQuery(created_before=before), PageRequest(10))
        assert page.items == () and page.next_token is None
    finally:
        await backend.aclose()


async def test_max_history_days_caps_the_walk(server: SimulatorServer, sim: KazooSimulator) -> None:
    settings = {**server.account_settings()[0], "max_history_days": 20}
    backend = KazooBackend("pbx", settings, FAST)
    try:
        page = await backend.list_recordings(RecordingQuery(), PageRequest(200))
        cutoff = int(sim.now()) + GREGORIAN_OFFSET - 20 * 86400 - 5
        expected = {r.id for r in sim.accounts[0].recordings.values() if r.created >= cutoff}
        assert {r.provider_recording_id for r in page.items} == expected
        assert 0 < len(expected) < len(sim.accounts[0].recordings)
    finally:
        await backend.aclose()


async def test_date_filters_are_native(backend: KazooBackend, sim: KazooSimulator) -> None:
    recs = sorted(sim.accounts[0].recordings.values(), key=lambda r: r.created)
    lo, hi = recs[5].created, recs[40].created
    q = RecordingQuery(created_after=from_gregorian(lo), created_before=from_gregorian(hi))
    page = await backend.list_recordings(q, PageRequest(100))
    assert {r.provider_recording_id for r in page.items} == {r.id for r in recs[5:41]}


async def test_call_filter_uses_filter_cdr_id(backend: KazooBackend, sim: KazooSimulator) -> None:
    cdr = next(c for c in sim.accounts[0].cdrs.values() if len(c.row["media_recordings"]) > 1)
    sim.request_log.clear()
    page = await backend.list_recordings(
        RecordingQuery(provider_call_id=cdr.row["id"]), PageRequest(10)
    )
    assert {r.provider_recording_id for r in page.items} == set(cdr.row["media_recordings"])
    assert all("filter_cdr_id=" in e.query for e in sim.request_log.entries if e.method == "GET")


@pytest.mark.parametrize("token", ["nonsense", base64.urlsafe_b64encode(b'{"s":"rec"}').decode()])
async def test_bad_tokens(backend: KazooBackend, token: str) -> None:
    with pytest.raises(InvalidTokenError):
        await backend.list_recordings(RecordingQuery(), PageRequest(5, token))


async def test_token_of_another_listing_is_refused(backend: KazooBackend) -> None:
    calls = await backend.list_calls(PageRequest(2))
    assert calls.next_token
    with pytest.raises(InvalidTokenError):
        await backend.list_recordings(RecordingQuery(), PageRequest(2, calls.next_token))
