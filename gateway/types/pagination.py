"""Connections (Relay-style) with a ``failures`` list for sources that could not answer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from .enums import Provider

NodeT = TypeVar("NodeT")


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


@strawberry.type
class Edge(Generic[NodeT]):
    node: NodeT
    cursor: str


@strawberry.type
class Connection(Generic[NodeT]):
    nodes: list[NodeT]
    page_info: PageInfo
    failures: list[ProviderFailure]
    _cursor_of: strawberry.Private[Callable[[int], str]]

    @strawberry.field
    def edges(self) -> list[Edge[NodeT]]:
        return [Edge(node=node, cursor=self._cursor_of(i)) for i, node in enumerate(self.nodes)]


def connection(
    nodes: Sequence[NodeT],
    cursor_of: Callable[[int], str],
    *,
    has_next: bool,
    has_previous: bool,
    failures: Sequence[ProviderFailure] = (),
) -> Connection[NodeT]:
    return Connection(
        nodes=list(nodes),
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=has_previous,
            start_cursor=cursor_of(0) if nodes else None,
            end_cursor=cursor_of(len(nodes) - 1) if nodes else None,
        ),
        failures=list(failures),
        _cursor_of=cursor_of,
    )
