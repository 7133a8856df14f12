"""Listing pages whose vendor items become domain objects only when read.

A listing page holds what the vendor sent, and its reader often needs a fraction of it:
``recordings(first: 50)`` over three vendors merges three pages of 50 (FreeClimb's of
100) and reads about 17 items of each. Mapping an item (dates, numbers, the model object)
costs a few microseconds, so mapping on access saves most of a listing's CPU time.

Items are mapped in order, once; a mapper may return ``None`` for an item that is not
listed (no id, or filtered out), which is then skipped, so index ``i`` is always the
``i``-th listed item. Reading an index maps up to it; ``len()`` maps everything. The raw
items must have been shape-checked by the client (mappers never raise on a dict).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Generic, TypeVar, overload

R = TypeVar("R")
T = TypeVar("T")


class LazyItems(Sequence[T], Generic[R, T]):
    __slots__ = ("_mapped", "_mapper", "_next", "_raw")

    def __init__(self, raw: Sequence[R], mapper: Callable[[R], T | None]) -> None:
        self._raw = raw
        self._mapper = mapper
        self._mapped: list[T] = []
        self._next = 0  # index in ``raw`` of the next item to map

    def _reach(self, index: int) -> bool:
        """Map until item ``index`` exists; False when the page has fewer items."""
        mapped, raw = self._mapped, self._raw
        while len(mapped) <= index and self._next < len(raw):
            item = self._mapper(raw[self._next])
            self._next += 1
            if item is not None:
                mapped.append(item)
        return len(mapped) > index

    def _all(self) -> list[T]:
        self._reach(len(self._raw))
        return self._mapped

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            return tuple(self._all()[index])
        if index < 0:
            return self._all()[index]
        if not self._reach(index):
            raise IndexError("page index out of range")
        return self._mapped[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[T]:
        index = 0
        while self._reach(index):
            yield self._mapped[index]
            index += 1

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyItems | tuple | list):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"LazyItems({self._all()!r})"
