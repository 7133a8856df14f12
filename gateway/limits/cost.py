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


def analyse(
    schema_types: Mapping[str, GraphQLNamedType],
    root: GraphQLObjectType,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    pricing: Pricing,
    prices: Mapping[tuple[str, str], FieldPrice],
) -> Shape:
    """The operation's shape; raises :class:`LimitExceeded` as soon as one is passed.
    ``prices`` names what each field costs (:data:`gateway.limits.prices.PRICES`)."""
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
        price = prices.get((parent.name, name))
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
        child_items = first_of(pricing, node, variables) if named.name.endswith("Connection") else 1
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


def first_of(pricing: Pricing, node: FieldNode, variables: Mapping[str, Any]) -> int:
    first = argument(node, "first", variables)
    if not isinstance(first, int) or isinstance(first, bool):
        return pricing.default_page_size
    return max(0, min(first, pricing.max_page_size))


def priced_source(backend: Any, key: tuple[str, str]) -> PricedSource:
    return PricedSource(
        costs=getattr(backend, "request_costs", DEFAULT_COSTS),
        native_filters=frozenset(getattr(backend, "native_filters", frozenset())),
        key=key,
    )
