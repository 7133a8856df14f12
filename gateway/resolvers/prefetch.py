"""Children loaded once by their parent page.

When a connection's nodes select a child (``recordings { nodes { call { … } } }``,
``calls { edges { node { recordings(first: 10) { … } } } }``), the connection resolver
loads that child for every node of its page in one ``DataLoader`` round before it
returns. The child resolvers then find their value already loaded
(:func:`gateway.loaders.load_now`) and answer synchronously: no coroutine, no await per
object. The upstream cost is what the DataLoader batch would have cost anyway.

The selection is read from the operation with graphql-core's own field collection, so
fragments, aliases, variables and ``@skip``/``@include`` count exactly as the executor
counts them; a child that is not selected is not loaded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from graphql import GraphQLObjectType, get_named_type
from graphql.execution.collect_fields import (
    FieldDetails,
    FragmentDetails,
    GroupedFieldSet,
    collect_subfields,
)
from graphql.execution.values import VariableValues, get_argument_values

from gateway.errors import GatewayError
from gateway.resolvers.references import only_references
from providers import models as m

if TYPE_CHECKING:
    from graphql import GraphQLResolveInfo
    from strawberry.dataloader import DataLoader

    from gateway.context import Info

#: (child field name, its arguments) selected on a connection's nodes.
Selected = tuple[tuple[str, dict[str, Any]], ...]

#: Node fields that :func:`children` knows how to load for a whole page.
PREFETCHED = frozenset({"call", "conference", "recordings"})


def selected_on_nodes(info: Info) -> Selected:
    """Each selection of a :data:`PREFETCHED` field on the nodes of the connection being
    resolved (through ``nodes`` and ``edges { node }``), with its arguments; computed
    once per operation for each place in the document (50 calls share one analysis)."""
    variables = info.context.variables
    if variables is None:
        return ()  # not under gateway.execution: children load one by one, as stock
    raw: GraphQLResolveInfo[Any] = info._raw_info
    cache = info.context.selections
    key = tuple(map(id, raw.field_nodes))
    found = cache.get(key)
    if found is None:
        found = cache[key] = _analyse(raw, variables)
    return found


def _analyse(raw: GraphQLResolveInfo[Any], variables: VariableValues) -> Selected:
    fragments = {name: FragmentDetails(d) for name, d in raw.fragments.items()}

    def collect(parent: GraphQLObjectType, details: list[FieldDetails]) -> GroupedFieldSet:
        return collect_subfields(
            raw.schema, fragments, variables, raw.operation, parent, details
        ).grouped_field_set

    def child_type(parent: GraphQLObjectType, field_name: str) -> GraphQLObjectType | None:
        field = parent.fields.get(field_name)
        named = get_named_type(field.type) if field is not None else None
        return named if isinstance(named, GraphQLObjectType) else None

    connection = get_named_type(raw.return_type)
    if not isinstance(connection, GraphQLObjectType):
        return ()
    node_type = child_type(connection, "nodes")
    edge_type = child_type(connection, "edges")
    if node_type is None or edge_type is None:
        return ()
    on_nodes: list[FieldDetails] = []
    top = collect(connection, [FieldDetails(node, None) for node in raw.field_nodes])
    for group in top.values():
        name = group[0].node.name.value
        if name == "nodes":
            on_nodes.extend(group)
        elif name == "edges":
            for inner in collect(edge_type, group).values():
                if inner[0].node.name.value == "node":
                    on_nodes.extend(inner)
    if not on_nodes:
        return ()
    out: list[tuple[str, dict[str, Any]]] = []
    for group in collect(node_type, on_nodes).values():
        field_name = group[0].node.name.value
        field_def = node_type.fields.get(field_name)
        if field_def is None or field_name not in PREFETCHED:
            continue
        if field_name in ("call", "conference") and only_references(
            raw, variables, get_named_type(field_def.type), group
        ):
            continue  # answered from the row itself (gateway.resolvers.references)
        for detail in group:
            args = get_argument_values(
                field_def, detail.node, variables, detail.fragment_variable_values
            )
            out.append((field_name, args))
    return tuple(out)


def children(info: Info, items: Sequence[Any]) -> Awaitable[None] | None:
    """Load, for every item of a page, each child its nodes select (one job per loader:
    :class:`gateway.bulk_loads.BulkLoads`); ``None`` when there is nothing to load.
    Failures are kept in the loaders for each child to report at its own path; nothing
    raises here."""
    if not items:
        return None
    selected = selected_on_nodes(info)
    if not selected:
        return None
    bulk = info.context.loaders.bulk
    loads = [bulk.load(loader, keys) for loader, keys in _wanted(info, items, selected)]
    started = [load for load in loads if load is not None]
    if not started:
        return None
    return started[0] if len(started) == 1 else _settle(started)


async def _settle(loads: list[Awaitable[Any]]) -> None:
    await asyncio.gather(*loads, return_exceptions=True)


def _wanted(
    info: Info, items: Sequence[Any], selected: Selected
) -> Iterable[tuple[DataLoader[Any, Any], Iterable[Hashable]]]:
    from gateway.resolvers.connections import children_key, page_size

    loaders = info.context.loaders
    names = {name for name, _ in selected}
    sample = items[0]
    if isinstance(sample, m.Recording):
        # The page's recordings go with the keys: the batch can then read their calls
        # from one listing over the page's time window (``Loaders.hint``).
        if "call" in names:
            yield loaders.call, loaders.hint("call", items)
        if "conference" in names:
            yield loaders.conference, loaders.hint("conference", items)
        return
    if isinstance(sample, m.Call | m.Conference) and "recordings" in names:
        loader = (
            loaders.call_recordings if isinstance(sample, m.Call) else loaders.conference_recordings
        )
        for name, args in selected:
            if name != "recordings" or args.get("after") is not None:
                continue  # a resumed child page is rare: it loads on its own
            try:
                count = page_size(info.context, args.get("first"))
            except GatewayError:
                continue  # the child resolver reports the bad argument at its path
            yield loader, (children_key(parent, count, 0) for parent in items)
