"""Generated hostile operations: deep, wide, aliased, fragment-cycled, huge ``first``.

Every one answers 200 or 400, never 5xx, quickly; a refused one sends no vendor request;
an admitted one sends no more vendor requests than the cost limit it was admitted under
(the pricing is an upper bound of what really happens).
"""

from __future__ import annotations

import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.callers.conftest import Running

MAX_COST = 40
FIRST = st.one_of(st.sampled_from([0, 1, 2, 5, 50, 500, 501, 10**9, -1]), st.integers(-3, 600))


def _args(first: int, extra: str = "") -> str:
    return f"(first: {first}{extra})"


@st.composite
def _field(draw: Any, type_name: str, depth: int) -> str:
    leaves = {
        "Query": ["__typename"],
        "Account": ["name", "provider"],
        "Recording": ["id", "durationSeconds", "status"],
        "Call": ["id", "from"],
        "Conference": ["id", "name"],
    }[type_name]
    choices: list[tuple[str, str | None]] = [(leaf, None) for leaf in leaves]
    if depth > 0 and draw(st.booleans()):
        choices = []
    if depth > 0:
        choices += {
            "Query": [
                ("recordings", "Recording"),
                ("accounts", "Account"),
                ("node", "Recording"),
                ("nodes", "Recording"),
            ],
            "Account": [
                ("recordings", "Recording"),
                ("calls", "Call"),
                ("conferences", "Conference"),
            ],
            "Recording": [("account", "Account"), ("call", "Call"), ("conference", "Conference")],
            "Call": [("account", "Account"), ("recordings", "Recording")],
            "Conference": [("recordings", "Recording")],
        }[type_name]
    name, child = draw(st.sampled_from(choices))
    alias = draw(st.sampled_from(["", "", f"a{draw(st.integers(0, 10**9))}: "]))
    if child is None:
        return alias + name
    alias = f"a{draw(st.integers(0, 10**9))}: "  # composite fields: never merged by name
    inner = " ".join(draw(st.lists(_field(child, depth - 1), min_size=1, max_size=3)))
    if name in ("recordings", "calls", "conferences"):
        flt = draw(st.sampled_from(["", "", ", filter: {minDurationSeconds: 1e9}"]))
        if name != "recordings" or type_name not in ("Query", "Account"):
            flt = ""
        return f"{alias}{name}{_args(draw(FIRST), flt)} {{ nodes {{ {inner} }} }}"
    if name == "node":
        return f'{alias}node(id: "bm9wZQ") {{ ... on Recording {{ {inner} }} }}'
    if name == "nodes":
        count = draw(st.sampled_from([0, 1, 3, 100, 600]))
        ids = ", ".join('"bm9wZQ"' for _ in range(count))
        return f"{alias}nodes(ids: [{ids}]) {{ ... on Recording {{ {inner} }} }}"
    return f"{alias}{name} {{ {inner} }}"


@st.composite
def documents(draw: Any) -> str:
    body = " ".join(
        draw(st.lists(_field("Query", draw(st.integers(1, 7))), min_size=1, max_size=4))
    )
    copies = draw(st.sampled_from([1, 1, 1, 40]))
    if copies > 1:
        body = " ".join(f"x{n}: recordings(first: 1) {{ nodes {{ id }} }}" for n in range(copies))
    tail = draw(
        st.sampled_from(["", "", " fragment A on Query { ...B } fragment B on Query { ...A }"])
    )
    spread = " ...A" if tail else ""
    return "{ " + body + spread + " }" + tail


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=documents())
async def test_hostile_documents_are_bounded(bounded: Running, document: str) -> None:
    bounded.reset()
    started = time.monotonic()
    async with bounded.session.post(f"{bounded.url}/graphql", json={"query": document}) as resp:
        status = resp.status
        body = await resp.json()
    elapsed = time.monotonic() - started
    assert status in (200, 400), (status, body)
    assert elapsed < 5, elapsed
    sent = sum(bounded.upstream().values())
    if status == 400:
        assert sent == 0, (document, body)
        assert body["errors"][0]["extensions"]["code"] in {
            "COST_LIMIT",
            "DEPTH_LIMIT",
            "ALIAS_LIMIT",
            "TOKEN_LIMIT",
            "BAD_REQUEST",
        }
    else:
        assert sent <= MAX_COST, (document, sent)
        for error in body.get("errors", []):
            assert error.get("extensions", {}).get("code") != "INTERNAL", error
