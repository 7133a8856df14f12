"""``LazyItems`` behaves as the eager tuple of mapped, kept items, and maps each raw item
at most once and only as far as it is read."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from providers._lazy import LazyItems


def _mapper(calls: list[int]) -> Callable[[int], str | None]:
    def mapper(raw: int) -> str | None:
        calls.append(raw)
        return None if raw % 3 == 0 else f"item{raw}"

    return mapper


def test_reading_an_index_maps_only_up_to_it() -> None:
    calls: list[int] = []
    items = LazyItems(list(range(1, 101)), _mapper(calls))
    assert items[0] == "item1"
    assert items[2] == "item4"  # 3 is skipped
    assert calls == [1, 2, 3, 4]
    assert items[1] == "item2"
    assert calls == [1, 2, 3, 4]  # nothing mapped twice


@given(
    raw=st.lists(st.integers(0, 50), max_size=30),
    reads=st.lists(st.integers(-35, 35), max_size=20),
)
def test_equals_the_eager_tuple_whatever_the_reads(raw: list[int], reads: list[int]) -> None:
    calls: list[int] = []
    items = LazyItems(raw, _mapper(calls))
    eager = tuple(f"item{r}" for r in raw if r % 3)
    for index in reads:
        try:
            expected: object = eager[index]
        except IndexError:
            expected = IndexError
        try:
            got: object = items[index]
        except IndexError:
            got = IndexError
        assert got == expected
    assert list(items) == list(eager)
    assert len(items) == len(eager)
    assert items[1:4] == eager[1:4]
    assert items == eager and items == list(eager)
    assert hash(items) == hash(eager)
    assert calls == raw  # every raw item mapped exactly once, in order
