"""Fair share per caller: requests and upstream cost per minute.

One tenant's scan must not spend every vendor's quota for everyone else. Each caller
(``Caller.identity``) has two budgets, refilled continuously: ``requests_per_minute``
operations and ``cost_per_minute`` worst-case upstream requests (the cost the operation
was priced at before it ran, ``gateway.limits``). An operation over either budget is
refused before it runs (HTTP 429, ``Retry-After``, a GraphQL-shaped error with
``extensions.code = "RATE_LIMITED"`` and ``retryAfter``), so it sends no vendor request.

The buckets are in-process: with several gateway instances each keeps its own (callers
spread by a load balancer get up to that many times the budget). Budgets are refused
without waiting, so ``aiolimiter`` (which waits) is not the tool; the bucket below is the
usual continuous-refill arithmetic, a few lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

#: Callers remembered at most; beyond it, idle (full) buckets are forgotten.
MAX_CALLERS = 10_000


class _Bucket:
    __slots__ = ("at", "tokens")

    def __init__(self, tokens: float, at: float) -> None:
        self.tokens = tokens
        self.at = at


@dataclass(frozen=True, slots=True)
class Refusal:
    """Over budget: which one, and seconds until the operation would fit."""

    budget: str
    retry_after: float

    @property
    def message(self) -> str:
        return (
            f"over this caller's {self.budget.replace('_', ' ')} budget; "
            f"retry in {self.retry_after:.1f} s"
        )


class Budgets:
    """Per-caller budgets; a limit of 0 turns that budget off."""

    def __init__(
        self,
        *,
        requests_per_minute: int = 0,
        cost_per_minute: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = {
            "requests_per_minute": requests_per_minute,
            "cost_per_minute": cost_per_minute,
        }
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    @property
    def enabled(self) -> bool:
        return any(self.limits.values())

    def charge(self, caller: str, cost: int = 1) -> Refusal | None:
        """Take one request and ``cost`` from ``caller``'s budgets, or take nothing and
        say why not. An operation costing more than a whole minute's budget runs when the
        bucket is full and leaves it in debt (else it could never run)."""
        now = self._clock()
        wanted = {"requests_per_minute": 1, "cost_per_minute": max(0, cost)}
        buckets: list[tuple[_Bucket, float]] = []
        worst: Refusal | None = None
        for budget, per_minute in self.limits.items():
            if per_minute <= 0:
                continue
            bucket = self._bucket(caller, budget, per_minute, now)
            need = min(wanted[budget], per_minute)
            if bucket.tokens < need:
                wait = (need - bucket.tokens) * 60.0 / per_minute
                if worst is None or wait > worst.retry_after:
                    worst = Refusal(budget, round(wait, 3))
            buckets.append((bucket, wanted[budget]))
        if worst is not None:
            return worst
        for bucket, amount in buckets:
            bucket.tokens -= amount
        return None

    def _bucket(self, caller: str, budget: str, per_minute: int, now: float) -> _Bucket:
        key = (caller, budget)
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_CALLERS:
                self._forget_idle(now)
            bucket = self._buckets[key] = _Bucket(float(per_minute), now)
            return bucket
        bucket.tokens = min(float(per_minute), bucket.tokens + (now - bucket.at) * per_minute / 60)
        bucket.at = now
        return bucket

    def _forget_idle(self, now: float) -> None:
        """Drop buckets that have refilled completely: forgetting them changes nothing."""
        for key, bucket in list(self._buckets.items()):
            per_minute = self.limits[key[1]]
            if bucket.tokens + (now - bucket.at) * per_minute / 60 >= per_minute:
                del self._buckets[key]
