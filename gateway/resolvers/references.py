"""References: a recording's ``call`` and ``conference`` without fetching them.

A recording row already names its call or conference and its account. When a selection
asks only for what that gives (``id``, ``providerCallId``/``providerConferenceId``,
``__typename``, ``account``), the resolver answers with a reference built from the row and
sends no upstream request; any other field loads the object through the loaders.

A reference to a call or conference the vendor no longer has is still answered (it is
what the recording says), whereas a selection that loads it answers ``null``. The
operation price (:mod:`gateway.limits.cost`) counts references as free, by the same rule
(:data:`gateway.limits.cost.REFERENCE_FIELDS`).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from graphql import GraphQLObjectType, get_named_type
from graphql.execution.collect_fields import FieldDetails, FragmentDetails, collect_subfields

from gateway.limits.cost import REFERENCE_FIELDS
from gateway.loaders import load_now
from providers import models as m

if TYPE_CHECKING:
    from graphql import GraphQLResolveInfo

    from gateway.context import Info


def references_only(info: Info) -> bool:
    """Whether the field being resolved selects only reference fields; decided once per
    place in the document (cached like :func:`gateway.resolvers.prefetch.selected_on_nodes`)."""
    variables = info.context.variables
    if variables is None:
        return False  # not under gateway.execution: load, as stock
    raw: GraphQLResolveInfo[Any] = info._raw_info
    key = tuple(map(id, raw.field_nodes))
    cache = info.context.references
    found = cache.get(key)
    if found is None:
        found = cache[key] = _only_references(raw, variables)
    return bool(found)


def _only_references(raw: GraphQLResolveInfo[Any], variables: Any) -> bool:
    named = get_named_type(raw.return_type)
    details = [FieldDetails(node, None) for node in raw.field_nodes]
    return only_references(raw, variables, named, details)


def only_references(
    raw: GraphQLResolveInfo[Any], variables: Any, named: Any, details: list[FieldDetails]
) -> bool:
    """Whether ``details`` (selections of a field returning ``named``) ask only for
    reference fields."""
    if not isinstance(named, GraphQLObjectType) or named.name not in REFERENCE_FIELDS:
        return False
    fragments = {name: FragmentDetails(d) for name, d in raw.fragments.items()}
    grouped = collect_subfields(
        raw.schema, fragments, variables, raw.operation, named, details
    ).grouped_field_set
    allowed = REFERENCE_FIELDS[named.name]
    return all(group[0].node.name.value in allowed for group in grouped.values())


def call_or_reference(
    info: Info, provider: str, account_name: str, call_id: str
) -> m.Call | Awaitable[m.Call | None] | None:
    """What a ``call`` field answers for an object that names a call (a recording, an
    event, a control result): a reference when the selection asks no more, else the call
    through the loaders (``null`` when the vendor no longer has it)."""
    if references_only(info):
        return m.Call(provider, account_name, call_id)
    return load_now(info.context.loaders.call, (account_name, call_id))


def conference_or_reference(
    info: Info, provider: str, account_name: str, conference_id: str
) -> m.Conference | Awaitable[m.Conference | None] | None:
    """As :func:`call_or_reference`, for a conference."""
    if references_only(info):
        return m.Conference(provider, account_name, conference_id)
    return load_now(info.context.loaders.conference, (account_name, conference_id))
