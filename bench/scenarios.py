"""The benchmark's scenarios: one GraphQL operation each, and how to read an answer's
``data`` (the gateway's, or the floor's, :mod:`bench.floor`) into a canonical shape, so
that the two can be compared: same IDs in the same order, same call fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
#: A page's calls and conferences as references (what the recording rows hold) ...
REFERENCES_QUERY = (
    "query($first: Int!) { recordings(first: $first) { nodes { id "
    "call { id providerCallId } conference { id } } } }"
)
#: ... and loaded (fields only the vendors' call and conference objects hold).
JOIN_QUERY = (
    "query($first: Int!) { recordings(first: $first) { nodes { id "
    "call { from to status startTime } conference { name } } } }"
)


def _moment(value: str | None) -> float | None:
    return None if value is None else round(datetime.fromisoformat(value).timestamp(), 3)


def _call(call: dict[str, Any] | None) -> Any:
    if call is None:
        return None
    return [call["from"], call["to"], call["status"], _moment(call["startTime"])]


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    title: str
    query: str

    def variables(self, node_ids: list[str]) -> dict[str, Any]:
        if self.name == "nodes_100":
            return {"ids": node_ids}
        if self.name.startswith(("recordings_", "references_", "join_")):
            return {"first": int(self.name.rpartition("_")[2])}
        return {}

    def extract(self, data: Any) -> Result:
        """The canonical result from a GraphQL ``data`` object."""
        if self.name.startswith("recordings_"):
            return [n["id"] for n in data["recordings"]["nodes"]]
        if self.name.startswith("references_"):
            return [
                [n["id"], n["call"], n["conference"] and n["conference"]["id"]]
                for n in data["recordings"]["nodes"]
            ]
        if self.name.startswith("join_"):
            return [
                [n["id"], _call(n["call"]), n["conference"] and n["conference"]["name"]]
                for n in data["recordings"]["nodes"]
            ]
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
        Scenario(
            "references_50",
            "recordings(50) { call { id providerCallId } conference { id } }",
            REFERENCES_QUERY,
        ),
        Scenario(
            "references_500",
            "recordings(500) { call { id providerCallId } conference { id } }",
            REFERENCES_QUERY,
        ),
        Scenario("join_50", "recordings(50) { call { from … } conference { name } }", JOIN_QUERY),
        Scenario("join_500", "recordings(500) { call { from … } conference { name } }", JOIN_QUERY),
    )
}
