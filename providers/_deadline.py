"""The deadline of the operation a request belongs to, without the caller's types.

A GraphQL operation may cause many upstream requests (batches, pages, retries). The
gateway bounds all of them with one absolute deadline, and this module is how that
deadline reaches ``providers._http`` without ``providers`` knowing anything about the
gateway: a :class:`~contextvars.ContextVar` holding a ``time.monotonic()`` instant.
asyncio copies the context into every task and callback it schedules, so requests made
by tasks an operation starts (DataLoader batches, gathered windows) see it too.

``None`` (the default) means no deadline: only the per-request ``timeout`` applies.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar

DEADLINE: ContextVar[float | None] = ContextVar("recgw_deadline", default=None)


def remaining() -> float | None:
    """Seconds left before the current deadline (may be negative), ``None`` when unset."""
    deadline = DEADLINE.get()
    return None if deadline is None else deadline - time.monotonic()


@contextlib.contextmanager
def deadline_after(seconds: float | None) -> Iterator[float | None]:
    """Run the block with a deadline ``seconds`` from now (``None`` or <= 0: none).

    A deadline already in force and earlier is kept: a nested scope can only shorten."""
    at = None if seconds is None or seconds <= 0 else time.monotonic() + seconds
    outer = DEADLINE.get()
    if at is None or (outer is not None and outer < at):
        at = outer
    token = DEADLINE.set(at)
    try:
        yield at
    finally:
        DEADLINE.reset(token)
