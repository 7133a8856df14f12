"""The leaf-projection executor (``gateway.execution``) answers exactly as the stock one.

Every comparison runs one query through two schemas that differ only in their executor
(the served schema, and a shallow copy of it with Strawberry's stock execution context),
each with a fresh per-request context as ``gateway.view`` builds it, and compares data,
errors and extensions as serialized JSON (so key order counts too).
"""

from __future__ import annotations

import asyncio
import copy
import enum
import hashlib
import math
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
import strawberry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.context import GatewayContext
from gateway.cursors import CursorCodec
from gateway.demo import demo_settings, simulators_running
from gateway.execution import FastExecutionContext
from gateway.schema import build_schema
from gateway.settings import ServerSettings
from gateway.sources import Sources
from gateway.types.recording import Recording
from providers import models as m
from providers._sim import FaultKind, SimulatorServer
from tests.conftest import ANCHOR

Runner = Callable[[strawberry.Schema, str, dict[str, Any] | None], Awaitable[bytes]]


def _stock(schema: strawberry.Schema) -> strawberry.Schema:
    """The same schema object graph, executed by Strawberry's stock execution context."""
    stock = copy.copy(schema)
    stock.execution_context_class = StrawberryGraphQLCoreExecutionContext
    return stock


FAST = build_schema()
STOCK = _stock(FAST)


def _dump(result: Any) -> bytes:
    return orjson.dumps(
        {
            "data": result.data,
            "errors": [e.formatted for e in result.errors] if result.errors else None,
            "extensions": result.extensions or None,
        }
    )


@dataclass
class Env:
    servers: dict[str, SimulatorServer]
    sources: Sources
    server: ServerSettings
    codec: CursorCodec

    def context(self) -> GatewayContext:
        return GatewayContext.create(self.sources, self.server, self.codec, request_id="req1")

    async def run(
        self, schema: strawberry.Schema, query: str, variables: dict[str, Any] | None = None
    ) -> bytes:
        result = await schema.execute(
            query, variable_values=variables, context_value=self.context()
        )
        return _dump(result)

    async def both(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run stock then fast; assert they agree; return the (parsed) answer."""
        stock = await self.run(STOCK, query, variables)
        fast = await self.run(FAST, query, variables)
        assert fast == stock
        answer: dict[str, Any] = orjson.loads(stock)
        return answer


async def _env(recordings: int) -> AsyncGenerator[Env, None]:
    async with simulators_running(11, recordings=recordings, anchor=ANCHOR) as servers:
        settings = demo_settings(servers, ServerSettings(host="127.0.0.1", port=0))
        sources = Sources.build(settings.accounts)
        try:
            yield Env(
                {s.simulator.provider: s for s in servers},
                sources,
                settings.server,
                CursorCodec(hashlib.sha256(b"fast-path tests").digest()),
            )
        finally:
            await sources.aclose()


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    async for value in _env(40):
        yield value


RECORDING_LEAVES = (
    "id providerRecordingId provider status durationSeconds channels source mimeType"
    " createdAt updatedAt startTime endTime errorCode"
)
CALL_LEAVES = "id providerCallId from to direction status startTime endTime durationSeconds"
CONFERENCE_LEAVES = "id providerConferenceId name status createdAt"

CORPUS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "recording leaves, connection, pageInfo, failures": (
        f"""{{ recordings(first: 50) {{
            nodes {{ __typename {RECORDING_LEAVES} }}
            edges {{ cursor node {{ id createdAt }} }}
            pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
            failures {{ provider accountId code message }} }} }}""",
        None,
    ),
    "mixed leaves and relations": (
        """{ recordings(first: 30) { nodes {
            id call { id from to account { name } } conference { id name }
            createdAt account { id name provider providerAccountId }
            price { amount currency } media { mimeType } providerData status } } }""",
        None,
    ),
    "aliases and duplicates": (
        """{ recordings(first: 20) { nodes {
            a: id b: id createdAt createdAt c: createdAt provider p: provider
            __typename t: __typename status s1: status s2: status } } }""",
        None,
    ),
    "fragments and inline fragments": (
        """query { recordings(first: 20) { nodes { ...R ... on Recording { provider mimeType }
            ... { channels id } ...R } } }
        fragment R on Recording { id status createdAt durationSeconds }""",
        None,
    ),
    "include and skip, true": (
        """query ($yes: Boolean!) { recordings(first: 20) { nodes {
            id durationSeconds @include(if: $yes) channels @skip(if: $yes)
            ... on Recording @include(if: $yes) { mimeType status }
            ...F @skip(if: $yes) } } }
        fragment F on Recording { source createdAt }""",
        {"yes": True},
    ),
    "include and skip, false": (
        """query ($yes: Boolean!) { recordings(first: 20) { nodes {
            id durationSeconds @include(if: $yes) channels @skip(if: $yes)
            ... on Recording @include(if: $yes) { mimeType status }
            ...F @skip(if: $yes) } } }
        fragment F on Recording { source createdAt }""",
        {"yes": False},
    ),
    "accounts, calls, conferences, child recordings": (
        f"""{{ accounts {{ __typename id name provider providerAccountId
            calls(first: 15) {{ nodes {{ __typename {CALL_LEAVES}
                recordings(first: 3) {{ nodes {{ id status createdAt }} }} }}
                pageInfo {{ hasNextPage endCursor }} }}
            conferences(first: 15) {{ nodes {{ __typename {CONFERENCE_LEAVES}
                account {{ id }} recordings(first: 3) {{ nodes {{ id provider }} }} }} }}
            recordings(first: 10) {{ nodes {{ {RECORDING_LEAVES} }} }} }} }}""",
        None,
    ),
    "filtered recordings": (
        f"""query ($f: RecordingFilter) {{ recordings(first: 25, filter: $f) {{
            nodes {{ {RECORDING_LEAVES} }} failures {{ code }} }} }}""",
        {"f": {"status": ["COMPLETED"], "minDurationSeconds": 5}},
    ),
    "providers": (
        "{ providers { name title capabilities nativeFilters accounts { id name } } }",
        None,
    ),
    "bad id": ('{ node(id: "not-an-id") { id ... on Recording { status } } }', None),
    "bad argument": ("{ recordings(first: 501) { nodes { id createdAt } } }", None),
    "bad cursor": ('{ recordings(first: 2, after: "forged") { nodes { id } } }', None),
}


@pytest.mark.parametrize("name", list(CORPUS))
async def test_corpus_matches_stock(env: Env, name: str) -> None:
    query, variables = CORPUS[name]
    await env.both(query, variables)


async def test_nodes_by_id_match_stock(env: Env) -> None:
    """Abstract ``Node`` results: the interface is resolved by the stock path, each
    concrete object's leaves by the plan; missing, foreign and malformed IDs in between."""
    listing = await env.both(
        """{ recordings(first: 10) { nodes { id call { id } conference { id } account { id } } }
           accounts { calls(first: 3) { nodes { id } } conferences(first: 3) { nodes { id } } } }"""
    )
    ids = []
    for node in listing["data"]["recordings"]["nodes"]:
        ids.append(node["id"])
        ids.append(node["account"]["id"])
        ids.extend(n["id"] for n in (node["call"], node["conference"]) if n)
    for account in listing["data"]["accounts"]:
        ids.extend(n["id"] for n in account["calls"]["nodes"] + account["conferences"]["nodes"])
    ids[3:3] = ["garbage", "UmVjb3JkaW5nOng6eTp6"]  # malformed; well-formed but unknown account
    query = f"""query ($ids: [ID!]!) {{ nodes(ids: $ids) {{ __typename id
        ... on Recording {{ {RECORDING_LEAVES} }}
        ... on Call {{ providerCallId from to direction callStatus: status startTime }}
        ... on Conference {{ providerConferenceId confName: name confStatus: status }}
        ... on Account {{ accountName: name provider }} }}
        one: node(id: "{ids[0]}") {{ id ... on Recording {{ createdAt }} }} }}"""
    answer = await env.both(query, {"ids": ids})
    assert answer["errors"], "the malformed IDs must be reported"
    assert sum(n is not None for n in answer["data"]["nodes"]) >= 10


@pytest.mark.parametrize("fault", [FaultKind.GARBAGE, FaultKind.WRONG_SHAPE])
async def test_failures_match_stock(env: Env, fault: FaultKind) -> None:
    env.servers["signalwire"].simulator.faults.outage = fault
    answer = await env.both(
        f"""{{ recordings(first: 20) {{ nodes {{ {RECORDING_LEAVES} }}
            pageInfo {{ hasNextPage endCursor }} failures {{ provider accountId code message }} }}
            accounts {{ name calls(first: 5) {{ nodes {{ {CALL_LEAVES} }} }} }} }}"""
    )
    assert answer["data"]["recordings"]["failures"]


async def test_served_schema_uses_the_fast_path(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    assert FAST.execution_context_class is FastExecutionContext
    seen: list[str] = []
    original = FastExecutionContext._execute_plan

    def spy(self: FastExecutionContext, parent_type: Any, *args: Any) -> Any:
        seen.append(parent_type.name)
        return original(self, parent_type, *args)

    monkeypatch.setattr(FastExecutionContext, "_execute_plan", spy)
    await env.run(FAST, f"{{ recordings(first: 5) {{ nodes {{ {RECORDING_LEAVES} }} }} }}")
    assert seen.count("Recording") == 5


async def test_resolve_hooks_disable_the_fast_path(env: Env) -> None:
    """A schema extension with ``resolve`` must see every field, so no plan is used."""
    calls: list[str] = []

    class Counting(SchemaExtension):
        def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
            calls.append(info.field_name)
            return _next(root, info, *args, **kwargs)

    fast = copy.copy(FAST)
    fast.extensions = (*FAST.extensions, Counting)
    stock = _stock(fast)
    query = "{ recordings(first: 3) { nodes { id createdAt status } } }"
    assert await env.run(fast, query) == await env.run(stock, query)
    assert calls.count("createdAt") == 6  # three objects, twice


# -- random selections over the simulators' recordings -------------------------------------

SCALARS = [*RECORDING_LEAVES.split(), "__typename"]


@st.composite
def selections(draw: st.DrawFn) -> str:
    """Scalar fields of Recording, aliased or not, duplicated, in any order, sometimes
    inside an inline fragment."""
    parts = []
    for _ in range(draw(st.integers(1, 16))):
        field = draw(st.sampled_from(SCALARS))
        alias = draw(st.one_of(st.none(), st.sampled_from(["a", "b", "c", *SCALARS[:4]])))
        part = f"{alias}: {field}" if alias else field
        if draw(st.booleans()) and alias is None:
            part = f"... on Recording {{ {part} }}"
        parts.append(part)
    return " ".join(parts)


def _conflict_free(selection: str) -> bool:
    """Validation rejects one response key naming two different fields; skip those."""
    mapping: dict[str, str] = {}
    words = selection.replace("... on Recording {", " ").replace("}", " ").split()
    i = 0
    while i < len(words):
        if words[i].endswith(":"):
            key, field = words[i][:-1], words[i + 1]
            i += 2
        else:
            key = field = words[i]
            i += 1
        if mapping.setdefault(key, field) != field:
            return False
    return True


def test_random_recording_selections_match_stock() -> None:
    loop = asyncio.new_event_loop()
    generator = _env(30)
    try:
        env = loop.run_until_complete(generator.__anext__())

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(selection=selections(), first=st.integers(0, 40))
        def check(selection: str, first: int) -> None:
            query = f"{{ recordings(first: {first}) {{ nodes {{ {selection} }} }} }}"
            stock = loop.run_until_complete(env.run(STOCK, query))
            fast = loop.run_until_complete(env.run(FAST, query))
            assert fast == stock
            if _conflict_free(selection):
                assert b'"errors":null' in stock

        check()
    finally:
        loop.run_until_complete(generator.aclose())
        loop.close()


# -- adversarial values: everything the plan must hand back to the stock path -------------


class _Accounts:
    """Just enough of ``GatewayContext`` for the ``id`` resolvers."""

    def source(self, name: str) -> Any:
        if name != "main":
            raise LookupError(f"no source named {name!r}")
        return SimpleNamespace(account=m.Account("kazoo", "main", "acct-1", "Main"))


@strawberry.type
class Probe:
    @strawberry.field
    def strict(self, info: strawberry.Info) -> list[Recording]:
        return info.context.items  # type: ignore[no-any-return]

    @strawberry.field
    def loose(self, info: strawberry.Info) -> list[Recording | None]:
        return info.context.items  # type: ignore[no-any-return]


PROBE_FAST = strawberry.Schema(query=Probe, execution_context_class=FastExecutionContext)
PROBE_STOCK = strawberry.Schema(query=Probe)


class Odd(enum.Enum):
    X = "x"


def _junk() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.text(max_size=3),
        st.integers(-(2**40), 2**40),
        st.booleans(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.just(ValueError("boom")),
        st.just(Odd.X),
        st.just(Decimal("1.5")),
    )


def _times() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.datetimes(timezones=st.just(UTC)), st.datetimes(), st.none(), st.just("2024-01-01")
    )


recordings = st.builds(
    m.Recording,
    provider=st.one_of(st.sampled_from(["freeclimb", "kazoo", "signalwire", "bogus"]), _junk()),
    account_name=st.sampled_from(["main", "main", "gone"]),
    provider_recording_id=st.one_of(st.text(min_size=1, max_size=6), _junk()),
    created_at=_times(),
    status=st.one_of(st.sampled_from(list(m.RecordingStatus)), _junk()),
    duration_seconds=st.one_of(st.floats(0, 1e6), _junk()),
    channels=st.one_of(st.integers(0, 2), _junk()),
    source=_junk(),
    mime_type=_junk(),
    updated_at=_times(),
    start_time=_times(),
    end_time=_times(),
    error_code=_junk(),
)


@settings(max_examples=150, deadline=None)
@given(
    items=st.lists(recordings, max_size=4),
    selection=selections(),
    root=st.sampled_from(["strict", "loose"]),
)
def test_adversarial_values_match_stock(
    items: list[m.Recording], selection: str, root: str
) -> None:
    """Nulls in non-null fields, values no scalar can represent, exceptions as values,
    unknown accounts behind ``id``: errors, paths and null propagation are the stock ones."""
    query = f"{{ {root} {{ {selection} }} }}"
    context = SimpleNamespace(items=items, source=_Accounts().source)
    stock = _dump(PROBE_STOCK.execute_sync(query, context_value=context))
    fast = _dump(PROBE_FAST.execute_sync(query, context_value=context))
    assert fast == stock


def test_plain_values_take_the_plan() -> None:
    """The same probe with well-formed values: no errors, and every object planned."""
    item = m.Recording(
        "kazoo",
        "main",
        "r1",
        datetime(2024, 5, 1, 12, 30, tzinfo=UTC),
        m.RecordingStatus.COMPLETED,
        duration_seconds=12.5,
        channels=2,
        updated_at=datetime(2024, 5, 1, 12, 31, tzinfo=UTC),
    )
    items = [item, replace(item, provider_recording_id="r2", duration_seconds=math.pi)]
    context = SimpleNamespace(items=items, source=_Accounts().source)
    query = f"{{ strict {{ __typename {RECORDING_LEAVES} }} }}"
    stock = PROBE_STOCK.execute_sync(query, context_value=context)
    fast = PROBE_FAST.execute_sync(query, context_value=context)
    assert fast.errors is None
    assert _dump(fast) == _dump(stock)
    assert fast.data is not None
    assert fast.data["strict"][1]["durationSeconds"] == math.pi
