"""Response ``extensions``: what the gateway did that a client may want to know."""

from __future__ import annotations

from typing import Any

from strawberry.extensions import SchemaExtension


class FilterPushdownReport(SchemaExtension):
    """``extensions.filterPushdown``: per account, which ``RecordingFilter`` fields the
    provider applied upstream and which the gateway applied to the provider's answers."""

    def get_results(self) -> dict[str, Any]:
        report = getattr(self.execution_context.context, "filter_pushdown", None)
        return {"filterPushdown": report} if report else {}
