"""The schema extension that applies a caller's budgets and the operation's deadline.

Right before execution (after ``gateway.limits``' guard has priced the operation): the
caller's budgets are charged (:mod:`.budgets`), and an operation over budget is answered
at once with HTTP 429 and ``Retry-After``; otherwise the operation runs under its
deadline (:mod:`.deadline`). Subscriptions are neither charged nor bounded here: they
are meant to last.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from providers._deadline import deadline_after


class ResilienceExtension(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        ctx: Any = ec.context
        if ec.result is not None or ec.operation_type is OperationType.SUBSCRIPTION:
            yield  # refused already (limits), or a subscription
            return
        upstream = getattr(getattr(ctx, "sources", None), "upstream", None)
        budgets = getattr(upstream, "budgets", None)
        if budgets is not None and budgets.enabled:
            shape = getattr(ctx, "shape", None)
            cost = shape.cost if shape is not None else 1
            refusal = budgets.charge(ctx.caller.identity, cost)
            if refusal is not None:
                ec.result = ExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            refusal.message,
                            extensions={"code": "RATE_LIMITED", "retryAfter": refusal.retry_after},
                        )
                    ],
                )
                ctx.http_status = 429
                if ctx.response is not None:
                    ctx.response.headers["Retry-After"] = str(math.ceil(refusal.retry_after))
                yield
                return
        seconds = getattr(getattr(ctx, "server", None), "operation_timeout", 0.0)
        if not seconds:
            yield
            return
        with deadline_after(seconds):
            yield
