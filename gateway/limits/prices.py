"""What each field of the schema costs upstream (see :mod:`gateway.limits.cost`).

Each price says how many vendor requests a field may send, given how many parent
objects it is resolved on, and how many objects it returns per parent. They follow what
the resolvers and loaders really do; :data:`PRICES` names them by type and field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import FieldNode

from gateway.limits.cost import (
    FieldPrice,
    PricedSource,
    Pricing,
    argument,
    first_of,
)

#: RecordingFilter field -> RecordingQuery field, for telling native from local filters.
_FILTER_FIELDS = {
    "callId": "provider_call_id",
    "conferenceId": "provider_conference_id",
    "createdAfter": "created_after",
    "createdBefore": "created_before",
    "minDurationSeconds": "min_duration_seconds",
    "status": "statuses",
}


def _scan_pages(pricing: Pricing, source: PricedSource, filter_value: Any) -> int:
    """Pages a source may read for one connection page of a filtered listing."""
    if not isinstance(filter_value, dict):
        return 0 if filter_value is None else pricing.limits.enabled("max_scan_pages")
    given = {
        _FILTER_FIELDS[k] for k, v in filter_value.items() if k in _FILTER_FIELDS and v is not None
    }
    return pricing.limits.max_scan_pages if given - source.native_filters else 0


def _root_listing(
    p: Pricing, node: FieldNode, parents: int, v: Mapping[str, Any]
) -> tuple[int, int]:
    first = first_of(p, node, v)
    flt = argument(node, "filter", v)
    cost = sum(s.costs.listing(first, scan_pages=_scan_pages(p, s, flt)) for s in p.sources)
    return parents * cost, 1


def _account_listing(
    p: Pricing, node: FieldNode, parents: int, v: Mapping[str, Any]
) -> tuple[int, int]:
    """One listing per distinct account (the operation's page cache shares the rest)."""
    first = first_of(p, node, v)
    flt = argument(node, "filter", v)
    worst = max(
        (s.costs.listing(first, scan_pages=_scan_pages(p, s, flt)) for s in p.sources), default=0
    )
    return min(parents, len(p.sources)) * worst, 1


def _children(p: Pricing, node: FieldNode, parents: int, v: Mapping[str, Any]) -> tuple[int, int]:
    """One batch per source for the parents it holds: each source's fixed part, plus its
    per-parent part for its share. However the ``parents`` split among the sources, the
    per-parent parts add up to at most ``parents`` times the dearest one, and to at most
    each source's cap times its per-parent price."""
    if parents <= 0 or not p.sources:
        return 0, 1
    first = first_of(p, node, v) + 1
    fixed = sum(s.costs.children_fixed for s in p.sources)
    each = [s.costs.children(1, first) - s.costs.children_fixed for s in p.sources]
    spread = parents * max(each)
    caps = [s.costs.children_parent_cap for s in p.sources]
    if all(cap is not None for cap in caps):
        spread = min(spread, sum(c * e for c, e in zip(caps, each, strict=True) if c is not None))
    return fixed + spread, 1


def _lookup(p: Pricing, node: FieldNode, parents: int, v: Mapping[str, Any]) -> tuple[int, int]:
    """Lookups are per id: however the parents split among sources, at most ``parents``
    times the dearest source's price per id."""
    return max((s.costs.lookups(parents) for s in p.sources), default=0), 1


#: Admission prices a page's call/conference listing as missing one id in this many (read
#: by id afterwards). A listing covers the page's whole time window, so it misses only calls
#: the vendor no longer has or that began long before their recordings. The worst case
#: (every id missed: ``RequestCosts.recording_lookups``) would price an ordinary
#: ``recordings(first: 500) { call { from } }`` at about 1,000 requests where it sends about
#: 20; the request budget (``providers._budget``) holds the rare worse page to ``max_cost``,
#: reporting ``COST_LIMIT`` for what it could not read.
LOOKUP_MISS_SHARE = 10


def _recording_lookup(kind: str) -> FieldPrice:
    """A page of recordings' calls or conferences: each source may read its listing
    (``RequestCosts.call_listing``/``conference_listing``), then read by id what the
    listing missed, priced at one in :data:`LOOKUP_MISS_SHARE` of ``parents``."""

    def price(p: Pricing, node: FieldNode, parents: int, v: Mapping[str, Any]) -> tuple[int, int]:
        if parents <= 0 or not p.sources:
            return 0, 1
        listings = sum(s.costs.recording_lookups(kind, 1) - s.costs.lookups(1) for s in p.sources)
        misses = -(-parents // LOOKUP_MISS_SHARE)
        return listings + max(s.costs.lookups(misses) for s in p.sources), 1

    return price


def _node(p: Pricing, node: FieldNode, parents: int, v: Mapping[str, Any]) -> tuple[int, int]:
    return parents * max((s.costs.lookups(1) for s in p.sources), default=0), 1


def _nodes(p: Pricing, node: FieldNode, parents: int, v: Mapping[str, Any]) -> tuple[int, int]:
    ids = argument(node, "ids", v)
    if not isinstance(ids, list):
        return 0, 1
    by_key = {s.key: s for s in p.sources}
    cost = 0
    for raw in ids:
        decoded = p.decode(raw) if isinstance(raw, str) else None
        if decoded is None or decoded[0] == "Account":
            continue
        source = by_key.get((decoded[1], decoded[2]))
        if source is not None:
            cost += source.costs.lookups(1)
    return parents * cost, len(ids)


#: A write and the lookups it may need (the target, its call's active recording).
_CONTROL_REQUESTS = 3


def _write(requests: int) -> FieldPrice:
    def price(p: Pricing, node: FieldNode, parents: int, v: Mapping[str, Any]) -> tuple[int, int]:
        return parents * requests, 1

    return price


def _delete_many(
    p: Pricing, node: FieldNode, parents: int, v: Mapping[str, Any]
) -> tuple[int, int]:
    """A filter scan of every visible account, then one request per recording handled
    (a delete, or in a dry run by IDs a by-id read), ``limit`` of them at most."""
    from gateway.retention import MAX_SCAN_PAGES
    from gateway.types.mutations import DEFAULT_DELETE_LIMIT, MAX_DELETE_LIMIT

    given = argument(node, "input", v)
    given = given if isinstance(given, dict) else {}
    limit = given.get("limit")
    handled: int = DEFAULT_DELETE_LIMIT
    if isinstance(limit, int) and 0 < limit <= MAX_DELETE_LIMIT:
        handled = limit
    ids = given.get("ids")
    if isinstance(ids, list):
        handled = min(handled, len(ids))
    scan = 0
    if given.get("filter") is not None or ids is None:
        scan = sum(s.costs.listing(1, scan_pages=MAX_SCAN_PAGES) for s in p.sources)
    return parents * (scan + handled), 1


#: (type name, field name) -> price; fields not named here send no upstream request.
PRICES: dict[tuple[str, str], FieldPrice] = {
    ("Mutation", "deleteRecording"): _write(2),
    ("Mutation", "deleteRecordings"): _delete_many,
    ("Mutation", "startRecording"): _write(_CONTROL_REQUESTS),
    ("Mutation", "pauseRecording"): _write(_CONTROL_REQUESTS),
    ("Mutation", "resumeRecording"): _write(_CONTROL_REQUESTS),
    ("Mutation", "stopRecording"): _write(_CONTROL_REQUESTS),
    ("RecordingControlled", "call"): _lookup,
    ("RecordingControlled", "conference"): _lookup,
    ("RecordingControlled", "recording"): _lookup,
    ("RecordingEvent", "recording"): _lookup,
    ("RecordingEvent", "call"): _lookup,
    ("RecordingEvent", "conference"): _lookup,
    ("Query", "recordings"): _root_listing,
    ("Account", "recordings"): _account_listing,
    ("Account", "calls"): _account_listing,
    ("Account", "conferences"): _account_listing,
    ("Call", "recordings"): _children,
    ("Conference", "recordings"): _children,
    ("Recording", "call"): _recording_lookup("call"),
    ("Recording", "conference"): _recording_lookup("conference"),
    ("Query", "node"): _node,
    ("Query", "nodes"): _nodes,
}
