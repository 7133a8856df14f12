"""How many more upstream requests the current operation may send.

The gateway prices an operation before it runs (worst-case vendor requests, ``[limits]
max_cost``) and refuses it when the price is over the limit. A price is an estimate over
data the gateway has not seen yet (how many of a page's calls a listing misses, how many
pages a filter reads), so the limit is also *enforced* while the operation runs: the
gateway sets a budget here, in a :class:`~contextvars.ContextVar` that every task the
operation starts inherits (as :mod:`providers._deadline` does for time), and
``providers._http`` spends one unit per attempt sent. An attempt over the budget is not
sent: it raises :class:`~providers.errors.RequestBudgetError`, which the gateway reports
like any other source failure, next to the data that was fetched.

``None`` (the default) means no budget, e.g. for the retention CLI or media streams.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from .errors import RequestBudgetError


class RequestBudget:
    __slots__ = ("limit", "spent")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.spent = 0

    def spend(self, provider: str) -> None:
        if self.spent >= self.limit:
            raise RequestBudgetError(
                f"{provider}: not sent: the operation already sent the {self.limit} vendor "
                "requests it may send (max_cost); ask for less",
                provider=provider,
            )
        self.spent += 1


BUDGET: ContextVar[RequestBudget | None] = ContextVar("recgw_request_budget", default=None)


@contextlib.contextmanager
def request_budget(limit: int | None) -> Iterator[RequestBudget | None]:
    """Run the block with at most ``limit`` upstream requests (``None``: unbounded)."""
    budget = None if limit is None else RequestBudget(limit)
    token = BUDGET.set(budget)
    try:
        yield budget
    finally:
        BUDGET.reset(token)
