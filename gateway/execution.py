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
  context-only ``info`` (see :class:`_ContextOnlyInfo`).
* stock: fields with arguments, directives other than ``@include``/``@skip`` (those were
  already applied when the fields were collected), fragment variables, lists, objects,
  abstract types, any other resolver; the whole operation when a schema extension hooks
  ``resolve`` (middleware) or when ``@defer`` is in play.
* per value: ``None`` in a non-null field, a value whose type might be awaitable or is an
  exception, an exception while reading or coercing, or a coercion to ``None``: that one
  field of that one object is handed to the stock ``execute_field``, which produces the
  error (message, path, locations, null propagation) exactly as it always did. Reading a
  frozen dataclass attribute twice is harmless, so nothing is lost by redoing it.
"""

from __future__ import annotations

from collections.abc import Callable
from types import CoroutineType, GeneratorType
from typing import Any, NamedTuple

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    TypeNameMetaFieldDef,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from .context import GatewayContext
from .ids import encode_id
from .resolve_helpers import weak_resolve_helpers

__all__ = ["FastExecutionContext"]

_SKIP_INCLUDE = frozenset({"skip", "include"})

# Plan entry kinds (``kind <= _CALL``: a value to complete as a leaf).
_ATTR = 0  # getattr + coerce_output_value
_CALL = 1  # a whitelisted sync resolver called without Strawberry's wrapper
_CONST = 2  # a value known when planning (``__typename``)
_STOCK = 3  # graphql-core's execute_field


class _Entry(NamedTuple):
    response_name: str
    kind: int
    attr: str  # _ATTR: the Python attribute name
    call: Callable[[Any], Any] | None  # _CALL: source -> value
    coerce: Callable[[Any], Any] | None  # _ATTR/_CALL: the leaf type's coerce_output_value
    non_null: bool
    field_details_list: FieldDetailsList
    const: Any  # _CONST: the completed value


_Plan = tuple[_Entry, ...]

# type -> "a value of this type is never awaitable and never an exception". The stock
# executor checks both on every resolver result; checking the type once gives the same
# answer for the frozen, slotted values of ``providers.models``.
_PLAIN_TYPES: dict[type, bool] = {}


def _is_plain_type(cls: type) -> bool:
    known = _PLAIN_TYPES.get(cls)
    if known is None:
        # Looked up in the MRO, as attribute access on an instance would (``hasattr`` on
        # the class would also consult the metaclass: ``EnumType.__getattr__``).
        defined = {name for klass in cls.__mro__ for name in vars(klass)}
        known = not (
            issubclass(cls, (BaseException, CoroutineType, GeneratorType))
            or "__await__" in defined
            or "__getattr__" in defined  # could answer hasattr(value, "__await__")
        )
        _PLAIN_TYPES[cls] = known
    return known


class _ContextOnlyInfo:
    """Stands in for Strawberry's ``Info`` when calling a whitelisted resolver directly.

    The ``id`` resolvers only read ``info.context``; anything else raises
    ``AttributeError``, which sends that field back to the stock path (and the real
    ``Info``), so a resolver that starts needing more degrades to slow, never to wrong.
    """

    __slots__ = ("context",)

    def __init__(self, context: Any) -> None:
        self.context = context


def _leaf_type(field_def: GraphQLField) -> tuple[Callable[[Any], Any], bool] | None:
    """The leaf's ``coerce_output_value`` and whether it is non-null, or None when the
    field's type is not a (non-null) scalar/enum."""
    field_type = field_def.type
    non_null = isinstance(field_type, GraphQLNonNull)
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if isinstance(inner, (GraphQLScalarType, GraphQLEnumType)):
        return inner.coerce_output_value, non_null
    return None


def _strawberry_field(field_def: GraphQLField) -> StrawberryField | None:
    extensions = field_def.extensions or {}
    found = extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return found if isinstance(found, StrawberryField) else None


def _is_plain_attribute(field_def: GraphQLField, field: StrawberryField) -> bool:
    """True when Strawberry resolves this field as ``getattr(source, python_name)``.

    ``from_resolver`` returns ``_get_basic_result`` (marked ``_is_default``) only for a
    field with no resolver, no field extensions (permission classes are extensions) and
    no matching exception handler; it then calls ``field.get_result``, which for such a
    field is ``field.default_resolver(source, field.python_name)``.
    """
    resolve = field_def.resolve
    return (
        resolve is not None
        and getattr(resolve, "_is_default", False)
        and getattr(resolve, "__name__", "") == "_get_basic_result"
        and field.base_resolver is None
        and not field.extensions
        and type(field).get_result is StrawberryField.get_result
        and field.default_resolver is getattr
        and bool(field.python_name)
    )


def _direct_call(
    field_def: GraphQLField, field: StrawberryField, info: _ContextOnlyInfo
) -> Callable[[Any], Any] | None:
    """``source -> value`` calling the resolver as Strawberry's ``get_arguments`` and
    ``get_result`` would for an argument-free sync resolver, or None if it is not one."""
    resolver = field.base_resolver
    resolve = field_def.resolve
    if (
        resolver is None
        or resolve is None
        or getattr(resolve, "__name__", "") != "_resolver"  # the sync, unhandled wrapper
        or resolver.is_async
        or field.extensions
        or field.arguments
        or field_def.args
        or type(field).get_result is not StrawberryField.get_result
        or resolver.root_parameter is not None
        or not callable(resolver.wrapped_func)
    ):
        return None
    func = resolver.wrapped_func
    wants_self = resolver.self_parameter is not None
    kwargs_of: list[tuple[str, bool]] = []  # (name, is info)
    if resolver.parent_parameter is not None:
        kwargs_of.append((resolver.parent_parameter.name, False))
    if resolver.info_parameter is not None:
        kwargs_of.append((resolver.info_parameter.name, True))

    def call(source: Any) -> Any:
        kwargs = {name: info if is_info else source for name, is_info in kwargs_of}
        return func(source, **kwargs) if wants_self else func(**kwargs)

    return call


# The native-id attribute of each type whose ``id`` resolver is
# ``connections.global_id(info, <type>, parent, parent.<attr>)``.
_NATIVE_ID_ATTRS = {
    "Call": "provider_call_id",
    "Conference": "provider_conference_id",
    "Recording": "provider_recording_id",
}


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
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
            tuple[GraphQLObjectType, int], tuple[GroupedFieldSet, _Plan | None]
        ] = {}
        self._fast_info = _ContextOnlyInfo(self.context_value)
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
            # collect_subfields memoizes its result per (type, field list), so every item
            # of a list shares one grouped_field_set object; keeping it in the cache entry
            # keeps its id from being reused within this operation.
            key = (parent_type, id(grouped_field_set))
            cached = self._fast_plans.get(key)
            if cached is None:
                plan = self._build_plan(parent_type, grouped_field_set, source_value)
                cached = self._fast_plans[key] = (grouped_field_set, plan)
            if cached[1] is not None:
                return self._execute_plan(parent_type, source_value, path, cached[1])
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )

    def _build_plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet, sample: Any
    ) -> _Plan | None:
        """One entry per response key, in order; None when nothing would be faster."""
        entries = [
            self._plan_field(parent_type, response_name, details, sample)
            for response_name, details in grouped_field_set.items()
        ]
        return tuple(entries) if any(e.kind != _STOCK for e in entries) else None

    def _plan_field(
        self,
        parent_type: GraphQLObjectType,
        response_name: str,
        details: FieldDetailsList,
        sample: Any,
    ) -> _Entry:
        stock = _Entry(response_name, _STOCK, "", None, None, False, details, None)
        nodes = [d.node for d in details]
        if any(d.fragment_variable_values is not None for d in details):
            return stock
        if any(node.arguments for node in nodes):
            return stock
        if any(
            directive.name.value not in _SKIP_INCLUDE
            for node in nodes
            for directive in node.directives or ()
        ):
            return stock
        field_name = nodes[0].name.value
        field_def = self.schema.get_field(parent_type, field_name)
        if field_def is None or field_def.args:
            return stock
        leaf = _leaf_type(field_def)
        if leaf is None:
            return stock
        coerce, non_null = leaf
        if field_def is TypeNameMetaFieldDef:
            try:
                value = coerce(parent_type.name)
            except Exception:
                return stock
            return _Entry(response_name, _CONST, "", None, None, non_null, details, value)
        field = _strawberry_field(field_def)
        if field is None:
            return stock
        if _is_plain_attribute(field_def, field):
            assert field.python_name
            attr = field.python_name
            return _Entry(response_name, _ATTR, attr, None, coerce, non_null, details, None)
        if self._fast_direct_ok and f"{parent_type.name}.{field_name}" in self.direct_resolvers:
            call = _direct_call(field_def, field, self._fast_info)
            if call is None:
                return stock
            if field_name == "id" and parent_type.name in _NATIVE_ID_ATTRS:
                call = self._verified_global_id(parent_type.name, call, sample)
            return _Entry(response_name, _CALL, "", call, coerce, non_null, details, None)
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
        attr = _NATIVE_ID_ATTRS[type_name]
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
        plan: _Plan,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """``execute_fields`` with planned entries filled inline; mirrors the stock loop
        (same key order, same awaitable gathering, same cleanup on a propagating error)."""
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        plain_types = _PLAIN_TYPES
        try:
            for name, kind, attr, call, coerce, non_null, details, const in plan:
                if kind <= _CALL:
                    try:
                        value = getattr(source, attr) if call is None else call(source)
                        if value is None:
                            if not non_null:
                                results[name] = None
                                continue
                        elif plain_types.get(type(value)) or _is_plain_type(type(value)):
                            out = coerce(value)  # type: ignore[misc]
                            if out is not None and out is not Undefined:
                                results[name] = out
                                continue
                    except Exception:  # noqa: S110 - the stock path below reports it
                        pass
                elif kind == _CONST:
                    results[name] = const
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
