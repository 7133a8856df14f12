"""Connection and node resolution shared by the GraphQL types."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime
from inspect import isawaitable
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader

from gateway.errors import InvalidArgumentError, InvalidCursorError, InvalidIdError
from gateway.ids import GlobalId, decode_id, encode_id
from gateway.loaders import ChildKey, load_now
from gateway.paging import (
    Position,
    ScanLimitError,
    decode_cursor,
    encode_cursor,
    fingerprint,
    merge,
    upstream_page_size,
)
from gateway.sources import Source
from gateway.types.pagination import connection
from providers import models as m
from providers import registry
from providers.base import FILTER_FIELDS

from . import prefetch

if TYPE_CHECKING:
    from gateway.context import GatewayContext, Info
    from gateway.types.inputs import RecordingFilter
    from gateway.types.pagination import ConnectionValue

log = logging.getLogger("gateway.resolvers")

#: ``RecordingQuery`` field -> ``RecordingFilter`` field, for reports to clients.
FILTER_NAMES = {
    "provider_call_id": "callId",
    "provider_conference_id": "conferenceId",
    "created_after": "createdAfter",
    "created_before": "createdBefore",
    "min_duration_seconds": "minDurationSeconds",
    "statuses": "status",
}
assert set(FILTER_NAMES) == FILTER_FIELDS
V = TypeVar("V")


def account_global_id(account: m.Account) -> str:
    return encode_id(
        "Account", account.provider, account.provider_account_id, account.provider_account_id
    )


def global_id(info: Info, type_name: str, obj: Any, native_id: str) -> str:
    account = info.context.source(obj.account_name).account
    return encode_id(type_name, account.provider, account.provider_account_id, native_id)


def source_of(ctx: GatewayContext, gid: GlobalId) -> Source | None:
    """The source an ID names, or ``None`` when this caller cannot see it: an account the
    gateway does not serve and another tenant's account answer alike (DESIGN §8). An ID
    of a provider that is not registered is malformed (``BAD_ID``)."""
    if gid.provider not in registry.names():
        raise InvalidIdError(f"ID names an unknown provider {gid.provider[:20]!r}")
    return ctx.visible_source(gid.provider, gid.provider_account_id)


def page_size(ctx: GatewayContext, first: int | None) -> int:
    server = ctx.server
    if first is None:
        return server.default_page_size
    if first < 0:
        raise InvalidArgumentError("`first` must not be negative")
    if first > server.max_page_size:
        raise InvalidArgumentError(
            f"`first` is {first}; the maximum page size is {server.max_page_size}"
        )
    return first


def _failures(merged_failures: Sequence[Any]) -> list[Any]:
    from gateway.types.pagination import ProviderFailure

    out = []
    for failure in merged_failures:
        source, error = failure.source, failure.error
        log.warning("source %s (%s) failed: %s %s", source.name, source.provider, error.code, error)
        out.append(
            ProviderFailure(
                provider=source.provider,
                account_id=source.global_id,
                code=error.code,
                message=error.message,
                retry_after=getattr(error, "retry_after", None),
            )
        )
    return out


async def _paged(
    info: Info,
    kind: str,
    sources: list[Source],
    first: int | None,
    after: str | None,
    args: Any,
    *,
    query: m.RecordingQuery | None = None,
) -> ConnectionValue[Any]:
    ctx = info.context
    count = page_size(ctx, first)
    fp = fingerprint(kind, sources, [args, ctx.caller.identity])
    if after is not None:
        positions = decode_cursor(ctx.cursors, after, fp, sources)
    else:
        size = upstream_page_size(count)
        positions = {s.name: Position(None, size) for s in sources}

    natives: dict[str, m.RecordingQuery | None] = {}

    def native(source: Source) -> m.RecordingQuery | None:
        """What of ``query`` this source's vendor applies itself (once per source)."""
        if query is None:
            return None
        if source.name in natives:
            return natives[source.name]
        pushed = source.backend.native_filters
        given = {f for f in FILTER_FIELDS if getattr(query, f) is not None}
        if given:
            ctx.filter_pushdown[source.name] = {
                "upstream": sorted(FILTER_NAMES[f] for f in given & pushed),
                "gateway": sorted(FILTER_NAMES[f] for f in given - pushed),
            }
        found = natives[source.name] = dataclasses.replace(
            query,
            **{f.name: None for f in dataclasses.fields(query) if f.name not in pushed},
        )
        return found

    scan_cap = ctx.limits.enabled("max_scan_pages")
    pages_read: dict[str, int] = {}

    async def fetch(source: Source, request: m.PageRequest) -> m.Page[Any]:
        pushed = native(source)
        if query is not None and pushed != query:
            # The gateway filters this source's pages itself: how many it may read for
            # one page of results is capped (the cost the operation was admitted at).
            read = pages_read[source.name] = pages_read.get(source.name, 0) + 1
            if read > scan_cap:
                raise ScanLimitError(scan_cap)
        return await ctx.loaders.page(source, kind, pushed, request)

    merged = await merge(
        sources,
        positions,
        count,
        fetch,
        sort_key=_recording_key if kind == "recordings" else _no_key,
        keep=query.matches if query is not None else _keep_all,
    )
    page = connection(
        merged.items,
        lambda i: encode_cursor(ctx.cursors, fp, merged.state(i)),
        has_next=merged.has_next,
        has_previous=after is not None,
        failures=_failures(merged.failures),
    )
    loaded = _with_children(info, page)
    return await loaded if isawaitable(loaded) else loaded


def _recording_key(r: m.Recording) -> tuple[datetime, str, str, str]:
    return (r.created_at, r.provider, r.account_name, r.provider_recording_id)


def _no_key(_: Any) -> int:
    return 0


def _keep_all(_: Any) -> bool:
    return True


async def calls(info: Info, account_name: str, first: int | None, after: str | None) -> Any:
    return await _paged(info, "calls", [info.context.source(account_name)], first, after, None)


async def conferences(info: Info, account_name: str, first: int | None, after: str | None) -> Any:
    return await _paged(
        info, "conferences", [info.context.source(account_name)], first, after, None
    )


async def recordings(
    info: Info,
    first: int | None,
    after: str | None,
    filter: RecordingFilter | None,
    *,
    within: list[Source] | None = None,
) -> Any:
    ctx = info.context
    sources = within if within is not None else ctx.visible_sources()
    query, sources, args = recording_query(ctx, filter, sources)
    return await _paged(info, "recordings", sources, first, after, args, query=query)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def recording_query(
    ctx: GatewayContext, filter: RecordingFilter | None, sources: list[Source]
) -> tuple[m.RecordingQuery, list[Source], Any]:
    """Translate the GraphQL filter: IDs narrow the sources, the rest becomes a query."""
    if filter is None:
        return m.RecordingQuery(), sources, None
    if filter.providers is not None:
        wanted = {p.value for p in filter.providers}  # type: ignore[attr-defined]
        sources = [s for s in sources if s.provider in wanted]
    if filter.account_ids is not None:
        names = set()
        for raw in filter.account_ids:
            found = source_of(ctx, decode_id(raw, expected="Account"))
            if found is not None:
                names.add(found.name)
        sources = [s for s in sources if s.name in names]
    call_id = conference_id = None
    for maybe_id, type_name in ((filter.call_id, "Call"), (filter.conference_id, "Conference")):
        if maybe_id is None:
            continue
        gid = decode_id(maybe_id, expected=type_name)
        owner = source_of(ctx, gid)
        # Another tenant's call matches nothing, exactly like a call that does not exist.
        sources = [s for s in sources if owner is not None and s.name == owner.name]
        if type_name == "Call":
            call_id = gid.native_id
        else:
            conference_id = gid.native_id
    if filter.min_duration_seconds is not None and filter.min_duration_seconds < 0:
        raise InvalidArgumentError("`minDurationSeconds` must not be negative")
    query = m.RecordingQuery(
        provider_call_id=call_id,
        provider_conference_id=conference_id,
        created_after=_utc(filter.created_after),
        created_before=_utc(filter.created_before),
        min_duration_seconds=filter.min_duration_seconds,
        statuses=frozenset(filter.status) if filter.status is not None else None,
    )
    args = [
        call_id,
        conference_id,
        query.created_after.isoformat() if query.created_after else None,
        query.created_before.isoformat() if query.created_before else None,
        query.min_duration_seconds,
        sorted(s.value for s in query.statuses) if query.statuses is not None else None,
    ]
    return query, sources, args


def children_key(parent: m.Call | m.Conference, count: int, offset: int) -> ChildKey:
    """The loader key of a child page: one more than asked, to tell whether more follow."""
    return ChildKey(parent, offset + count + 1)


def child_recordings(
    info: Info,
    loader: DataLoader[Any, Any],
    parent: m.Call | m.Conference,
    first: int | None,
    after: str | None,
) -> ConnectionValue[m.Recording] | Awaitable[ConnectionValue[m.Recording]]:
    """A call's or conference's recordings: small lists, paged by offset.

    Synchronous when the parent page prefetched them (see :mod:`.prefetch`).
    """
    ctx = info.context
    count = page_size(ctx, first)
    offset = 0
    if after is not None:
        payload = ctx.cursors.decode(after)
        if not (
            isinstance(payload, dict)
            and payload.get("f") == _child_fingerprint(ctx, parent)
            and _is_count(payload.get("o"))
        ):
            raise InvalidCursorError("cursor was issued for a different connection")
        offset = payload["o"] + 1
    found = load_now(loader, children_key(parent, count, offset))
    if isawaitable(found):
        return _child_page_later(info, parent, found, offset, count)
    return _with_children(info, _child_page(info, parent, found, offset, count))


async def _child_page_later(
    info: Info,
    parent: m.Call | m.Conference,
    found: Awaitable[Sequence[m.Recording]],
    offset: int,
    count: int,
) -> ConnectionValue[m.Recording]:
    page = _with_children(info, _child_page(info, parent, await found, offset, count))
    return await page if isawaitable(page) else page


def _with_children(
    info: Info, page: ConnectionValue[V]
) -> ConnectionValue[V] | Awaitable[ConnectionValue[V]]:
    """``page``, once the children its nodes select are loaded (at once if none are)."""
    pending = prefetch.children(info, page.nodes)
    return page if pending is None else _after(pending, page)


async def _after(pending: Awaitable[None], page: ConnectionValue[V]) -> ConnectionValue[V]:
    await pending
    return page


def _child_page(
    info: Info,
    parent: m.Call | m.Conference,
    found: Sequence[m.Recording],
    offset: int,
    count: int,
) -> ConnectionValue[m.Recording]:
    ctx = info.context
    fp: list[str] = []

    def cursor_of(i: int) -> str:
        if not fp:
            fp.append(_child_fingerprint(ctx, parent))
        return ctx.cursors.encode({"f": fp[0], "o": offset + i})

    return connection(
        found[offset : offset + count],
        cursor_of,
        has_next=len(found) > offset + count,
        has_previous=offset > 0,
    )


def _child_fingerprint(ctx: GatewayContext, parent: m.Call | m.Conference) -> str:
    native_id = (
        parent.provider_call_id if isinstance(parent, m.Call) else parent.provider_conference_id
    )
    return fingerprint(
        "children",
        [ctx.source(parent.account_name)],
        [type(parent).__name__, native_id, ctx.caller.identity],
    )


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 100_000
