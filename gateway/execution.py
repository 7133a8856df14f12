"""A leaf-projection fast path for graphql-core's executor.

Why: most of what a listing query asks for is scalar fields of the domain dataclasses
(``providers.models``), which Strawberry resolves with ``getattr``. The stock executor
still does, for every field of every object, a ``Path``, a ``GraphQLResolveInfo``, a
resolver call through Strawberry's wrapper, two awaitable checks and a recursive
``complete_value``. For a page of 500 recordings with a dozen fields that is most of the
request's CPU time. Here each (object type, collected selection) gets a *plan* once per
operation, and every object of that shape is filled in one loop of ``getattr`` plus the
type's own ``coerce_output_value`` (the same call the stock ``complete_leaf_value``
makes, so enums, DateTime, Decimal and JSON come out byte for byte the same).

Only what is provably equivalent is planned; every other field keeps the stock
``execute_field`` *in the same loop, in selection order*, so a mixed selection
(``{ id createdAt call { ... } }``) still gets the fast path for its leaves:

* planned: argument-free fields whose type is a (non-null) scalar or enum, whose
  ``GraphQLField.resolve`` is Strawberry's ``_get_basic_result`` (no resolver, no field
  extensions, no permission classes, no exception handlers) on a plain ``StrawberryField``
  with ``getattr`` as the default resolver; ``__typename``; and the ``id`` resolvers
  listed in :attr:`FastExecutionContext.direct_resolvers`, called directly with a
  context-only ``info`` (see :class:`ContextOnlyInfo`).
* planned objects: the argument-free object-typed fields listed in
  :attr:`FastExecutionContext.direct_object_resolvers` (a recording's ``call``,
  ``conference`` and ``account``): their sync resolver is called directly (with a
  :class:`FieldOnlyInfo`), and a value available right away (a reference built from the
  row, an object the page prefetched) is completed by the object type's own plan, as a
  list item is. Anything else it returns (an awaitable, ``None`` in a non-null field, a
  value failing ``is_type_of``, a type with deferred fragments or nothing to plan) gets
  the stock completion of that same value, and an error it raises is reported as
  ``execute_field`` would report it.
* planned attributes and lists: argument-free object-typed attributes (an edge's
  ``node``, a connection's ``pageInfo``) complete their value the same way, and list
  attributes of an object type (``nodes``, ``edges``, ``failures``) fill each item with
  the item type's plan, when every item would get it (:mod:`gateway.object_fields`).
* planned resolvers with arguments: ``Call.recordings`` / ``Conference.recordings``,
  whose plain scalar arguments are coerced (graphql-core) and converted (Strawberry)
  once per place in the document instead of once per object.
* stock: other fields with arguments, directives other than ``@include``/``@skip``
  (those were already applied when the fields were collected), fragment variables,
  lists returned by resolvers, abstract types, any other resolver; the whole operation
  when a schema extension hooks ``resolve`` (middleware) or when ``@defer`` is in play.
* per value: ``None`` in a non-null field, a value whose type might be awaitable or is an
  exception, an exception while reading or coercing, or a coercion to ``None``: that one
  field of that one object is handed to the stock ``execute_field``, which produces the
  error (message, path, locations, null propagation) exactly as it always did. Reading a
  frozen dataclass attribute twice is harmless, so nothing is lost by redoing it.

Items of a list of a planned object type go to their plan directly from
``complete_list_item_value``, skipping the five stock calls between the two; how one field
gets planned is in :mod:`gateway.field_plans`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    TypeNameMetaFieldDef,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined, gather_with_cancel

from .context import GatewayContext
from .field_plans import (
    ATTR,
    CALL,
    CONST,
    NATIVE_ID_ATTRS,
    OBJECT,
    PLAIN_TYPES,
    SKIP_INCLUDE,
    STOCK,
    ContextOnlyInfo,
    Entry,
    Plan,
    direct_call,
    is_plain_attribute,
    is_plain_type,
    leaf_type,
    strawberry_field,
)
from .ids import encode_id
from .object_fields import ObjectFieldPlans
from .resolve_helpers import weak_resolve_helpers

__all__ = ["FastExecutionContext"]


class FastExecutionContext(ObjectFieldPlans):
    """Strawberry's executor with planned, one-pass completion of leaf selections."""

    # Schema coordinates whose sync resolver may be called directly (no Info, no
    # awaitable machinery). Only resolvers that read nothing but ``parent`` and
    # ``info.context`` belong here; the differential tests hold them to the stock path.
    direct_resolvers: frozenset[str] = frozenset(
        {"Account.id", "Call.id", "Conference.id", "Recording.id"}
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # A schema extension with a ``resolve`` hook must see every field: no fast path.
        self._fast_enabled = manager is None or not manager.middlewares
        self._fast_plans: dict[
            tuple[GraphQLObjectType, int], tuple[GroupedFieldSet, Plan | None]
        ] = {}
        self._fast_item_plans: dict[
            tuple[GraphQLObjectType, int], tuple[FieldDetailsList, Plan | None]
        ] = {}
        self._fast_info = ContextOnlyInfo(self.context_value)
        strawberry_schema = getattr(self.schema, "_strawberry_schema", None)
        self._fast_direct_ok = not getattr(strawberry_schema, "exception_handlers", ())
        # account_name -> (provider, provider account id), filled as ids are computed.
        self._fast_accounts: dict[str, tuple[str, str]] = {}
        if isinstance(self.context_value, GatewayContext):
            self.context_value.variables = self.variable_values
        self.async_helpers = weak_resolve_helpers(self)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        if position_context is None and self._fast_enabled:
            plan = self._plan_for(parent_type, grouped_field_set, source_value)
            if plan is not None:
                return self._execute_plan(parent_type, source_value, path, plan)
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )

    def complete_list_item_value(
        self,
        item: Any,
        complete_results: list[Any],
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        item_path: Path,
        position_context: Any,
    ) -> bool:
        """A planned object item goes straight to its plan.

        The stock route to the same ``execute_fields`` call is ``complete_value`` (twice,
        for the non-null wrapper), ``complete_object_value``, ``is_type_of``,
        ``collect_and_execute_subfields`` and ``execute_collected_subfields``: about a
        microsecond per item. Here the checks they make are made directly, and anything
        they would not pass through unchanged (``None``, a non-plain value, a failed or
        awaitable ``is_type_of``, deferred fragments, no plan) takes the stock route.
        """
        object_type = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        plan = None
        if (
            position_context is None
            and self._fast_enabled
            and isinstance(object_type, GraphQLObjectType)
        ):
            plan = self._item_plan(object_type, field_details_list, item, info)
        if plan is None or not isinstance(object_type, GraphQLObjectType):
            return super().complete_list_item_value(
                item,
                complete_results,
                item_type,
                field_details_list,
                info,
                item_path,
                position_context,
            )
        try:
            completed = self._execute_plan(object_type, item, item_path, plan)
        except Exception as raw_error:
            self.handle_field_error(raw_error, item_type, field_details_list, item_path)
            complete_results.append(None)
            return False
        if not self.is_awaitable(completed):
            complete_results.append(completed)
            return False
        complete_results.append(
            self._settled_item(completed, item_type, field_details_list, item_path)
        )
        return True

    def _item_plan(
        self,
        object_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        item: Any,
        info: GraphQLResolveInfo[Any],
    ) -> Plan | None:
        if item is None or not (PLAIN_TYPES.get(type(item)) or is_plain_type(type(item))):
            return None
        is_type_of = object_type.is_type_of
        if is_type_of is not None:
            try:
                if is_type_of(item, info) is not True:
                    return None
            except Exception:
                return None
        # Every item of one list shares its field_details_list (kept alive in the entry, so
        # that its id is not reused within this operation).
        key = (object_type, id(field_details_list))
        cached = self._fast_item_plans.get(key)
        if cached is None:
            grouped_field_set, new_defer_usages, _ = self.collect_subfields(
                object_type, field_details_list
            )
            plan = (
                None if new_defer_usages else self._plan_for(object_type, grouped_field_set, item)
            )
            cached = self._fast_item_plans[key] = (field_details_list, plan)
        return cached[1]

    def _plan_for(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet, sample: Any
    ) -> Plan | None:
        # collect_subfields memoizes its result per (type, field list), so every item of a
        # list shares one grouped_field_set object; keeping it in the cache entry keeps its
        # id from being reused within this operation.
        key = (parent_type, id(grouped_field_set))
        cached = self._fast_plans.get(key)
        if cached is None:
            plan = self._build_plan(parent_type, grouped_field_set, sample)
            cached = self._fast_plans[key] = (grouped_field_set, plan)
        return cached[1]

    def _build_plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet, sample: Any
    ) -> Plan | None:
        """One entry per response key, in order; None when nothing would be faster."""
        entries = [
            self._plan_field(parent_type, response_name, details, sample)
            for response_name, details in grouped_field_set.items()
        ]
        return tuple(entries) if any(e.kind != STOCK for e in entries) else None

    def _plan_field(
        self,
        parent_type: GraphQLObjectType,
        response_name: str,
        details: FieldDetailsList,
        sample: Any,
    ) -> Entry:
        stock = Entry(response_name, STOCK, "", None, None, False, details, None)
        nodes = [d.node for d in details]
        if any(d.fragment_variable_values is not None for d in details):
            return stock
        if any(
            directive.name.value not in SKIP_INCLUDE
            for node in nodes
            for directive in node.directives or ()
        ):
            return stock
        field_name = nodes[0].name.value
        field_def = self.schema.get_field(parent_type, field_name)
        if field_def is None:
            return stock
        leaf = leaf_type(field_def)
        if leaf is None:
            return self._plan_object_field(parent_type, response_name, details, field_def, stock)
        if field_def.args or any(node.arguments for node in nodes):
            return stock
        coerce, non_null = leaf
        if field_def is TypeNameMetaFieldDef:
            try:
                value = coerce(parent_type.name)
            except Exception:
                return stock
            return Entry(response_name, CONST, "", None, None, non_null, details, value)
        field = strawberry_field(field_def)
        if field is None:
            return stock
        if is_plain_attribute(field_def, field):
            assert field.python_name
            attr = field.python_name
            return Entry(response_name, ATTR, attr, None, coerce, non_null, details, None)
        if self._fast_direct_ok and f"{parent_type.name}.{field_name}" in self.direct_resolvers:
            call = direct_call(field_def, field, self._fast_info)
            if call is None:
                return stock
            if field_name == "id" and parent_type.name in NATIVE_ID_ATTRS:
                call = self._verified_global_id(parent_type.name, call, sample)
            return Entry(response_name, CALL, "", call, coerce, non_null, details, None)
        return stock

    def _verified_global_id(
        self, type_name: str, resolver: Callable[[Any], Any], sample: Any
    ) -> Callable[[Any], Any]:
        """``connections.global_id`` without its per-object account lookup.

        The resolver asks ``context.source(name).account`` for every object, and backends
        build that ``Account`` on each access; here it is looked up once per account per
        operation. The shortcut is taken only if it gives the resolver's answer for the
        first object of the selection, so a changed ID scheme turns it off rather than
        producing different IDs (the differential tests cover the rest).
        """
        attr = NATIVE_ID_ATTRS[type_name]
        accounts = self._fast_accounts
        context = self.context_value

        def global_id(source: Any) -> str:
            name = source.account_name
            known = accounts.get(name)
            if known is None:
                account = context.source(name).account
                known = accounts[name] = (account.provider, account.provider_account_id)
            return encode_id(type_name, known[0], known[1], getattr(source, attr))

        try:
            same = global_id(sample) == resolver(sample)
        except Exception:
            same = False
        return global_id if same else resolver

    def _execute_plan(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        path: Path | None,
        plan: Plan,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """``execute_fields`` with planned entries filled inline; mirrors the stock loop
        (same key order, same awaitable gathering, same cleanup on a propagating error)."""
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        plain_types = PLAIN_TYPES
        try:
            for entry in plan:
                name, kind, attr, call, coerce, non_null, details, const = entry
                if kind <= CALL:
                    try:
                        value = getattr(source, attr) if call is None else call(source)
                        if value is None:
                            if not non_null:
                                results[name] = None
                                continue
                        elif plain_types.get(type(value)) or is_plain_type(type(value)):
                            out = coerce(value)  # type: ignore[misc]
                            if out is not None and out is not Undefined:
                                results[name] = out
                                continue
                    except Exception:  # noqa: S110 - the stock path below reports it
                        pass
                elif kind == CONST:
                    results[name] = const
                    continue
                elif kind >= OBJECT:
                    result = (
                        self._object_field(parent_type, source, path, entry)
                        if kind == OBJECT
                        else self._list_field(parent_type, source, path, entry)
                    )
                    results[name] = result
                    if (
                        result is not None
                        and type(result) is not dict
                        and self.is_awaitable(result)
                    ):
                        awaitable_fields.append(name)
                    continue
                # Stock: unplanned field, or a value the plan must not complete itself.
                result = self.execute_field(
                    parent_type, source, details, Path(path, name, parent_type.name), None
                )
                if result is not Undefined:
                    results[name] = result
                    if self.is_awaitable(result):
                        awaitable_fields.append(name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return _gather_fields(results, awaitable_fields)


async def _gather_fields(results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
    """The tail of the stock ``execute_fields``: await the stock fields' awaitables."""
    if len(awaitable_fields) == 1:
        field = awaitable_fields[0]
        results[field] = await results[field]
    else:
        awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
        results.update(zip(awaitable_fields, awaited, strict=True))
    return results
