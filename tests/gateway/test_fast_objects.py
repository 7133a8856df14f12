"""Object-typed fields planned by ``FastExecutionContext`` (``OBJECT`` entries: a
recording's ``call``, ``conference`` and ``account``) answer exactly as the stock executor
does: over the simulators (references, prefetched joins, loads, vendor failures), and
with a probe whose resolver returns every odd thing the plan must hand back to the stock
completion (``None`` in a non-null field, exceptions raised or returned, awaitables,
values of another type, children failing and propagating their null)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated, Any

import pytest
import strawberry
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.execution import FastExecutionContext
from providers import models as m
from providers._sim import FaultKind
from tests.gateway.test_fast_path import (
    CALL_LEAVES,
    CONFERENCE_LEAVES,
    FAST,
    Env,
    _Accounts,
    _dump,
    _env,
)

if TYPE_CHECKING:
    from gateway.types.call import Call

CallT = Annotated["Call", strawberry.lazy("gateway.types.call")]


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    async for value in _env(30):
        yield value


def stock_fields(
    monkeypatch: pytest.MonkeyPatch, execution: type[FastExecutionContext] = FastExecutionContext
) -> list[str]:
    """Record ``Type.field`` of every field that reaches the stock ``execute_field``."""
    seen: list[str] = []
    original = execution.execute_field

    def spy(
        self: FastExecutionContext, parent_type: Any, source: Any, details: Any, *a: Any
    ) -> Any:
        seen.append(f"{parent_type.name}.{details[0].node.name.value}")
        return original(self, parent_type, source, details, *a)

    monkeypatch.setattr(execution, "execute_field", spy)
    return seen


CORPUS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "references": (
        """{ recordings(first: 40) { nodes { id call { id providerCallId __typename }
            conference { id providerConferenceId } account { id name } } } }""",
        None,
    ),
    "prefetched join": (
        f"""{{ recordings(first: 40) {{ nodes {{ id call {{ {CALL_LEAVES} }}
            conference {{ {CONFERENCE_LEAVES} }} }} }} }}""",
        None,
    ),
    "references and loads side by side, aliased": (
        """{ recordings(first: 25) { nodes { ref: call { id } full: call { id from status }
            c1: conference { id } c2: conference { name } account { provider } } } }""",
        None,
    ),
    "nested objects under a planned object": (
        """{ recordings(first: 15) { nodes { call { id account { id name }
            recordings(first: 2) { nodes { id call { id } } } }
            conference { account { id } } } } }""",
        None,
    ),
    "fragments, include and skip": (
        """query ($yes: Boolean!) { recordings(first: 20) { nodes {
            ...C call @include(if: $yes) { providerCallId } conference @skip(if: $yes) { id }
            ... on Recording { call { from } } } } }
        fragment C on Recording { call { id ...K } }
        fragment K on Call { to __typename }""",
        {"yes": True},
    ),
    "fragments, include and skip, false": (
        """query ($yes: Boolean!) { recordings(first: 20) { nodes {
            id call @include(if: $yes) { providerCallId }
            conference @skip(if: $yes) { id } } } }""",
        {"yes": False},
    ),
}


@pytest.mark.parametrize("name", list(CORPUS))
async def test_object_corpus_matches_stock(env: Env, name: str) -> None:
    query, variables = CORPUS[name]
    answer = await env.both(query, variables)
    assert answer["data"]["recordings"]["nodes"]


async def test_relations_of_nodes_by_id_match_stock(env: Env) -> None:
    listing = await env.both("{ recordings(first: 8) { nodes { id } } }")
    ids = [n["id"] for n in listing["data"]["recordings"]["nodes"]]
    await env.both(
        """query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Recording { id
            call { id from } conference { id } account { id } } } }""",
        {"ids": ids},
    )


@pytest.mark.parametrize("fault", [FaultKind.GARBAGE, FaultKind.WRONG_SHAPE])
async def test_vendor_failures_under_objects_match_stock(env: Env, fault: FaultKind) -> None:
    env.servers["signalwire"].simulator.faults.outage = fault
    await env.both(
        f"""{{ recordings(first: 30) {{ nodes {{ id call {{ {CALL_LEAVES} }} r: call {{ id }}
            conference {{ name }} }} failures {{ provider code }} }} }}"""
    )


@pytest.mark.parametrize(
    "selection",
    [
        "call { id providerCallId } conference { id }",
        f"call {{ {CALL_LEAVES} }} conference {{ {CONFERENCE_LEAVES} }}",
    ],
)
async def test_recording_relations_take_the_plan(
    env: Env, selection: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """References and prefetched calls/conferences never reach ``execute_field``."""
    seen = stock_fields(monkeypatch)
    answer = await env.run(FAST, f"{{ recordings(first: 30) {{ nodes {{ id {selection} }} }} }}")
    assert b'"errors":null' in answer
    assert answer.count(b'"providerCallId"') + answer.count(b'"from"') >= 10
    assert not [f for f in seen if f.startswith(("Recording.", "Call.", "Conference."))]


# -- a probe: every odd value an object resolver can give ----------------------------------


@dataclass(frozen=True)
class Raise:
    """Makes the probe's resolver raise instead of returning."""

    error: Exception


@dataclass(frozen=True)
class Later:
    """Makes the probe's resolver return an awaitable of ``value`` (raising a Raise)."""

    value: Any


def _answer(value: Any) -> Any:
    if isinstance(value, Raise):
        raise value.error
    if isinstance(value, Later):

        async def later() -> Any:
            await asyncio.sleep(0)
            return _answer(value.value)

        return later()
    return value


@strawberry.type
class Holder:
    n: int

    @strawberry.field
    def call(self, parent: strawberry.Parent[Any], info: strawberry.Info) -> CallT | None:
        info.context.calls.append(parent.n)
        return _answer(info.context.values[parent.n])

    @strawberry.field
    def strict_call(self, parent: strawberry.Parent[Any], info: strawberry.Info) -> CallT:
        return _answer(info.context.values[parent.n])  # type: ignore[no-any-return]

    @strawberry.field
    def context_call(self, parent: strawberry.Parent[Any], info: strawberry.Info) -> CallT | None:
        """Reads what the planned info lacks: must go back to the stock path."""
        assert info.path.key == "contextCall"
        return _answer(info.context.values[parent.n])


@strawberry.type
class HolderQuery:
    @strawberry.field
    def holders(self, info: strawberry.Info) -> list[Holder]:
        return [Holder(n=i) for i in range(len(info.context.values))]

    @strawberry.field
    def loose_holders(self, info: strawberry.Info) -> list[Holder | None]:
        return [Holder(n=i) for i in range(len(info.context.values))]


class ProbeExecution(FastExecutionContext):
    direct_object_resolvers = frozenset({"Holder.call", "Holder.strictCall", "Holder.contextCall"})


PROBE_FAST = strawberry.Schema(query=HolderQuery, execution_context_class=ProbeExecution)
PROBE_STOCK = strawberry.Schema(query=HolderQuery)

calls = st.builds(
    m.Call,
    provider=st.sampled_from(["kazoo", "signalwire"]),
    account_name=st.sampled_from(["main", "main", "gone"]),  # "gone": Call.id fails
    provider_call_id=st.one_of(st.text(min_size=1, max_size=4), st.none(), st.integers()),
    from_number=st.one_of(st.none(), st.text(max_size=3), st.integers()),
    status=st.one_of(st.none(), st.just("completed"), st.just(ValueError("status"))),
)
plain = st.one_of(
    calls,
    calls,
    st.none(),
    st.just(m.Conference("kazoo", "main", "conf-1")),  # another type: is_type_of fails
    st.just(ValueError("returned")),
    st.integers(),
)
values = st.one_of(
    plain,
    st.builds(
        Raise,
        st.sampled_from([ValueError("raised"), LookupError("gone"), AttributeError("own")]),
    ),
    st.builds(Later, plain),
    st.builds(Later, st.builds(Raise, st.just(ValueError("later")))),
)
CALL_SELECTIONS = [
    "id",
    "providerCallId from __typename",
    "from status id",
    "__typename",
    "status account { id }",
]


@settings(max_examples=200, deadline=None)
@given(
    items=st.lists(values, max_size=4),
    root=st.sampled_from(["holders", "looseHolders"]),
    field=st.sampled_from(
        [["call"], ["strictCall"], ["contextCall"], ["a: call", "b: strictCall"]]
    ),
    selection=st.sampled_from(CALL_SELECTIONS),
)
def test_odd_object_values_match_stock(
    items: list[Any], root: str, field: list[str], selection: str
) -> None:
    fields = " ".join(f"{name} {{ {selection} }}" for name in field)
    query = f"{{ {root} {{ n {fields} }} }}"
    loop = asyncio.new_event_loop()
    try:
        stock, fast = loop.run_until_complete(_both(query, items))
    finally:
        loop.close()
    assert fast == stock


async def _both(query: str, items: list[Any]) -> tuple[bytes, bytes]:
    """Stock then fast; then whatever either left settling in the background (fields next
    to one that propagated an error), so that no task outlives this example's loop."""
    answers = [
        _dump(await schema.execute(query, context_value=_context(items)))
        for schema in (PROBE_STOCK, PROBE_FAST)
    ]
    others = asyncio.all_tasks() - {asyncio.current_task()}
    await asyncio.gather(*others, return_exceptions=True)
    return answers[0], answers[1]


def _context(items: list[Any]) -> Any:
    return SimpleNamespace(values=items, source=_Accounts().source, calls=[])


async def test_own_attribute_errors_are_reported_not_retried() -> None:
    """Only an ``AttributeError`` about the planned info sends the field to the stock
    path; the resolver's own is its error, and the resolver runs once, as stock."""
    query = "{ holders { n call { id } } }"
    items = [Raise(AttributeError("own")), m.Call("kazoo", "main", "c1")]
    stock_context, fast_context = _context(items), _context(items)
    stock = await PROBE_STOCK.execute(query, context_value=stock_context)
    fast = await PROBE_FAST.execute(query, context_value=fast_context)
    assert _dump(fast) == _dump(stock)
    assert fast.errors and fast.errors[0].message == "own"
    assert fast_context.calls == stock_context.calls == [0, 1]


async def test_plain_object_values_take_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    completed: list[str] = []
    original = ProbeExecution.complete_object_value

    def spy(self: FastExecutionContext, return_type: Any, *args: Any) -> Any:
        completed.append(return_type.name)
        return original(self, return_type, *args)

    monkeypatch.setattr(ProbeExecution, "complete_object_value", spy)
    items = [m.Call("kazoo", "main", f"c{i}", from_number="+1") for i in range(3)]
    query = "{ holders { call { id from } strictCall { providerCallId } contextCall { id } } }"
    fast = await PROBE_FAST.execute(query, context_value=_context(items))
    stock = await PROBE_STOCK.execute(query, context_value=_context(items))
    assert fast.errors is None
    assert _dump(fast) == _dump(stock)
    # Only contextCall (which reads info.path) is completed the stock way.
    assert completed == ["Call"] * 3
