"""Helpers backends use to serve batch methods."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from .errors import NotFoundError

K = TypeVar("K")
V = TypeVar("V")


async def gather_bounded(
    keys: Sequence[K], fetch: Callable[[K], Awaitable[V]], *, limit: int
) -> list[V]:
    """``fetch`` every distinct key with at most ``limit`` requests in flight; results
    follow ``keys`` (duplicates share one request). The first failure cancels the
    requests still running and propagates as itself (not as an exception group)."""
    semaphore = asyncio.Semaphore(limit)
    distinct = list(dict.fromkeys(keys))

    async def one(key: K) -> V:
        async with semaphore:
            return await fetch(key)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(key)) for key in distinct]
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from None
    by_key = {key: task.result() for key, task in zip(distinct, tasks, strict=True)}
    return [by_key[key] for key in keys]


async def none_if_missing(awaitable: Awaitable[V]) -> V | None:
    try:
        return await awaitable
    except NotFoundError:
        return None
