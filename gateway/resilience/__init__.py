"""Resilience (issue 15): operation deadlines, circuit breakers, single-flight reads and
per-caller budgets. Rate limits and 429 pauses per vendor account live in
``providers._limits`` (they are about the vendor, not the gateway)."""

from .breaker import CircuitBreaker, CircuitOpenError, CircuitState
from .budgets import Budgets, Refusal
from .deadline import bounded
from .extension import ResilienceExtension
from .singleflight import SingleFlight
from .upstream import Upstream

__all__ = [
    "Budgets",
    "CircuitBreaker",
    "CircuitOpenError",
    "CircuitState",
    "Refusal",
    "ResilienceExtension",
    "SingleFlight",
    "Upstream",
    "bounded",
]
