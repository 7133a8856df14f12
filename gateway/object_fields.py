"""Planned object-typed fields for :class:`gateway.execution.FastExecutionContext`.

Why: a page of 500 recordings selecting ``call { id providerCallId } conference { id }``
has a thousand ``call``/``conference`` objects, and the stock path gives each of them a
``Path``, a ``GraphQLResolveInfo``, Strawberry's resolver wrapper, ``complete_value``
(twice for a non-null type), ``complete_object_value`` and ``collect_and_execute_subfields``
before the object's own fields are even looked at: about 20 us per object.

An ``OBJECT`` plan entry (:mod:`gateway.field_plans`) is made, when the schema has no
exception handlers and no ``resolve`` hooks, for a field of an object type (not an
interface or union) that is either a plain attribute (Strawberry's default resolver:
``getattr``) or listed in :attr:`ObjectFieldPlans.direct_object_resolvers` (sync
resolvers with no field extensions whose arguments, if any, are plain scalars: they are
coerced and converted once, see :func:`~gateway.field_plans.static_arguments`). Per
object, the attribute is read or the resolver called directly with a
:class:`~gateway.field_plans.FieldOnlyInfo`, and then:

* it raised ``AttributeError`` for an attribute that info lacks: the stock
  ``execute_field`` resolves the field again, with a real info;
* it raised anything else: reported as ``execute_field`` reports it (``handle_field_error``:
  located error, null, or propagation out of a non-null field);
* ``None`` in a nullable field: ``None``;
* a plain value (never awaitable, not an exception) that passes the type's ``is_type_of``,
  with a plan for the type's sub-selection and no deferred fragments: the type's plan, on
  the field's path, as the stock ``execute_fields`` would be reached;
* anything else (an awaitable, ``None`` in a non-null field, a failed ``is_type_of``, no
  plan): the stock completion of that same value (``complete_awaitable_value`` or
  ``complete_value`` with a real info), so the resolver is never called twice.

A ``LIST`` entry is a plain list attribute whose items are of an object type (a
connection's ``nodes``, ``edges``, ``failures``): a ``list`` whose every item would take
the item type's plan (checked first, with no side effect) has each item filled by it on
its own path, with the stock per-item error handling and gathering; any other value (a
tuple, ``None``, an exception, an item that is ``None``, another type's or not plain)
gets the stock completion of the whole value.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.executor import to_nodes
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.arguments import convert_arguments
from strawberry.types.field import StrawberryField

from .field_plans import (
    LIST,
    OBJECT,
    PLAIN_TYPES,
    Entry,
    FieldOnlyInfo,
    FieldRawInfo,
    ObjectTarget,
    Plan,
    direct_call,
    is_plain_attribute,
    is_plain_type,
    static_arguments,
    strawberry_field,
)

__all__ = ["ObjectFieldPlans"]


class ObjectFieldPlans(StrawberryGraphQLCoreExecutionContext):
    """The ``OBJECT`` entries of :class:`gateway.execution.FastExecutionContext`."""

    _fast_direct_ok: bool

    # Object-typed fields whose sync resolver may be called directly with a
    # FieldOnlyInfo: they read only ``parent``, ``info.context`` and the field's place in
    # the document (``references_only``), and return a value or an awaitable.
    direct_object_resolvers: frozenset[str] = frozenset(
        {
            "Call.recordings",
            "Conference.recordings",
            "Recording.account",
            "Recording.call",
            "Recording.conference",
        }
    )

    async def _settled_item(
        self,
        completed: Any,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        item_path: Path,
    ) -> Any:
        """The stock ``complete_list_item_value``'s wrapper for an awaitable item."""
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, item_type, field_details_list, item_path)
            return None

    def _plan_object_field(
        self,
        parent_type: GraphQLObjectType,
        response_name: str,
        details: FieldDetailsList,
        field_def: GraphQLField,
        stock: Entry,
    ) -> Entry:
        """An ``OBJECT`` entry (an object attribute, or a whitelisted resolver, its
        arguments converted once), a ``LIST`` entry (a list attribute of an object type),
        or ``stock``."""
        field_type = field_def.type
        non_null = isinstance(field_type, GraphQLNonNull)
        inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
        item_type = inner.of_type if isinstance(inner, GraphQLList) else None
        named = item_type if item_type is not None else inner
        object_type = named.of_type if isinstance(named, GraphQLNonNull) else named
        field = strawberry_field(field_def)
        if not isinstance(object_type, GraphQLObjectType) or not self._fast_direct_ok:
            return stock
        if field is None:
            return stock
        field_name = details[0].node.name.value
        raw_info = FieldRawInfo(
            field_name=field_name,
            field_nodes=to_nodes(details),
            return_type=field_type,
            parent_type=parent_type,
            schema=self.schema,
            fragments=self.fragment_definitions,
            root_value=self.root_value,
            operation=self.operation,
            variable_values=self.variable_values,
            context=self.context_value,
            is_awaitable=self.is_awaitable,
        )
        target = ObjectTarget(field_def, object_type, raw_info, item_type)
        if is_plain_attribute(field_def, field) and not details[0].node.arguments:
            kind = OBJECT if item_type is None else LIST
            read = attrgetter(field.python_name)
            return Entry(response_name, kind, "", read, None, non_null, details, target)
        if item_type is not None or (
            f"{parent_type.name}.{field_name}" not in self.direct_object_resolvers
        ):
            return stock
        arguments: dict[str, Any] | None = None
        if field_def.args or details[0].node.arguments:
            arguments = self._static_arguments(field_def, field, details)
            if arguments is None:
                return stock
        call = direct_call(field_def, field, FieldOnlyInfo(self.context_value, raw_info), arguments)
        if call is None:
            return stock
        return Entry(response_name, OBJECT, "", call, None, non_null, details, target)

    def _static_arguments(
        self, field_def: GraphQLField, field: StrawberryField, details: FieldDetailsList
    ) -> dict[str, Any] | None:
        """The field's arguments as its resolver gets them, computed once for the entry
        (graphql-core's ``get_argument_values``, then Strawberry's ``convert_arguments``),
        or None where the stock path must compute (and report) them itself."""
        strawberry_schema = getattr(self.schema, "_strawberry_schema", None)
        converter = getattr(strawberry_schema, "schema_converter", None)
        if strawberry_schema is None or converter is None:
            return None
        first = details[0]
        try:
            raw = get_argument_values(
                field_def,
                first.node,
                self.variable_values,
                first.fragment_variable_values,
                self.hide_suggestions,
            )
        except Exception:
            return None

        def convert(value: dict[str, Any], arguments: list[Any]) -> dict[str, Any]:
            return convert_arguments(
                value,
                arguments,
                scalar_registry=converter.scalar_registry,
                config=strawberry_schema.config,
            )

        try:
            return static_arguments(field, raw, convert)
        except Exception:
            return None

    def _object_field(
        self, parent_type: GraphQLObjectType, source: Any, path: Path | None, entry: Entry
    ) -> AwaitableOrValue[Any]:
        """``execute_field`` for an ``OBJECT`` entry: the resolver called directly, its
        value completed by the object type's plan when that is what the stock
        ``complete_value`` would come to, else by the stock completion itself."""
        _, _, _, call, _, non_null, details, target = entry
        field_def = target.field_def
        field_path = Path(path, entry.response_name, parent_type.name)
        assert call is not None
        try:
            value = call(source)
        except AttributeError as error:
            if isinstance(error.obj, (FieldOnlyInfo, FieldRawInfo)):
                # The resolver wanted more than the planned info has: the stock path.
                return self.execute_field(parent_type, source, details, field_path, None)
            self.handle_field_error(error, field_def.type, details, field_path)
            return None
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_def.type, details, field_path)
            return None
        if value is None:
            if not non_null:
                return None
            return self._complete_stock(parent_type, field_def, details, field_path, value)
        plan = self._value_plan(target, details, value)
        if plan is None:
            return self._complete_stock(parent_type, field_def, details, field_path, value)
        try:
            completed = self._execute_plan(target.object_type, value, field_path, plan)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_def.type, details, field_path)
            return None
        if type(completed) is not dict and self.is_awaitable(completed):
            return self._settled_item(completed, field_def.type, details, field_path)
        return completed

    def _list_field(
        self, parent_type: GraphQLObjectType, source: Any, path: Path | None, entry: Entry
    ) -> AwaitableOrValue[Any]:
        """``execute_field`` for a ``LIST`` entry: the attribute read, then, when it is a
        ``list`` whose every item the stock ``complete_object_value`` would simply execute
        (see :meth:`_items_plan`), each item filled by the item type's plan on its own
        path, as ``complete_iterable_value`` would; anything else, the stock completion of
        that same value."""
        _, _, _, read, _, non_null, details, target = entry
        field_def = target.field_def
        field_path = Path(path, entry.response_name, parent_type.name)
        assert read is not None
        try:
            value = read(source)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_def.type, details, field_path)
            return None
        if type(value) is not list:
            if value is None and not non_null:
                return None
            return self._complete_stock(parent_type, field_def, details, field_path, value)
        if not value:
            return []
        plan = self._items_plan(target, details, value)
        if plan is None:
            return self._complete_stock(parent_type, field_def, details, field_path, value)
        object_type, item_type = target.object_type, target.item_type
        assert item_type is not None
        completed: list[Any] = []
        waiting: list[int] = []
        try:
            for index, item in enumerate(value):
                item_path = Path(field_path, index, None)
                try:
                    result = self._execute_plan(object_type, item, item_path, plan)
                except Exception as raw_error:
                    self.handle_field_error(raw_error, item_type, details, item_path)
                    result = None
                else:
                    if type(result) is not dict and self.is_awaitable(result):
                        result = self._settled_item(result, item_type, details, item_path)
                        waiting.append(index)
                completed.append(result)
        except Exception as raw_error:
            if waiting:
                self.settle_in_background([completed[i] for i in waiting])
            self.handle_field_error(raw_error, field_def.type, details, field_path)
            return None
        if not waiting:
            return completed
        # As the stock ``execute_field`` awaits a list completed later: a failure (a
        # non-null item's null) is the list field's error.
        return self._settled_item(
            _gather_items(completed, waiting), field_def.type, details, field_path
        )

    def _items_plan(
        self, target: ObjectTarget, details: FieldDetailsList, items: list[Any]
    ) -> Plan | None:
        """The item type's plan when every item would get it (:meth:`_value_plan`: never
        ``None``, plain, accepted by ``is_type_of``), else None. Checked before any item
        is completed, so a list that needs the stock path gets it whole; ``is_type_of``
        is assumed free of side effects, as the stock executor may also call it twice."""
        for item in items:
            if item is None or self._value_plan(target, details, item) is None:
                return None
        return target.plan  # type: ignore[return-value]

    def _value_plan(
        self, target: ObjectTarget, details: FieldDetailsList, value: Any
    ) -> Plan | None:
        """The object type's plan for ``value``, or None where the stock
        ``complete_object_value`` would not simply execute the sub-selection: a value
        that might be awaitable or an exception, one that ``is_type_of`` does not accept
        (or that it fails on, or answers with an awaitable), deferred fragments, nothing
        to plan. The plan depends only on the entry, so it is looked up once."""
        cls = type(value)
        if not (PLAIN_TYPES.get(cls) or is_plain_type(cls)):
            return None
        is_type_of = target.is_type_of
        if is_type_of is not None:
            info: Any = target.raw_info  # what of GraphQLResolveInfo does not vary
            try:
                if is_type_of(value, info) is not True:
                    return None
            except Exception:
                return None
        if target.plan is Undefined:
            target.plan = self._item_plan(target.object_type, details, value, target.raw_info)
        return target.plan  # type: ignore[return-value]

    def _complete_stock(
        self,
        parent_type: GraphQLObjectType,
        field_def: GraphQLField,
        details: FieldDetailsList,
        path: Path,
        result: Any,
    ) -> AwaitableOrValue[Any]:
        """The rest of the stock ``execute_field`` once the resolver has returned
        ``result``, with a real ``GraphQLResolveInfo``."""
        return_type = field_def.type
        info = self.build_resolve_info(field_def, to_nodes(details), parent_type, path)
        try:
            if self.is_awaitable(result):
                return self.complete_awaitable_value(return_type, details, info, path, result, None)
            completed = self.complete_value(return_type, details, info, path, result, None)
            if self.is_awaitable(completed):
                return self._settled_item(completed, return_type, details, path)
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, details, path)
            return None
        return completed

    def _item_plan(
        self, object_type: GraphQLObjectType, details: FieldDetailsList, item: Any, info: Any
    ) -> Plan | None:
        """The plan for ``item`` as a value of ``object_type`` (FastExecutionContext)."""
        raise NotImplementedError

    def _execute_plan(
        self, parent_type: GraphQLObjectType, source: Any, path: Path | None, plan: Plan
    ) -> AwaitableOrValue[dict[str, Any]]:
        """Fill ``plan`` for ``source`` (FastExecutionContext)."""
        raise NotImplementedError


async def _gather_items(completed: list[Any], waiting: list[int]) -> list[Any]:
    """The tail of the stock ``complete_iterable_value``: await the items still settling."""
    if len(waiting) == 1:
        index = waiting[0]
        completed[index] = await completed[index]
    else:
        settled = await gather_with_cancel(*(completed[index] for index in waiting))
        for index, value in zip(waiting, settled, strict=True):
            completed[index] = value
    return completed
