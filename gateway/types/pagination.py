"""Connections (Relay-style) with a ``failures`` list for sources that could not answer.

The Strawberry classes below declare the schema. What resolvers return is a
:class:`ConnectionValue`: graphql-core reads object fields with ``getattr`` and none of
these types implements an interface (so no ``is_type_of`` check applies), which lets
edges, start and end cursors be built only when a client selects them. Signing a cursor
costs an HMAC; a listing that asks for ``nodes { id }`` pays none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from .enums import Provider

NodeT = TypeVar("NodeT")
CursorOf = Callable[[int], str]


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="A source that could not answer; the rest of the data is there.")
class ProviderFailure:
    provider: Provider
    account_id: strawberry.ID
    code: str
    message: str
    retry_after: float | None = strawberry.field(
        default=None,
        description="Seconds before asking this source again is useful: its circuit breaker "
        "is open (UPSTREAM_UNAVAILABLE) or its rate limit is spent (UPSTREAM_RATE_LIMITED).",
    )


@strawberry.type
class Edge(Generic[NodeT]):
    node: NodeT
    cursor: str


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    nodes: list[NodeT]
    page_info: PageInfo
    failures: list[ProviderFailure]


class EdgeValue(Generic[NodeT]):
    __slots__ = ("_cursor_of", "_index", "node")

    def __init__(self, node: NodeT, index: int, cursor_of: CursorOf) -> None:
        self.node = node
        self._index = index
        self._cursor_of = cursor_of

    @property
    def cursor(self) -> str:
        return self._cursor_of(self._index)


class PageInfoValue:
    __slots__ = ("_count", "_cursor_of", "has_next_page", "has_previous_page")

    def __init__(
        self, count: int, cursor_of: CursorOf, *, has_next: bool, has_previous: bool
    ) -> None:
        self._count = count
        self._cursor_of = cursor_of
        self.has_next_page = has_next
        self.has_previous_page = has_previous

    @property
    def start_cursor(self) -> str | None:
        return self._cursor_of(0) if self._count else None

    @property
    def end_cursor(self) -> str | None:
        return self._cursor_of(self._count - 1) if self._count else None


class ConnectionValue(Generic[NodeT]):
    """A resolved page: the fields of :class:`Connection`, cursors signed on demand."""

    __slots__ = ("_cursor_of", "failures", "nodes", "page_info")

    def __init__(
        self,
        nodes: list[NodeT],
        cursor_of: CursorOf,
        page_info: PageInfoValue,
        failures: list[ProviderFailure],
    ) -> None:
        self.nodes = nodes
        self._cursor_of = cursor_of
        self.page_info = page_info
        self.failures = failures

    @property
    def edges(self) -> list[EdgeValue[NodeT]]:
        cursor_of = self._cursor_of
        return [EdgeValue(node, i, cursor_of) for i, node in enumerate(self.nodes)]


def connection(
    nodes: Sequence[NodeT],
    cursor_of: CursorOf,
    *,
    has_next: bool,
    has_previous: bool,
    failures: Sequence[ProviderFailure] = (),
) -> ConnectionValue[NodeT]:
    page_info = PageInfoValue(len(nodes), cursor_of, has_next=has_next, has_previous=has_previous)
    return ConnectionValue(list(nodes), cursor_of, page_info, list(failures))
