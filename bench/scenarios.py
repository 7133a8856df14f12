"""The benchmark's scenarios: one GraphQL operation each, and how to read its answer into
the canonical shape that the floor (``bench.floor``) builds too."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Canonical result: nested lists of global IDs (``None`` for a node that is missing).
Result = Any

RECORDINGS_QUERY = "query($first: Int!) { recordings(first: $first) { nodes { id } } }"
TRAVERSE_QUERY = (
    "{ accounts { calls(first: 50) { edges { node { recordings(first: 10) "
    "{ nodes { id } } } } } } }"
)
NODES_QUERY = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
NODE_COUNT = 100


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    title: str
    query: str

    def variables(self, node_ids: list[str]) -> dict[str, Any]:
        if self.name == "recordings_50":
            return {"first": 50}
        if self.name == "recordings_500":
            return {"first": 500}
        if self.name == "nodes_100":
            return {"ids": node_ids}
        return {}

    def extract(self, data: Any) -> Result:
        """The canonical result from a GraphQL ``data`` object."""
        if self.name.startswith("recordings_"):
            return [n["id"] for n in data["recordings"]["nodes"]]
        if self.name == "traverse":
            return [
                [
                    [r["id"] for r in edge["node"]["recordings"]["nodes"]]
                    for edge in account["calls"]["edges"]
                ]
                for account in data["accounts"]
            ]
        if self.name == "nodes_100":
            return [None if n is None else n["id"] for n in data["nodes"]]
        raise ValueError(self.name)


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("recordings_50", "recordings(first: 50)", RECORDINGS_QUERY),
        Scenario("recordings_500", "recordings(first: 500)", RECORDINGS_QUERY),
        Scenario(
            "traverse",
            "accounts { calls(50) { recordings(10) } }",
            TRAVERSE_QUERY,
        ),
        Scenario("nodes_100", f"nodes(ids: {NODE_COUNT} ids)", NODES_QUERY),
    )
}
