"""Bulk deletes: the one code path of the ``deleteRecordings`` mutation and of
``recgw retention``.

A run handles at most ``limit`` recordings (default 100, at most 500), chosen either by
global ID or by a ``RecordingFilter``. A filter is scanned with the read path's own
listing (``connections.recording_query`` to translate it, ``paging.merge`` over the
request's page loader, newest first), reading at most :data:`MAX_SCAN_PAGES` upstream
pages per account. So one run's upstream work is bounded by
``accounts x MAX_SCAN_PAGES`` listing pages plus ``limit`` deletes (plus, for a dry run
by IDs, the batched by-ID reads of at most ``limit`` recordings).

Deletes run with at most :data:`DELETE_CONCURRENCY` in flight per vendor, are never
retried, and are idempotent: a recording that is already gone counts as ``already_gone``,
so a run can simply be repeated (resumed) until ``has_more`` is false.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from providers.base import Capability
from providers.errors import NotFoundError, ProviderError, UnsupportedError
from providers.models import PageRequest, Recording, RecordingQuery

from .errors import GatewayError, InvalidIdError
from .ids import decode_id, encode_id
from .loaders import load
from .paging import Position, SourceFailure, merge, upstream_page_size
from .resolvers import connections

if TYPE_CHECKING:
    from .context import GatewayContext
    from .sources import Source
    from .types.inputs import RecordingFilter

log = logging.getLogger("gateway.retention")

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
#: Upstream listing pages one run may read per account while looking for matches.
MAX_SCAN_PAGES = 5
#: Deletes in flight at once per vendor.
DELETE_CONCURRENCY = 4

#: Called after each recording is handled: (global ID, "deleted" | "already_gone" |
#: "failed" | "would_delete").
Progress = Callable[[str, str], None]


class RetentionInputError(Exception):
    """A refused input: ``field`` names it (``ids[3]``, ``limit``, ``filter``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class ScanLimitError(ProviderError):
    """An account's scan read :data:`MAX_SCAN_PAGES` pages without finishing."""

    code = "SCAN_LIMIT"


@dataclass(frozen=True, slots=True)
class Target:
    source: Source
    recording_id: str
    global_id: str


@dataclass(slots=True)
class RetentionResult:
    dry_run: bool
    #: Deleted, or (dry run) would be deleted.
    deleted: list[Target] = field(default_factory=list)
    already_gone: list[str] = field(default_factory=list)
    failed: list[tuple[Target, ProviderError]] = field(default_factory=list)
    #: Accounts whose listing failed or whose scan stopped at its bound.
    failures: list[SourceFailure] = field(default_factory=list)
    has_more: bool = False
    #: Recordings this run handled, as far as known (for the audit log).
    recordings: list[Recording] = field(default_factory=list)

    @property
    def matched(self) -> int:
        return len(self.deleted) + len(self.already_gone) + len(self.failed)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.failures


def effective_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise RetentionInputError("limit", f"`limit` must be between 1 and {MAX_LIMIT}")
    return limit


async def delete_recordings(
    ctx: GatewayContext,
    *,
    ids: Sequence[str] | None = None,
    filter: RecordingFilter | None = None,
    dry_run: bool = True,
    limit: int | None = None,
    progress: Progress | None = None,
) -> RetentionResult:
    """Delete (or, with ``dry_run``, list) recordings by ``ids`` or by ``filter``.

    Raises :class:`RetentionInputError` for refused input, before any upstream request.
    """
    if (ids is None) == (filter is None):
        raise RetentionInputError("input", "give exactly one of `ids` or `filter`")
    count = effective_limit(limit)
    result = RetentionResult(dry_run=dry_run)
    if ids is not None:
        targets = _by_ids(ctx, ids, count, result)
        if dry_run:
            await _check_exist(ctx, targets, result, progress)
            return result
    else:
        targets = await _scan(ctx, filter, count, result)
        if dry_run:
            result.deleted = targets
            for target in targets:
                if progress is not None:
                    progress(target.global_id, "would_delete")
            return result
    await _delete_all(targets, result, progress, ctx.sources.upstream.wrote)
    return result


def _by_ids(
    ctx: GatewayContext, ids: Sequence[str], count: int, result: RetentionResult
) -> list[Target]:
    if len(ids) > MAX_LIMIT:
        raise RetentionInputError("ids", f"`ids` takes at most {MAX_LIMIT} IDs, got {len(ids)}")
    targets: list[Target] = []
    seen: set[str] = set()
    for index, raw in enumerate(ids):
        try:
            gid = decode_id(raw, expected="Recording")
        except InvalidIdError as exc:
            raise RetentionInputError(f"ids[{index}]", exc.message) from None
        if raw in seen:
            continue
        seen.add(raw)
        if len(targets) + len(result.already_gone) >= count:
            result.has_more = True
            break
        source = ctx.visible_source(gid.provider, gid.provider_account_id)
        if source is None:  # unknown or another tenant's: both answer "already gone"
            result.already_gone.append(raw)
            continue
        targets.append(Target(source, gid.native_id, raw))
    return targets


async def _check_exist(
    ctx: GatewayContext, targets: list[Target], result: RetentionResult, progress: Progress | None
) -> None:
    """Dry run by IDs: which of them exist now (batched by-ID reads)."""

    async def one(target: Target) -> None:
        try:
            found = await load(ctx.loaders.recording, (target.source.name, target.recording_id))
        except ProviderError as exc:
            result.failed.append((target, exc))
            outcome = "failed"
        else:
            if found is None:
                result.already_gone.append(target.global_id)
                outcome = "already_gone"
            else:
                result.deleted.append(target)
                result.recordings.append(found)
                outcome = "would_delete"
        if progress is not None:
            progress(target.global_id, outcome)

    await asyncio.gather(*(one(t) for t in targets))


async def _scan(
    ctx: GatewayContext, filter: RecordingFilter | None, count: int, result: RetentionResult
) -> list[Target]:
    """The newest ``count`` recordings matching ``filter`` across the visible accounts."""
    try:
        query, sources, _ = connections.recording_query(ctx, filter, ctx.visible_sources())
    except GatewayError as exc:
        raise RetentionInputError("filter", exc.message) from None
    positions = {s.name: Position(None, upstream_page_size(count + 1)) for s in sources}
    pages_read: dict[str, int] = defaultdict(int)

    async def fetch(source: Source, request: PageRequest) -> Any:
        if pages_read[source.name] >= MAX_SCAN_PAGES:
            raise ScanLimitError(
                f"{source.name}: stopped after {MAX_SCAN_PAGES} pages without finishing "
                "(a filter the provider cannot apply itself?); run again after this batch, "
                "or narrow the filter",
                provider=source.provider,
            )
        pages_read[source.name] += 1
        return await ctx.loaders.page(source, "recordings", _native(source, query), request)

    merged = await merge(sources, positions, count + 1, fetch, sort_key=_key, keep=query.matches)
    result.failures = list(merged.failures)
    items: list[Recording] = merged.items
    result.has_more = len(items) > count or any(
        isinstance(f.error, ScanLimitError) for f in merged.failures
    )
    result.recordings = items[:count]
    targets = []
    for rec in items[:count]:
        source = ctx.source(rec.account_name)
        account = source.account
        gid = encode_id(
            "Recording", account.provider, account.provider_account_id, rec.provider_recording_id
        )
        targets.append(Target(source, rec.provider_recording_id, gid))
    return targets


def _native(source: Source, query: RecordingQuery) -> RecordingQuery:
    """What of ``query`` the vendor applies itself (as the read path asks it)."""
    pushed = source.backend.native_filters
    return dataclasses.replace(
        query, **{f.name: None for f in dataclasses.fields(query) if f.name not in pushed}
    )


def _key(r: Recording) -> tuple[datetime, str, str, str]:
    return (r.created_at, r.provider, r.account_name, r.provider_recording_id)


async def _delete_all(
    targets: list[Target],
    result: RetentionResult,
    progress: Progress | None,
    wrote: Callable[[str], None],
) -> None:
    """Delete each target once (never retried), ``DELETE_CONCURRENCY`` per vendor."""
    gates: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(DELETE_CONCURRENCY))

    async def one(target: Target) -> None:
        source = target.source
        outcome = "deleted"
        async with gates[source.provider]:
            try:
                if Capability.DELETE_RECORDING not in source.backend.capabilities:
                    raise UnsupportedError(
                        f"{source.provider} cannot delete recordings",
                        provider=source.provider,
                        capability="delete_recording",
                    )
                await source.backend.delete_recording(target.recording_id)
            except NotFoundError:
                outcome = "already_gone"
            except ProviderError as exc:
                outcome = "failed"
                result.failed.append((target, exc))
            finally:
                wrote(source.name)  # later reads never join one from before the delete
        if outcome == "deleted":
            result.deleted.append(target)
        elif outcome == "already_gone":
            result.already_gone.append(target.global_id)
        if progress is not None:
            progress(target.global_id, outcome)

    await asyncio.gather(*(one(t) for t in targets))
    order = {t.global_id: i for i, t in enumerate(targets)}
    result.deleted.sort(key=lambda t: order[t.global_id])
    result.failed.sort(key=lambda f: order[f[0].global_id])
    result.already_gone.sort(key=lambda g: order.get(g, -1))
