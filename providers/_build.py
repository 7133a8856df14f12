"""Cheaper constructors for the frozen, slotted models the mappers build per vendor row.

A frozen dataclass's ``__init__`` stores each field with ``object.__setattr__(self,
"name", value)``: a name lookup on the type per field, about 2 us for a ``Recording``,
a quarter of what mapping a row costs. :func:`builder` returns a function with the very
same signature that stores each field through its slot descriptor instead (about 40 %
of the time). The object is the same: same class, same slots, same values, still frozen
afterwards (only ``__setattr__`` is refused, and it is not used). Classes that need more
than plain stores (``__post_init__``, ``init=False`` fields, no slots) get their own
constructor back. ``tests/providers/test_build.py`` holds each builder to the class.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def builder(cls: Callable[P, T]) -> Callable[P, T]:
    """A function that takes ``cls``'s ``__init__`` arguments and returns what it builds.

    Typed as ``cls`` itself, so mypy checks every call against the model's fields.
    """
    kind: Any = cls  # unnarrowed: the checks below must not change what mypy sees of cls
    if not isinstance(kind, type) or not dataclasses.is_dataclass(kind):
        return cls
    fields = dataclasses.fields(kind)
    slots = vars(kind).get("__slots__", ())
    if hasattr(kind, "__post_init__") or any(
        not f.init or f.kw_only or f.name not in slots for f in fields
    ):
        return cls
    scope: dict[str, Any] = {"_new": object.__new__, "_cls": kind, "_MISSING": dataclasses.MISSING}
    params: list[str] = []
    body: list[str] = ["    self = _new(_cls)"]
    for index, f in enumerate(fields):
        setter = f"_set{index}"
        scope[setter] = vars(kind)[f.name].__set__
        value = f.name
        if f.default is not dataclasses.MISSING:
            scope[f"_default{index}"] = f.default
            params.append(f"{f.name}=_default{index}")
        elif f.default_factory is not dataclasses.MISSING:
            scope[f"_factory{index}"] = f.default_factory
            params.append(f"{f.name}=_MISSING")
            value = f"_factory{index}() if {f.name} is _MISSING else {f.name}"
        else:
            params.append(f.name)
        body.append(f"    {setter}(self, {value})")
    body.append("    return self")
    source = f"def build({', '.join(params)}):\n" + "\n".join(body) + "\n"
    exec(source, scope)  # noqa: S102 - built from the dataclass's own field names only
    build: Callable[P, T] = scope["build"]
    build.__qualname__ = build.__name__ = f"build_{kind.__name__}"
    build.__doc__ = f"``{kind.__name__}(...)``, stored through the slot descriptors."
    return build
