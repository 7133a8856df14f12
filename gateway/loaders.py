"""Per-request DataLoaders: every upstream read of a GraphQL operation goes through here.

Keys carry the source name, so one batch function call fans out to one backend batch
method per source. Strawberry's DataLoader caches failures; :func:`load` evicts a failed
key so that a retry in the same operation asks the vendor again.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from functools import cached_property
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from providers.errors import UpstreamError
from providers.models import Call, Conference, Page, PageRequest, Recording, RecordingQuery

from .bulk_loads import BulkLoads
from .observability.observation import observe_batch
from .sources import Source, Sources

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

IdKey = tuple[str, str]  # (source name, native id)


class ChildKey:
    """A child page's loader key: the parent's source, the parent, and how many children.

    Hashed and compared by the parent's identity at its vendor (source, type, native id)
    and the count, with the hash computed once: a frozen dataclass parent would hash all
    of its fields at every lookup, and each of a page's parents is looked up several times.
    Two snapshots of one call within an operation therefore share one answer.
    """

    __slots__ = ("_hash", "_identity", "count", "parent", "source")

    def __init__(self, parent: Call | Conference, count: int) -> None:
        native = (
            parent.provider_call_id if isinstance(parent, Call) else parent.provider_conference_id
        )
        self.source = parent.account_name
        self.parent = parent
        self.count = count
        self._identity = (self.source, type(parent).__name__, native, count)
        self._hash = hash(self._identity)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChildKey) and other._identity == self._identity

    def __repr__(self) -> str:
        return f"ChildKey{self._identity!r}"


async def load(loader: DataLoader[K, V], key: K) -> V:
    future = loader.load(key)
    try:
        return await future
    except Exception:
        _forget(loader, key, future)
        raise


def load_now(loader: DataLoader[K, V], key: K) -> V | Awaitable[V]:
    """``key``'s value, with no await when this operation already loaded it (a parent
    prefetched its page's children), else the awaitable :func:`load`.

    A resolver returning this instead of awaiting costs no coroutine per object.
    """
    future = loader.cache_map.get(key)
    if future is None or not future.done() or future.cancelled():
        return load(loader, key)
    error = future.exception()
    if error is not None:
        _forget(loader, key, future)
        raise error
    return future.result()


def _forget(loader: DataLoader[K, V], key: K, failed: Awaitable[V]) -> None:
    """Evict a failed key so a retry asks again; only once however many resolvers were
    waiting on it (the cache may already hold a newer attempt)."""
    if loader.cache_map.get(key) is failed:
        loader.clear(key)


def _grouped(
    kind: str,
    sources: Sources,
    fetch: Callable[[Source, list[Any]], Awaitable[Sequence[V]]],
    key_group: Callable[[Any], tuple[str, Any]],
    key_item: Callable[[Any], Any],
) -> Callable[[list[Any]], Awaitable[list[V | BaseException]]]:
    """Batch function: group keys by (source, extra), one backend call per group."""

    async def batch(keys: list[Any]) -> list[V | BaseException]:
        groups: dict[tuple[str, Any], list[int]] = defaultdict(list)
        for index, key in enumerate(keys):
            groups[key_group(key)].append(index)
        results: list[V | BaseException] = [LookupError("unresolved")] * len(keys)

        async def run(group: tuple[str, Any], indexes: list[int]) -> None:
            source = sources.by_name(group[0])
            try:
                if source is None:
                    raise LookupError(f"unknown source {group[0]!r}")
                found, items = source, [key_item(keys[i]) for i in indexes]
                # Breaker, single-flight and deadline (gateway.resilience.upstream).
                values = await sources.upstream.call(
                    source,
                    (kind, group[1], tuple(items)),
                    lambda: observe_batch(
                        kind, found.provider, found.name, len(items), fetch(found, items)
                    ),
                )
            except Exception as exc:
                if isinstance(exc, UpstreamError):
                    sources.record(group[0], ok=False, error=exc)
                for i in indexes:
                    results[i] = exc
                return
            sources.record(group[0], ok=True)
            for i, value in zip(indexes, values, strict=True):
                results[i] = value

        await asyncio.gather(*(run(g, idx) for g, idx in groups.items()))
        return results

    return batch


def _hinted(
    hints: dict[IdKey, list[Recording]],
    source: Source,
    ids: list[str],
    spent: set[str],
    batch: Callable[[list[Recording]], Awaitable[Sequence[V]]] | None,
) -> Awaitable[list[V]] | None:
    """The backend's ``*_for_recordings`` answer for ``ids`` (one per id), or ``None``
    (read them by id) unless every id was named by a page's recordings.

    Once per source and operation: a later batch (another page of the same operation)
    reads by id, so that an operation sends at most one listing per source and kind,
    which is what :mod:`gateway.limits.cost` prices (``RequestCosts.recording_lookups``)."""
    if batch is None or source.name in spent:
        return None
    recordings: list[Recording] = []
    firsts: list[int] = []
    for ident in ids:
        named = hints.get((source.name, ident))
        if not named:
            return None
        firsts.append(len(recordings))
        recordings.extend(named)
    spent.add(source.name)

    async def answer() -> list[V]:
        got = await batch(recordings)
        return [got[i] for i in firsts]

    return answer()


class Loaders:
    """Fresh for each request, never shared (data must not leak between callers)."""

    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        #: A page's keys as one job (:mod:`gateway.bulk_loads`): how parents load children.
        self.bulk = BulkLoads()
        self._pages: dict[tuple[Any, ...], asyncio.Future[Page[Any]]] = {}
        #: The recording that names each call or conference about to be loaded, when a
        #: page of recordings asks for them (:meth:`hint`): the batch then goes to the
        #: backend's ``*_for_recordings``, which may read the page's calls from a listing
        #: over the page's time window instead of one request per id.
        self.call_hints: dict[IdKey, list[Recording]] = {}
        self.conference_hints: dict[IdKey, list[Recording]] = {}

    def hint(self, kind: str, recordings: Iterable[Recording]) -> list[IdKey]:
        """Register ``recordings`` as naming their calls (``kind`` ``"call"``) or
        conferences, and return the keys to load (one per recording). Every recording
        is kept: the earliest bounds the listing's window on one side, the latest on
        the other."""
        hints = self.call_hints if kind == "call" else self.conference_hints
        attribute = "provider_call_id" if kind == "call" else "provider_conference_id"
        keys: list[IdKey] = []
        for recording in recordings:
            ident = getattr(recording, attribute)
            if ident:
                key = (recording.account_name, ident)
                keys.append(key)
                hints.setdefault(key, []).append(recording)
        return keys

    # Built on first use: most operations need one or two of them, and every request
    # builds a Loaders.
    @cached_property
    def recording(self) -> DataLoader[IdKey, Recording | None]:
        return DataLoader(self._by_id("recording", lambda s, ids: s.backend.get_recordings(ids)))

    @cached_property
    def call(self) -> DataLoader[IdKey, Call | None]:
        hints = self.call_hints  # not ``self``: a loader must not keep its Loaders alive
        spent: set[str] = set()

        def fetch(source: Source, ids: list[str]) -> Awaitable[Sequence[Call | None]]:
            backend = source.backend
            batch = getattr(backend, "calls_for_recordings", None)
            listed = _hinted(hints, source, ids, spent, batch)
            return backend.get_calls(ids) if listed is None else listed

        return DataLoader(self._lookups("call", hints, fetch))

    @cached_property
    def conference(self) -> DataLoader[IdKey, Conference | None]:
        hints = self.conference_hints
        spent: set[str] = set()

        def fetch(source: Source, ids: list[str]) -> Awaitable[Sequence[Conference | None]]:
            backend = source.backend
            batch = getattr(backend, "conferences_for_recordings", None)
            listed = _hinted(hints, source, ids, spent, batch)
            return backend.get_conferences(ids) if listed is None else listed

        return DataLoader(self._lookups("conference", hints, fetch))

    @cached_property
    def call_recordings(self) -> DataLoader[ChildKey, Sequence[Recording]]:
        return DataLoader(
            self._children(
                "call_recordings", lambda s, calls, n: s.backend.recordings_by_call(calls, n)
            )
        )

    @cached_property
    def conference_recordings(self) -> DataLoader[ChildKey, Sequence[Recording]]:
        return DataLoader(
            self._children(
                "conference_recordings",
                lambda s, confs, n: s.backend.recordings_by_conference(confs, n),
            )
        )

    def _by_id(
        self, kind: str, fetch: Callable[[Source, list[str]], Awaitable[Sequence[V]]]
    ) -> Callable[[list[IdKey]], Awaitable[list[V | BaseException]]]:
        return _grouped(kind, self.sources, fetch, lambda key: (key[0], None), lambda key: key[1])

    def _lookups(
        self,
        kind: str,
        hints: dict[IdKey, list[Recording]],
        fetch: Callable[[Source, list[str]], Awaitable[Sequence[V]]],
    ) -> Callable[[list[IdKey]], Awaitable[list[V | BaseException]]]:
        """By-id batches, split per source into the ids a page of recordings named
        (hinted: one ``*_for_recordings`` call) and the others (one ``get_*`` call)."""
        return _grouped(
            kind,
            self.sources,
            fetch,
            lambda key: (key[0], "listed" if key in hints else None),
            lambda key: key[1],
        )

    def _children(
        self,
        kind: str,
        fetch: Callable[[Source, list[Any], int], Awaitable[Sequence[Sequence[Recording]]]],
    ) -> Callable[[list[ChildKey]], Awaitable[list[Sequence[Recording] | BaseException]]]:
        """One backend call per source for all parents, asking for the largest count any
        key wants and trimming each answer to its own count."""
        sources = self.sources  # not ``self``: a loader must not keep its Loaders alive

        async def batch(keys: list[ChildKey]) -> list[Sequence[Recording] | BaseException]:
            wanted: dict[str, int] = {}
            for key in keys:
                wanted[key.source] = max(wanted.get(key.source, 0), key.count)
            inner = _grouped(
                kind,
                sources,
                lambda s, parents: fetch(s, parents, wanted[s.name]),
                lambda key: (key.source, wanted[key.source]),
                lambda key: key.parent,
            )
            results = await inner(keys)
            return [
                r if isinstance(r, BaseException) else list(r)[: key.count]
                for r, key in zip(results, keys, strict=True)
            ]

        return batch

    def cancel(self) -> None:
        """Stop the listings still in flight: the operation ended (its client went away,
        or it finished while a page it no longer needs was loading)."""
        for future in self._pages.values():
            future.cancel()

    async def page(
        self,
        source: Source,
        kind: str,
        query: RecordingQuery | None,
        request: PageRequest,
    ) -> Page[Any]:
        """One upstream listing page, fetched at most once per operation."""
        key = (source.name, kind, query, request)
        future = self._pages.get(key)
        if future is None:
            future = asyncio.ensure_future(self._fetch_page(source, kind, query, request))
            self._pages[key] = future
        try:
            return await asyncio.shield(future)
        except Exception:
            if self._pages.get(key) is future:
                del self._pages[key]
            raise

    async def _fetch_page(
        self, source: Source, kind: str, query: RecordingQuery | None, request: PageRequest
    ) -> Page[Any]:
        try:
            page = await self.sources.upstream.call(
                source,
                (kind, query, request),
                lambda: observe_batch(
                    kind,
                    source.provider,
                    source.name,
                    None,
                    self._list(source, kind, query, request),
                ),
            )
        except UpstreamError as exc:
            self.sources.record(source.name, ok=False, error=exc)
            raise
        self.sources.record(source.name, ok=True)
        return page

    @staticmethod
    async def _list(
        source: Source, kind: str, query: RecordingQuery | None, request: PageRequest
    ) -> Page[Any]:
        backend = source.backend
        if kind == "recordings":
            return await backend.list_recordings(query or RecordingQuery(), request)
        if kind == "calls":
            return await backend.list_calls(request)
        if kind == "conferences":
            return await backend.list_conferences(request)
        raise ValueError(kind)
