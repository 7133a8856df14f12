"""A page's keys loaded as one job: what ``DataLoader.load`` once per key does, for the
50 parents of a page, at a fraction of its cost.

Why: a page of 50 calls whose nodes select ``recordings`` used to call ``load`` 50 times:
a future, a batch entry and a done-callback per key, a dispatch that sets each result,
then a ``gather`` over the 50 futures (about 3 us a key). Here the page puts one pending
future per key into the loader's own cache at once, so that any ``load`` of those keys
(from this page, or from anywhere else in the operation) waits for this job exactly as it
would wait for the loader's batch, and hands *one* job to a DataLoader of jobs. The jobs
of one event-loop tick are batched together: 50 child pages resolved in one tick still
make one call of the loader's batch function (one request per source), as their 2,500
``load`` calls would have. Results and failures land in the same futures, where
:func:`gateway.loaders.load_now` finds them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.exceptions import WrongNumberOfResultsReturned

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

__all__ = ["BulkLoads"]


class _Job:
    """One page's keys and their pending futures (compared by identity)."""

    __slots__ = ("futures",)

    def __init__(self, futures: dict[Any, asyncio.Future[Any]]) -> None:
        self.futures = futures


class BulkLoads:
    """One DataLoader of jobs per target loader, for one operation."""

    def __init__(self) -> None:
        self._runners: dict[int, tuple[DataLoader[Any, Any], DataLoader[_Job, None]]] = {}

    def load(self, loader: DataLoader[K, V], keys: Iterable[K]) -> Awaitable[None] | None:
        """Start loading every key not already loaded or in flight; ``None`` when there
        is none. The awaitable never raises for a key's failure: that is kept in the
        key's future, for whoever reads the key to report at its own path."""
        cache = loader.cache_map
        create = loader.loop.create_future
        futures: dict[Any, asyncio.Future[Any]] = {}
        for key in keys:
            if key in futures:
                continue
            known = cache.get(key)
            if known is not None and not known.cancelled():
                continue
            future = futures[key] = create()
            cache.set(key, future)
        if not futures:
            return None
        found = self._runners.get(id(loader))
        if found is None:
            # The target loader is kept with its runner: its id stays unique meanwhile.
            found = self._runners[id(loader)] = (loader, DataLoader(_run(loader), cache=False))
        return found[1].load(_Job(futures))


def _run(loader: DataLoader[Any, Any]) -> Callable[[list[_Job]], Awaitable[list[None]]]:
    load_fn = loader.load_fn

    async def run(jobs: list[_Job]) -> list[None]:
        pending = [item for job in jobs for item in job.futures.items()]
        keys = [key for key, _ in pending]
        try:
            values = list(await load_fn(keys))
            if len(values) != len(keys):
                raise WrongNumberOfResultsReturned(expected=len(keys), received=len(values))
        except Exception as error:
            values = [error] * len(keys)
        except BaseException:
            # Cancelled: a later load of these keys starts afresh (``load`` and
            # ``load_now`` skip a cancelled future).
            for _, future in pending:
                future.cancel()
            raise
        for (_, future), value in zip(pending, values, strict=True):
            if future.done():
                continue
            if isinstance(value, BaseException):
                future.set_exception(value)
            else:
                future.set_result(value)
        return [None] * len(jobs)

    return run
