"""Connections below planned objects answer exactly as the stock executor does.

``FastExecutionContext`` plans object attributes (``Edge.node``, ``pageInfo``), list
attributes (``nodes``, ``edges``, ``failures``: ``LIST`` entries) and the child
connections ``Call.recordings`` / ``Conference.recordings`` with their arguments
converted once per place in the document. Held to the stock executor here: over the
simulators (arguments from literals and variables, aliases, resumed and forged child
cursors, bad page sizes, vendor failures), and with a probe whose attributes hold every
odd value a list or object attribute can hold (``None``, tuples, exceptions, items of
another type, items whose fields fail or settle later)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.execution import FastExecutionContext
from gateway.types.recording import Recording
from providers import models as m
from providers._sim import FaultKind
from tests.gateway.test_fast_lists import Row
from tests.gateway.test_fast_objects import stock_fields
from tests.gateway.test_fast_path import (
    CALL_LEAVES,
    CONFERENCE_LEAVES,
    FAST,
    Env,
    _Accounts,
    _dump,
    _env,
    recordings,
)


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    async for value in _env(30):
        yield value


TRAVERSE = """{ accounts { calls(first: 20) { edges { cursor node { id
    recordings(first: 3) { edges { cursor node { id } } nodes { id status }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor } failures { code } } } }
    pageInfo { hasNextPage endCursor } } } }"""

CORPUS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "traverse with edges, cursors and pageInfo at both levels": (TRAVERSE, None),
    "child page sizes from variables, aliased side by side": (
        """query ($one: Int!, $many: Int) { accounts { calls(first: 15) { nodes {
            a: recordings(first: $one) { nodes { id } pageInfo { hasNextPage } }
            b: recordings(first: $many) { nodes { id createdAt } }
            c: recordings { nodes { id } } } } } }""",
        {"one": 1, "many": 4},
    ),
    "a null variable and a missing one take the default page size": (
        """query ($n: Int) { accounts { conferences(first: 10) { nodes {
            recordings(first: $n) { nodes { id } } } } } }""",
        {"n": None},
    ),
    "conference children, fragments, include and skip": (
        f"""query ($yes: Boolean!) {{ accounts {{ conferences(first: 10) {{ nodes {{
            {CONFERENCE_LEAVES} ...K recordings(first: 2) @include(if: $yes) {{ nodes {{ id }} }}
            skipped: recordings(first: 5) @skip(if: $yes) {{ nodes {{ id }} }} }} }} }} }}
        fragment K on Conference {{ recordings(first: 2) {{ edges {{ node {{ status }} }} }} }}""",
        {"yes": True},
    ),
    "children of children": (
        f"""{{ accounts {{ calls(first: 8) {{ nodes {{ recordings(first: 2) {{ nodes {{ id
            call {{ {CALL_LEAVES} recordings(first: 1) {{ nodes {{ id }} }} }} }} }} }} }} }} }}""",
        None,
    ),
}


@pytest.mark.parametrize("name", list(CORPUS))
async def test_children_corpus_matches_stock(env: Env, name: str) -> None:
    query, variables = CORPUS[name]
    answer = await env.both(query, variables)
    assert answer["data"] is not None


async def test_bad_child_arguments_match_stock(env: Env) -> None:
    """Bad page sizes and a forged cursor, reported at each call's own path (through
    ``nodes``, whose items are nullable, so that every error stays in the answer rather
    than the first one to arrive)."""
    listing = await env.both("{ accounts { calls(first: 3) { nodes { id } } } }")
    ids = [c["id"] for a in listing["data"]["accounts"] for c in a["calls"]["nodes"]]
    answer = await env.both(
        """query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Call { id
            neg: recordings(first: -1) { nodes { id } }
            big: recordings(first: 100000) { nodes { id } } ok: recordings { nodes { id } }
            forged: recordings(first: 1, after: "forged") { nodes { id } } } } }""",
        {"ids": ids},
    )
    assert len(answer["errors"]) == len(ids)
    assert answer["data"]["nodes"] == [None] * len(ids)


async def test_resumed_child_pages_match_stock(env: Env) -> None:
    """A child cursor from the first answer resumes that call's recordings, both ways."""
    first = await env.both(
        """{ accounts { calls(first: 20) { nodes { id recordings(first: 1) {
            pageInfo { hasNextPage endCursor } } } } } }"""
    )
    resumable = [
        call
        for account in first["data"]["accounts"]
        for call in account["calls"]["nodes"]
        if call["recordings"]["pageInfo"]["hasNextPage"]
    ]
    assert resumable, "the simulators' seed has calls with more than one recording"
    cursor = resumable[0]["recordings"]["pageInfo"]["endCursor"]
    resumed = await env.both(
        """query ($after: String) { accounts { calls(first: 20) { nodes { id
            recordings(first: 1, after: $after) { nodes { id } } } } } }""",
        {"after": cursor},
    )
    assert resumed["errors"], "the cursor belongs to one call only: the others refuse it"


@pytest.mark.parametrize("fault", [FaultKind.GARBAGE, FaultKind.WRONG_SHAPE])
async def test_vendor_failures_under_children_match_stock(env: Env, fault: FaultKind) -> None:
    env.servers["kazoo"].simulator.faults.outage = fault
    await env.both(TRAVERSE)


async def test_traverse_takes_the_plan_below_the_calls(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Below ``Account.calls`` (an async resolver, stock) nothing reaches the stock
    ``execute_field``: edges, nodes, child connections and their arguments are planned."""
    seen = stock_fields(monkeypatch)
    answer = await env.run(FAST, TRAVERSE)
    assert b'"errors":null' in answer
    assert answer.count(b'"cursor"') > 20
    assert sorted(set(seen)) == ["Account.calls", "Query.accounts"]


# -- a probe: list and object attributes holding odd values --------------------------------


@strawberry.type
class Shelf:
    rows: list[Row]
    loose_rows: list[Row | None]
    maybe_rows: list[Row] | None
    row: Row
    maybe_row: Row | None
    recordings: list[Recording]


@strawberry.type
class ShelfQuery:
    @strawberry.field
    def shelves(self, info: strawberry.Info) -> list[Shelf]:
        return info.context.shelves  # type: ignore[no-any-return]

    @strawberry.field
    def loose_shelves(self, info: strawberry.Info) -> list[Shelf | None]:
        return info.context.shelves  # type: ignore[no-any-return]


SHELF_FAST = strawberry.Schema(query=ShelfQuery, execution_context_class=FastExecutionContext)
SHELF_STOCK = strawberry.Schema(query=ShelfQuery)

rows = st.builds(Row, n=st.integers(0, 5))  # n % 3 == 2: its async fields fail
items = st.one_of(rows, rows, rows, st.none(), st.just(ValueError("item")), st.integers())
held = st.one_of(
    st.lists(items, max_size=4),
    st.lists(rows, max_size=3),
    st.lists(items, max_size=3).map(tuple),  # an iterable that is not a list
    st.none(),
    st.just(ValueError("held")),
    rows,
)
shelves = st.builds(
    SimpleNamespace,
    rows=held,
    loose_rows=held,
    maybe_rows=held,
    row=st.one_of(rows, st.none(), st.just(ValueError("row")), st.integers()),
    maybe_row=st.one_of(rows, st.none(), st.lists(rows, max_size=1)),
    recordings=st.one_of(
        st.lists(st.one_of(recordings, st.just(m.Call("kazoo", "main", "c1"))), max_size=3),
        st.lists(recordings, max_size=3),
    ),
)
SELECTIONS = ["n", "n later", "maybeLater n", "__typename later n"]
FIELDS = ["rows", "looseRows", "maybeRows", "row", "maybeRow"]


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(shelves, max_size=3),
    root=st.sampled_from(["shelves", "looseShelves"]),
    fields=st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3, unique=True),
    selection=st.sampled_from(SELECTIONS),
    with_recordings=st.booleans(),
)
def test_odd_attribute_values_match_stock(
    values: list[Any], root: str, fields: list[str], selection: str, with_recordings: bool
) -> None:
    inner = " ".join(f"{name} {{ {selection} }}" for name in fields)
    if with_recordings:
        inner += " recordings { id status }"
    query = f"{{ {root} {{ {inner} }} }}"
    loop = asyncio.new_event_loop()
    try:
        stock, fast = loop.run_until_complete(_both(query, values))
    finally:
        loop.close()
    assert fast == stock


async def _both(query: str, values: list[Any]) -> tuple[bytes, bytes]:
    """Stock then fast; then whatever either left settling in the background."""
    context = SimpleNamespace(shelves=values, source=_Accounts().source)
    answers = [
        _dump(await schema.execute(query, context_value=context))
        for schema in (SHELF_STOCK, SHELF_FAST)
    ]
    others = asyncio.all_tasks() - {asyncio.current_task()}
    await asyncio.gather(*others, return_exceptions=True)
    return answers[0], answers[1]


async def test_plain_attribute_lists_take_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    completed: list[str] = []
    original = FastExecutionContext.complete_value

    def spy(self: FastExecutionContext, return_type: Any, *args: Any) -> Any:
        completed.append(str(return_type))
        return original(self, return_type, *args)

    monkeypatch.setattr(FastExecutionContext, "complete_value", spy)
    shelf = SimpleNamespace(
        rows=[Row(n=0), Row(n=1)],
        loose_rows=[Row(n=3)],
        maybe_rows=None,
        row=Row(n=4),
        maybe_row=None,
        recordings=[],
    )
    query = "{ shelves { rows { n } looseRows { n } maybeRows { n } row { n } maybeRow { n } } }"
    fast = await SHELF_FAST.execute(query, context_value=SimpleNamespace(shelves=[shelf]))
    assert fast.errors is None
    assert fast.data == {
        "shelves": [
            {
                "rows": [{"n": 0}, {"n": 1}],
                "looseRows": [{"n": 3}],
                "maybeRows": None,
                "row": {"n": 4},
                "maybeRow": None,
            }
        ]
    }
    # Only the root list (a resolver's value) is completed the stock way.
    assert completed == ["[Shelf!]!", "[Shelf!]"]


# -- whitelisted resolvers with arguments: the usual shape is planned, others are stock ----


@strawberry.type
class Box:
    n: int

    @strawberry.field
    def child(self, parent: strawberry.Parent[Any], info: strawberry.Info, add: int = 1) -> Row:
        info.context.calls.append(("child", parent.n, add))
        return Row(n=parent.n + add)

    @strawberry.field
    def odd_child(
        self, info: strawberry.Info, parent: strawberry.Parent[Any], add: int | None = None
    ) -> Row:
        info.context.calls.append(("odd", parent.n, add))
        return Row(n=parent.n + (add or 0))


@strawberry.type
class BoxQuery:
    @strawberry.field
    def boxes(self) -> list[Box]:
        return [Box(n=i) for i in range(3)]


class BoxExecution(FastExecutionContext):
    direct_object_resolvers = frozenset({"Box.child", "Box.oddChild"})


BOX_FAST = strawberry.Schema(query=BoxQuery, execution_context_class=BoxExecution)
BOX_STOCK = strawberry.Schema(query=BoxQuery)


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ boxes { n child { n } c2: child(add: 5) { n later } } }", None),
        ("query ($a: Int) { boxes { oddChild(add: $a) { n } child { n } } }", {"a": 2}),
        ("query ($a: Int) { boxes { oddChild(add: $a) { n } } }", {"a": None}),
    ],
)
async def test_resolvers_with_arguments_match_stock(
    query: str, variables: dict[str, Any] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = stock_fields(monkeypatch, BoxExecution)
    stock_context, fast_context = SimpleNamespace(calls=[]), SimpleNamespace(calls=[])
    stock = await BOX_STOCK.execute(query, variable_values=variables, context_value=stock_context)
    fast = await BOX_FAST.execute(query, variable_values=variables, context_value=fast_context)
    assert _dump(fast) == _dump(stock)
    assert fast.errors is None or "later" in query
    assert fast_context.calls == stock_context.calls  # same calls, same arguments, once each
    # The usual shape (parent, info, arguments) is called directly; ``oddChild`` (info
    # before parent) is left to the stock path.
    assert "Box.child" not in seen
    assert ("Box.oddChild" in seen) == ("oddChild" in query)
