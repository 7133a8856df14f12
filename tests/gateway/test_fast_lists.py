"""List items of a planned object type go straight to their plan
(``FastExecutionContext.complete_list_item_value``), and answer exactly as the stock
executor does: odd items (``None``, exceptions, values of another type), stock fields
that are async or fail, and null propagation out of non-null items."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.execution import FastExecutionContext
from tests.gateway.test_fast_path import (
    FAST,
    PROBE_FAST,
    PROBE_STOCK,
    RECORDING_LEAVES,
    Env,
    _Accounts,
    _dump,
    _env,
    recordings,
)


@settings(max_examples=150, deadline=None)
@given(
    items=st.lists(
        st.one_of(recordings, recordings, st.none(), st.just(ValueError("item")), st.integers()),
        max_size=5,
    ),
    root=st.sampled_from(["strict", "loose"]),
    selection=st.sampled_from(["id", "__typename status", RECORDING_LEAVES, "createdAt id"]),
)
def test_odd_list_items_match_stock(items: list[Any], root: str, selection: str) -> None:
    query = f"{{ {root} {{ {selection} }} }}"
    context = SimpleNamespace(items=items, source=_Accounts().source)
    stock = _dump(PROBE_STOCK.execute_sync(query, context_value=context))
    assert _dump(PROBE_FAST.execute_sync(query, context_value=context)) == stock


@strawberry.type
class Row:
    n: int

    @strawberry.field
    async def later(self) -> int:
        if self.n % 3 == 2:
            raise ValueError(f"no later for {self.n}")
        return self.n * 10

    @strawberry.field
    async def maybe_later(self) -> int | None:
        if self.n % 3 == 2:
            raise ValueError(f"no maybe for {self.n}")
        return self.n


@strawberry.type
class Rows:
    @strawberry.field
    def rows(self, count: int) -> list[Row]:
        return [Row(n=i) for i in range(count)]

    @strawberry.field
    def loose_rows(self, count: int) -> list[Row | None]:
        return [Row(n=i) for i in range(count)]


ROWS_FAST = strawberry.Schema(query=Rows, execution_context_class=FastExecutionContext)
ROWS_STOCK = strawberry.Schema(query=Rows)


@pytest.mark.parametrize(
    "query",
    [
        "{ rows(count: 2) { n later } }",
        "{ rows(count: 4) { n later } }",
        "{ looseRows(count: 4) { n later } }",
        "{ rows(count: 5) { n maybeLater } }",
        "{ looseRows(count: 5) { maybeLater n later } }",
    ],
)
async def test_async_stock_fields_in_planned_items_match_stock(query: str) -> None:
    stock = _dump(await ROWS_STOCK.execute(query))
    assert _dump(await ROWS_FAST.execute(query)) == stock


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    async for value in _env(20):
        yield value


async def test_listed_recordings_skip_the_stock_object_completion(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    completed: list[str] = []
    original = FastExecutionContext.complete_object_value

    def spy(self: FastExecutionContext, return_type: Any, *args: Any) -> Any:
        completed.append(return_type.name)
        return original(self, return_type, *args)

    monkeypatch.setattr(FastExecutionContext, "complete_object_value", spy)
    answer = await env.run(FAST, "{ recordings(first: 5) { nodes { id status } } }")
    assert b'"errors":null' in answer
    assert answer.count(b'"status"') == 5
    assert completed == ["RecordingConnection"]
