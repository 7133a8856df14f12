"""``[limits]`` (DESIGN §8): what one operation may cost, decided before it runs.

Every limit is on by default; ``0`` turns one off.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from gateway.config_table import parse_table
from gateway.errors import SettingsError


@dataclass(frozen=True, slots=True)
class Limits:
    #: Nesting of selection sets (fragments expanded).
    max_depth: int = 12
    #: Aliased fields in the document.
    max_aliases: int = 30
    #: Lexical tokens in the document; parsing stops past it.
    max_tokens: int = 3000
    #: Worst-case upstream (vendor) requests of one operation.
    max_cost: int = 500
    #: Objects one operation may return at most (the product of ``first`` along each path).
    max_nodes: int = 10_000
    #: Request body.
    max_body_bytes: int = 1_048_576
    #: Encoded response; a larger answer is replaced by a ``RESPONSE_LIMIT`` error.
    max_response_bytes: int = 16_777_216
    #: Upstream pages one source may read for one connection page when the gateway applies
    #: a filter itself (the vendor cannot); past it the page ends early, honestly reported.
    max_scan_pages: int = 10
    #: ``true``: only documents of the trusted-documents manifest run.
    persisted_only: bool = False
    #: JSON file ``{"<sha256 hex>": "<document>"}`` (GraphQL Code Generator's
    #: ``persisted-documents.json`` has this shape).
    persisted_manifest: str | None = None
    #: Automatic Persisted Queries remembered (by hash) for clients that send only a hash.
    apq_cache_size: int = 1000
    #: Fair share per caller (``gateway.resilience.budgets``): operations, and priced
    #: upstream cost, per minute; over either: HTTP 429 with ``Retry-After``. Off (0) by
    #: default: the right numbers depend on the vendors' quotas and the callers.
    requests_per_minute: int = 0
    cost_per_minute: int = 0

    def enabled(self, name: str) -> int:
        """The limit's value, or a number nothing reaches when it is turned off (``0``)."""
        value: int = getattr(self, name)
        return value if value > 0 else 1 << 62


def parse_limits(raw: Any) -> Limits:
    limits = parse_table(Limits, raw, "limits")
    for f in fields(Limits):
        value = getattr(limits, f.name)
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            raise SettingsError(f"limits: {f.name} must be 0 (off) or positive")
    if limits.persisted_only and not limits.persisted_manifest:
        raise SettingsError("limits: persisted_only = true needs persisted_manifest (a JSON file)")
    return limits
