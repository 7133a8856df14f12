"""``providers._build.builder`` builds what the model's own constructor builds."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers import models
from providers._build import builder

MODELS = [models.Money, models.Account, models.Call, models.Conference, models.Recording]
values = st.one_of(
    st.none(),
    st.text(max_size=4),
    st.floats(allow_nan=False),
    st.integers(),
    st.just(datetime(2025, 6, 1, tzinfo=UTC)),
    st.just(Decimal("-0.0100")),
    st.sampled_from(models.RecordingStatus),
)


def fields_of(instance: Any) -> list[tuple[str, type, Any]]:
    return [
        (f.name, type(getattr(instance, f.name)), getattr(instance, f.name))
        for f in dataclasses.fields(instance)
    ]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@given(data=st.data())
def test_same_object_as_the_constructor(model: type[Any], data: st.DataObject) -> None:
    fields = dataclasses.fields(model)
    required = [
        f
        for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    optional = [f for f in fields if f not in required]
    args = [data.draw(values) for _ in required]
    given_optional = data.draw(st.lists(st.sampled_from(optional), unique=True)) if optional else []
    kwargs = {f.name: data.draw(values) for f in given_optional}
    built = builder(model)(*args, **kwargs)
    expected = model(*args, **kwargs)
    assert type(built) is model
    assert fields_of(built) == fields_of(expected)
    assert built == expected and hash(built) == hash(expected)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built, fields[0].name, "changed")


def test_defaults_are_the_models_own() -> None:
    call = builder(models.Call)("p", "a", "id")
    assert call.extra is models.Call("p", "a", "id").extra  # the shared empty mapping
    assert fields_of(call) == fields_of(models.Call("p", "a", "id"))


def test_arguments_are_checked_as_the_constructor_checks_them() -> None:
    build = builder(models.Money)
    for bad in [(), (Decimal(1),), (Decimal(1), "USD", "extra")]:
        with pytest.raises(TypeError):
            build(*bad)
    with pytest.raises(TypeError):
        build(Decimal(1), currency="USD", amount=Decimal(2))  # type: ignore[misc]


def test_classes_it_cannot_speed_up_get_their_own_constructor() -> None:
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class NotInInit:
        a: int
        b: int = dataclasses.field(init=False, default=2)

    @dataclasses.dataclass(frozen=True, slots=True)
    class KeywordOnly:
        a: int = dataclasses.field(kw_only=True)

    for cls in (NoSlots, NotInInit, KeywordOnly, models.RecordingTarget, int):
        assert builder(cls) is cls
