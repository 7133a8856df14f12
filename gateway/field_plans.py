"""What one field of a selection becomes in a leaf-projection plan (``gateway.execution``).

Each response key of a (type, selection) pair gets one :class:`Entry`: read an attribute
(``ATTR``), call a whitelisted resolver (``CALL``), a constant (``CONST``, ``__typename``),
call a whitelisted object resolver and complete its value with the object type's own plan
(``OBJECT``), complete each item of a list attribute with the item type's plan (``LIST``) or
graphql-core's own ``execute_field`` (``STOCK``). The checks here decide, once per
operation, that an entry is provably what Strawberry would do for that field.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from types import CoroutineType, GeneratorType
from typing import Any, NamedTuple

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Undefined, UndefinedType
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField

SKIP_INCLUDE = frozenset({"skip", "include"})

# Plan entry kinds (``kind <= CALL``: a value to complete as a leaf).
ATTR = 0  # getattr + coerce_output_value
CALL = 1  # a whitelisted sync resolver called without Strawberry's wrapper
CONST = 2  # a value known when planning (``__typename``)
STOCK = 3  # graphql-core's execute_field
OBJECT = 4  # an object attribute, or a whitelisted sync resolver, completed by its own plan
LIST = 5  # a list attribute of an object type, each item completed by the item type's plan


class Entry(NamedTuple):
    response_name: str
    kind: int
    attr: str  # ATTR: the Python attribute name
    call: Callable[[Any], Any] | None  # CALL: source -> value
    coerce: Callable[[Any], Any] | None  # ATTR/CALL: the leaf type's coerce_output_value
    non_null: bool
    field_details_list: FieldDetailsList
    const: Any  # CONST: the completed value; OBJECT and LIST: their ObjectTarget


class ObjectTarget:
    """What an ``OBJECT`` or ``LIST`` entry needs beyond reading the value (one per entry,
    so per operation: ``plan`` is the object type's plan for the entry's sub-selection,
    found with the first value that can take it, ``Undefined`` until then; ``item_type``
    is a ``LIST`` entry's item type, non-null wrapper included)."""

    __slots__ = ("field_def", "is_type_of", "item_type", "object_type", "plan", "raw_info")

    def __init__(
        self,
        field_def: GraphQLField,
        object_type: GraphQLObjectType,
        raw_info: FieldRawInfo,
        item_type: GraphQLOutputType | None = None,
    ) -> None:
        self.field_def = field_def
        self.object_type = object_type
        self.is_type_of = object_type.is_type_of
        self.raw_info = raw_info  # passed to ``is_type_of``, as the stock path passes its info
        self.item_type = item_type
        self.plan: Plan | UndefinedType | None = Undefined


Plan = tuple[Entry, ...]

# type -> "a value of this type is never awaitable and never an exception". The stock
# executor checks both on every resolver result; checking the type once gives the same
# answer for the frozen, slotted values of ``providers.models``.
PLAIN_TYPES: dict[type, bool] = {}


def is_plain_type(cls: type) -> bool:
    known = PLAIN_TYPES.get(cls)
    if known is None:
        # Looked up in the MRO, as attribute access on an instance would (``hasattr`` on
        # the class would also consult the metaclass: ``EnumType.__getattr__``).
        defined = {name for klass in cls.__mro__ for name in vars(klass)}
        known = not (
            issubclass(cls, (BaseException, CoroutineType, GeneratorType))
            or "__await__" in defined
            or "__getattr__" in defined  # could answer hasattr(value, "__await__")
        )
        PLAIN_TYPES[cls] = known
    return known


class ContextOnlyInfo:
    """Stands in for Strawberry's ``Info`` when calling a whitelisted resolver directly.

    The ``id`` resolvers only read ``info.context``; anything else raises
    ``AttributeError``, which sends that field back to the stock path (and the real
    ``Info``), so a resolver that starts needing more degrades to slow, never to wrong.
    """

    __slots__ = ("context",)

    def __init__(self, context: Any) -> None:
        self.context = context


class FieldRawInfo:
    """graphql-core's ``GraphQLResolveInfo`` for one place in the document, without what
    differs from object to object (``path``) or belongs to the executor's async machinery
    (``abort_signal``, ``async_helpers``).

    Built once per plan entry for a whitelisted object resolver. A resolver (or an
    ``is_type_of``) that reads anything missing gets ``AttributeError``, and the field goes
    back to the stock path with a real info: slower, never wrong.
    """

    __slots__ = (
        "context",
        "field_name",
        "field_nodes",
        "fragments",
        "is_awaitable",
        "operation",
        "parent_type",
        "return_type",
        "root_value",
        "schema",
        "variable_values",
    )

    def __init__(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)


class FieldOnlyInfo:
    """Strawberry's ``Info`` for a whitelisted object resolver: ``context`` and the
    :class:`FieldRawInfo` as ``_raw_info`` (what :func:`gateway.resolvers.references.
    references_only` reads); anything else raises ``AttributeError`` (see above)."""

    __slots__ = ("_raw_info", "context")

    def __init__(self, context: Any, raw_info: FieldRawInfo) -> None:
        self.context = context
        self._raw_info = raw_info


def leaf_type(field_def: GraphQLField) -> tuple[Callable[[Any], Any], bool] | None:
    """The leaf's ``coerce_output_value`` and whether it is non-null, or None when the
    field's type is not a (non-null) scalar/enum."""
    field_type = field_def.type
    non_null = isinstance(field_type, GraphQLNonNull)
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if isinstance(inner, (GraphQLScalarType, GraphQLEnumType)):
        return inner.coerce_output_value, non_null
    return None


def strawberry_field(field_def: GraphQLField) -> StrawberryField | None:
    extensions = field_def.extensions or {}
    found = extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return found if isinstance(found, StrawberryField) else None


def is_plain_attribute(field_def: GraphQLField, field: StrawberryField) -> bool:
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


def direct_call(
    field_def: GraphQLField,
    field: StrawberryField,
    info: ContextOnlyInfo | FieldOnlyInfo,
    arguments: Mapping[str, Any] | None = None,
) -> Callable[[Any], Any] | None:
    """``source -> value`` calling the resolver as Strawberry's ``get_arguments`` and
    ``get_result`` would for a sync resolver, or None if it is not one. ``arguments``:
    the field's converted arguments (:func:`static_arguments`), required when it has any."""
    resolver = field.base_resolver
    resolve = field_def.resolve
    if (
        resolver is None
        or resolve is None
        or getattr(resolve, "__name__", "") != "_resolver"  # the sync, unhandled wrapper
        or resolver.is_async
        or field.extensions
        or (arguments is None and (field.arguments or field_def.args))
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

    if arguments:
        # Only the usual shape (the stock path takes any other).
        return _positional_call(func, wants_self, kwargs_of, info, arguments)

    if wants_self and [is_info for _, is_info in kwargs_of] == [False, True]:
        # ``def field(self, parent, info)``, the usual shape: the same keyword call
        # without building the keywords in a loop.
        parent_name, info_name = (name for name, _ in kwargs_of)

        def call_parent_info(source: Any) -> Any:
            return func(source, **{parent_name: source, info_name: info})

        return call_parent_info

    def call(source: Any) -> Any:
        kwargs = {name: info if is_info else source for name, is_info in kwargs_of}
        return func(source, **kwargs) if wants_self else func(**kwargs)

    return call


# The native-id attribute of each type whose ``id`` resolver is
# ``connections.global_id(info, <type>, parent, parent.<attr>)``.
NATIVE_ID_ATTRS = {
    "Call": "provider_call_id",
    "Conference": "provider_conference_id",
    "Recording": "provider_recording_id",
}


def _positional_call(
    func: Callable[..., Any],
    wants_self: bool,
    kwargs_of: list[tuple[str, bool]],
    info: Any,
    arguments: Mapping[str, Any],
) -> Callable[[Any], Any] | None:
    """The same call with positional arguments, for the usual shape ``def field(self,
    parent, info, first=None, after=None)``: the parent (and ``self``) first, then values
    that are the same for every object (``info``, the arguments, the defaults of those not
    given); None for any other shape. A keyword call binds every keyword by name at each
    call; this one is a plain tuple."""
    try:
        parameters = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return None
    if any(p.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD for p in parameters):
        return None
    sources = {name for name, is_info in kwargs_of if not is_info}
    infos = {name for name, is_info in kwargs_of if is_info}
    leading = 1 if wants_self else 0
    while leading < len(parameters) and parameters[leading].name in sources:
        leading += 1
    if leading != len(sources) + (1 if wants_self else 0) or leading not in (1, 2):
        return None
    tail: list[Any] = []
    for parameter in parameters[leading:]:
        if parameter.name in infos:
            tail.append(info)
        elif parameter.name in arguments:
            tail.append(arguments[parameter.name])
        elif parameter.default is not inspect.Parameter.empty:
            tail.append(parameter.default)
        else:
            return None
    if set(arguments) - {p.name for p in parameters}:
        return None
    rest = tuple(tail)
    if leading == 1:
        return lambda source: func(source, *rest)
    return lambda source: func(source, source, *rest)


#: Python types of arguments whose converted value is the coerced GraphQL value itself
#: (immutable, so one value may serve every call of a plan).
STATIC_ARGUMENT_TYPES = (int, str, bool, float)


def static_arguments(
    field: StrawberryField, raw: Mapping[str, Any], convert: Callable[..., dict[str, Any]]
) -> dict[str, Any] | None:
    """The resolver's keyword arguments for ``raw`` (graphql-core's coerced argument
    values, the same for every object at one place in the document), converted by
    Strawberry's own ``convert``, or None unless every argument is an optional or
    required int, str, bool or float (whose conversion needs no ``info`` and gives an
    immutable value) and no field extension may reshape them."""
    if field.extensions:
        return None
    for argument in field.arguments:
        kind = argument.type
        if type(kind) is StrawberryOptional:  # not Maybe: that wraps values in ``Some``
            kind = kind.of_type
        if kind not in STATIC_ARGUMENT_TYPES:
            return None
    return convert(raw, field.arguments)
