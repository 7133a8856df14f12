"""Price an operation before it runs.

From the validated document, its variables and the caller's visible sources, compute the
operation's *shape*: selection depth, aliases, objects it can return, and its **cost** in
worst-case upstream (vendor) requests. Field prices follow what the resolvers and loaders
really do: a connection page costs each source's listing pages (and, when the gateway
applies a filter itself, up to ``max_scan_pages`` pages); children of a page are one
batch per source, priced by the backend's declared :class:`~providers.costs.RequestCosts`;
a reference that selects only what the parent row already holds costs nothing.
Over-estimates are accepted, under-estimates are bugs.

Fragments are expanded as the executor expands them; the walk stops as soon as a limit
is passed, so a document built to explode (fragments spread twice per level) is rejected
after a bounded amount of work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    get_named_type,
)
from graphql.type.definition import GraphQLInterfaceType, GraphQLUnionType

from providers.costs import DEFAULT_COSTS, RequestCosts

from .config import Limits


class LimitExceeded(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class PricedSource:
    """What pricing needs to know of one source the caller may see."""

    costs: RequestCosts
    native_filters: frozenset[str]
    #: ``(provider, provider account id)``, to price ``nodes(ids:)`` per source.
    key: tuple[str, str]


@dataclass(slots=True)
class Shape:
    depth: int = 0
    aliases: int = 0
    nodes: int = 0
    cost: int = 0


@dataclass(slots=True)
class Pricing:
    sources: Sequence[PricedSource]
    limits: Limits
    default_page_size: int
    max_page_size: int
    #: Registered provider count (``providers`` lists one entry each).
    providers: int = 3
    #: ``decode_id``: global ID -> (type name, provider, provider account id) or None.
    decode: Callable[[str], tuple[str, str, str] | None] = lambda _: None
    shape: Shape = field(default_factory=Shape)
    visits: int = 0


#: RecordingFilter field -> RecordingQuery field, for telling native from local filters.
_FILTER_FIELDS = {
    "callId": "provider_call_id",
    "conferenceId": "provider_conference_id",
    "createdAfter": "created_after",
    "createdBefore": "created_before",
    "minDurationSeconds": "min_duration_seconds",
    "status": "statuses",
}
#: Fields a call/conference reference answers from the recording row alone (``account``
#: is the row's account; what it selects in turn is priced on its own).
REFERENCE_FIELDS = {
    "Call": frozenset({"id", "providerCallId", "__typename", "account"}),
    "Conference": frozenset({"id", "providerConferenceId", "__typename", "account"}),
}
_MAX_VISITS = 20_000

#: A field's price: (upstream requests, objects per parent) given the pricing, the field
#: node, how many parent objects it is resolved on, and the variables.
FieldPrice = Callable[[Pricing, FieldNode, int, Mapping[str, Any]], tuple[int, int]]
PRICES: dict[tuple[str, str], FieldPrice] = {}


def analyse(
    schema_types: Mapping[str, GraphQLNamedType],
    root: GraphQLObjectType,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    pricing: Pricing,
) -> Shape:
    """The operation's shape; raises :class:`LimitExceeded` as soon as one is passed."""
    shape = pricing.shape
    limits = pricing.limits
    shape.aliases = _aliases(operation.selection_set) + sum(
        _aliases(f.selection_set) for f in fragments.values()
    )
    if shape.aliases > limits.enabled("max_aliases"):
        raise LimitExceeded(
            "ALIAS_LIMIT", f"{shape.aliases} aliases; at most {limits.max_aliases} are allowed"
        )

    def walk(
        parent: GraphQLNamedType, selections: SelectionSetNode, parents: int, depth: int, items: int
    ) -> None:
        pricing.visits += 1
        if pricing.visits > _MAX_VISITS:
            raise LimitExceeded("COST_LIMIT", "the operation is too complex to price")
        if depth > shape.depth:
            shape.depth = depth
            if depth > limits.enabled("max_depth"):
                raise LimitExceeded(
                    "DEPTH_LIMIT", f"selections nest deeper than {limits.max_depth} levels"
                )
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                _field(parent, selection, parents, depth, items)
            elif isinstance(selection, InlineFragmentNode):
                inner = parent
                if selection.type_condition is not None:
                    inner = schema_types.get(selection.type_condition.name.value, parent)
                walk(inner, selection.selection_set, parents, depth, items)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    inner = schema_types.get(fragment.type_condition.name.value, parent)
                    walk(inner, fragment.selection_set, parents, depth, items)

    def _field(
        parent: GraphQLNamedType, node: FieldNode, parents: int, depth: int, items: int
    ) -> None:
        name = node.name.value
        if name.startswith("__"):
            return  # introspection: no upstream request, and its depth is the schema's
        definition = _field_def(parent, name)
        if definition is None:
            return
        price = PRICES.get((parent.name, name))
        per_parent = 1
        if price is not None:
            cost, per_parent = price(pricing, node, parents, variables)
            if name in ("call", "conference") and _only_references(node, name, fragments):
                cost = 0
            _charge(cost)
        elif name in ("nodes", "edges") and parent.name.endswith("Connection"):
            per_parent = items
        elif _is_list(definition):
            per_parent = _list_size(pricing, parent.name, name)
        named = get_named_type(definition.type)
        if node.selection_set is None or not isinstance(
            named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType
        ):
            return
        objects = parents * per_parent
        shape.nodes += objects
        if shape.nodes > limits.enabled("max_nodes"):
            raise LimitExceeded(
                "COST_LIMIT",
                f"the operation can return over {limits.max_nodes} objects: ask for fewer "
                "(smaller `first`, less nesting)",
            )
        child_items = _first(pricing, node, variables) if named.name.endswith("Connection") else 1
        walk(named, node.selection_set, objects, depth + 1, child_items)

    def _charge(cost: int) -> None:
        shape.cost += cost
        if shape.cost > limits.enabled("max_cost"):
            raise LimitExceeded(
                "COST_LIMIT",
                f"the operation may send over {limits.max_cost} requests to the vendors; "
                "ask for less (smaller `first`, fewer aliases or ids, less nesting)",
            )

    walk(root, operation.selection_set, 1, 1, 1)
    return shape


def _field_def(parent: GraphQLNamedType, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        found: GraphQLField | None = parent.fields.get(name)
        return found
    return None


def _is_list(definition: GraphQLField) -> bool:
    from graphql import GraphQLList, GraphQLNonNull

    kind = definition.type
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    return isinstance(kind, GraphQLList)


def _list_size(pricing: Pricing, parent: str, name: str) -> int:
    if name == "accounts":
        return max(1, len(pricing.sources))
    if name == "providers":
        return pricing.providers
    if name == "failures":
        return max(1, len(pricing.sources))
    return 1


def _aliases(selections: SelectionSetNode | None) -> int:
    if selections is None:
        return 0
    count = 0
    for selection in selections.selections:
        if isinstance(selection, FieldNode) and selection.alias is not None:
            count += 1
        count += _aliases(getattr(selection, "selection_set", None))
    return count


def _only_references(
    node: FieldNode, type_name: str, fragments: Mapping[str, FragmentDefinitionNode]
) -> bool:
    """Whether a ``call``/``conference`` selection asks only what the row holds."""
    allowed = REFERENCE_FIELDS["Call" if type_name == "call" else "Conference"]

    def only(selections: SelectionSetNode | None, seen: frozenset[str]) -> bool:
        if selections is None:
            return True
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value not in allowed:
                    return False
            elif isinstance(selection, InlineFragmentNode):
                if not only(selection.selection_set, seen):
                    return False
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if (
                    name in seen
                    or fragment is None
                    or not only(fragment.selection_set, seen | {name})
                ):
                    return False
        return True

    return only(node.selection_set, frozenset())


def argument(node: FieldNode, name: str, variables: Mapping[str, Any]) -> Any:
    """An argument's value as sent: a literal, or the variable's value; ``None`` if absent."""
    for arg in node.arguments or ():
        if arg.name.value == name:
            return _value(arg.value, variables)
    return None


def _value(value: Any, variables: Mapping[str, Any]) -> Any:
    if isinstance(value, VariableNode):
        return variables.get(value.name.value)
    if isinstance(value, IntValueNode):
        return int(value.value)
    if isinstance(value, StringValueNode):
        return value.value
    if isinstance(value, ListValueNode):
        return [_value(v, variables) for v in value.values]
    if isinstance(value, ObjectValueNode):
        return {f.name.value: _value(f.value, variables) for f in value.fields}
    return getattr(value, "value", None)


def _first(pricing: Pricing, node: FieldNode, variables: Mapping[str, Any]) -> int:
    first = argument(node, "first", variables)
    if not isinstance(first, int) or isinstance(first, bool):
        return pricing.default_page_size
    return max(0, min(first, pricing.max_page_size))


def _scan_pages(pricing: Pricing, source: PricedSource, filter_value: Any) -> int:
    """Pages a source may read for one connection page of a filtered listing."""
    if not isinstance(filter_value, dict):
        return 0 if filter_value is None else pricing.limits.enabled("max_scan_pages")
    given = {
        _FILTER_FIELDS[k] for k, v in filter_value.items() if k in _FILTER_FIELDS and v is not None
    }
    return pricing.limits.max_scan_pages if given - source.native_filters else 0


def _root_listing(
    p: Pricing, node: FieldNode, parents: int, v: Mapping[str, Any]
) -> tuple[int, int]:
    first = _first(p, node, v)
    flt = argument(node, "filter", v)
    cost = sum(s.costs.listing(first, scan_pages=_scan_pages(p, s, flt)) for s in p.sources)
    return parents * cost, 1


def _account_listing(
    p: Pricing, node: FieldNode, parents: int, v: Mapping[str, Any]
) -> tuple[int, int]:
    """One listing per distinct account (the operation's page cache shares the rest)."""
    first = _first(p, node, v)
    flt = argument(node, "filter", v)
    worst = max(
        (s.costs.listing(first, scan_pages=_scan_pages(p, s, flt)) for s in p.sources), default=0
    )
    return min(parents, len(p.sources)) * worst, 1


def _children(p: Pricing, node: FieldNode, parents: int, v: Mapping[str, Any]) -> tuple[int, int]:
    """One batch per source for the parents it holds: each source's fixed part, plus its
    per-parent part for its share. However the ``parents`` split among the sources, the
    per-parent parts add up to at most ``parents`` times the dearest one, and to at most
    each source's cap times its per-parent price."""
    if parents <= 0 or not p.sources:
        return 0, 1
    first = _first(p, node, v) + 1
    fixed = sum(s.costs.children_fixed for s in p.sources)
    each = [s.costs.children(1, first) - s.costs.children_fixed for s in p.sources]
    spread = parents * max(each)
    caps = [s.costs.children_parent_cap for s in p.sources]
    if all(cap is not None for cap in caps):
        spread = min(spread, sum(c * e for c, e in zip(caps, each, strict=True) if c is not None))
    return fixed + spread, 1


def _lookup(p: Pricing, node: FieldNode, parents: int, v: Mapping[str, Any]) -> tuple[int, int]:
    """Lookups are per id: however the parents split among sources, at most ``parents``
    times the dearest source's price per id."""
    return max((s.costs.lookups(parents) for s in p.sources), default=0), 1


#: Admission prices a page's call/conference listing as missing one id in this many (read
#: by id afterwards). A listing covers the page's whole time window, so it misses only calls
#: the vendor no longer has or that began long before their recordings. The worst case
#: (every id missed: ``RequestCosts.recording_lookups``) would price an ordinary
#: ``recordings(first: 500) { call { from } }`` at about 1,000 requests where it sends about
#: 20; the request budget (``providers._budget``) holds the rare worse page to ``max_cost``,
#: reporting ``COST_LIMIT`` for what it could not read.
LOOKUP_MISS_SHARE = 10


def _recording_lookup(kind: str) -> FieldPrice:
    """A page of recordings' calls or conferences: each source may read its listing
    (``RequestCosts.call_listing``/``conference_listing``), then read by id what the
    listing missed, priced at one in :data:`LOOKUP_MISS_SHARE` of ``parents``."""

    def price(p: Pricing, node: FieldNode, parents: int, v: Mapping[str, Any]) -> tuple[int, int]:
        if parents <= 0 or not p.sources:
            return 0, 1
        listings = sum(s.costs.recording_lookups(kind, 1) - s.costs.lookups(1) for s in p.sources)
        misses = -(-parents // LOOKUP_MISS_SHARE)
        return listings + max(s.costs.lookups(misses) for s in p.sources), 1

    return price


def _node(p: Pricing, node: FieldNode, parents: int, v: Mapping[str, Any]) -> tuple[int, int]:
    return parents * max((s.costs.lookups(1) for s in p.sources), default=0), 1


def _nodes(p: Pricing, node: FieldNode, parents: int, v: Mapping[str, Any]) -> tuple[int, int]:
    ids = argument(node, "ids", v)
    if not isinstance(ids, list):
        return 0, 1
    by_key = {s.key: s for s in p.sources}
    cost = 0
    for raw in ids:
        decoded = p.decode(raw) if isinstance(raw, str) else None
        if decoded is None or decoded[0] == "Account":
            continue
        source = by_key.get((decoded[1], decoded[2]))
        if source is not None:
            cost += source.costs.lookups(1)
    return parents * cost, len(ids)


#: A write and the lookups it may need (the target, its call's active recording).
_CONTROL_REQUESTS = 3


def _write(requests: int) -> FieldPrice:
    def price(p: Pricing, node: FieldNode, parents: int, v: Mapping[str, Any]) -> tuple[int, int]:
        return parents * requests, 1

    return price


def _delete_many(
    p: Pricing, node: FieldNode, parents: int, v: Mapping[str, Any]
) -> tuple[int, int]:
    """A filter scan of every visible account, then one request per recording handled
    (a delete, or in a dry run by IDs a by-id read), ``limit`` of them at most."""
    from gateway.retention import MAX_SCAN_PAGES
    from gateway.types.mutations import DEFAULT_DELETE_LIMIT, MAX_DELETE_LIMIT

    given = argument(node, "input", v)
    given = given if isinstance(given, dict) else {}
    limit = given.get("limit")
    handled: int = DEFAULT_DELETE_LIMIT
    if isinstance(limit, int) and 0 < limit <= MAX_DELETE_LIMIT:
        handled = limit
    ids = given.get("ids")
    if isinstance(ids, list):
        handled = min(handled, len(ids))
    scan = 0
    if given.get("filter") is not None or ids is None:
        scan = sum(s.costs.listing(1, scan_pages=MAX_SCAN_PAGES) for s in p.sources)
    return parents * (scan + handled), 1


PRICES.update(
    {
        ("Mutation", "deleteRecording"): _write(2),
        ("Mutation", "deleteRecordings"): _delete_many,
        ("Mutation", "startRecording"): _write(_CONTROL_REQUESTS),
        ("Mutation", "pauseRecording"): _write(_CONTROL_REQUESTS),
        ("Mutation", "resumeRecording"): _write(_CONTROL_REQUESTS),
        ("Mutation", "stopRecording"): _write(_CONTROL_REQUESTS),
        ("RecordingControlled", "call"): _lookup,
        ("RecordingControlled", "conference"): _lookup,
        ("RecordingControlled", "recording"): _lookup,
        ("RecordingEvent", "recording"): _lookup,
        ("RecordingEvent", "call"): _lookup,
        ("RecordingEvent", "conference"): _lookup,
        ("Query", "recordings"): _root_listing,
        ("Account", "recordings"): _account_listing,
        ("Account", "calls"): _account_listing,
        ("Account", "conferences"): _account_listing,
        ("Call", "recordings"): _children,
        ("Conference", "recordings"): _children,
        ("Recording", "call"): _recording_lookup("call"),
        ("Recording", "conference"): _recording_lookup("conference"),
        ("Query", "node"): _node,
        ("Query", "nodes"): _nodes,
    }
)


def priced_source(backend: Any, key: tuple[str, str]) -> PricedSource:
    return PricedSource(
        costs=getattr(backend, "request_costs", DEFAULT_COSTS),
        native_filters=frozenset(getattr(backend, "native_filters", frozenset())),
        key=key,
    )
