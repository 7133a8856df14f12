"""graphql-core's resolve-info helpers, without its per-operation reference cycle.

graphql-core builds ``GraphQLResolveInfoHelpers`` from the execution context's own bound
methods, so every execution context is a reference cycle, and everything it holds (the
request context, loaders, pages, domain objects) waits for the cycle collector instead of
going when the operation ends (``tests/gateway/test_request_lifetime.py``). These helpers
call through a weak reference instead; resolvers only run while the execution is alive.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Sequence
from typing import Any, Protocol

from graphql import GraphQLResolveInfoHelpers

__all__ = ["weak_resolve_helpers"]


class _Executes(Protocol):
    def gather_async_work(self, values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]: ...

    def track_async_work(self, values: Sequence[Any]) -> None: ...


def weak_resolve_helpers(execution: _Executes) -> GraphQLResolveInfoHelpers:
    ref = weakref.ref(execution)

    def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
        return _alive(ref).gather_async_work(values)

    def track(values: Sequence[Any]) -> None:
        _alive(ref).track_async_work(values)

    return GraphQLResolveInfoHelpers(gather=gather, track=track)


def _alive(ref: weakref.ReferenceType[_Executes]) -> _Executes:
    execution = ref()
    if execution is None:  # pragma: no cover - a resolver outlived its operation
        raise RuntimeError("the GraphQL operation has already finished")
    return execution
