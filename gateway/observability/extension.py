"""The schema extension that sees each GraphQL operation: its type, name, caller and
outcome go to the request's :class:`~gateway.observability.observation.Observation` (for
the access line), ``recgw_graphql_operations`` and its latency histogram, and with
tracing on a span that the operation's batches and upstream requests are children of.

It must be the first extension of the schema, so that its exit runs last and sees the
errors as :class:`~gateway.masking.ErrorMasking` left them. Without a current
observation (the schema executed outside the app) it does nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from gateway.errors import expose

from .observation import CURRENT
from .tracing import REQUEST_ID

#: Operation names are the client's to choose: logs and spans keep at most this much.
MAX_NAME = 100


class OperationObserver(SchemaExtension):
    #: Set while a subscription counts in ``recgw_active_subscriptions``.
    _subscribed: Any = None

    def on_execute(self) -> Iterator[None]:
        """A subscription streams inside ``on_operation``: it is active from here (its
        document is known) until that hook ends."""
        observation = CURRENT.get()
        if observation is not None and _is_subscription(self.execution_context):
            self._subscribed = observation.metrics.active_subscriptions
            self._subscribed.inc()
        yield

    def on_operation(self) -> Iterator[None]:
        observation = CURRENT.get()
        if observation is None:
            yield
            return
        started = time.perf_counter()
        tracer = observation.tracer
        span = None
        token = None
        if tracer is not None:
            span = tracer.start_span(
                "graphql.operation", attributes={REQUEST_ID: observation.request_id}
            )
            token = otel_context.attach(trace.set_span_in_context(span))
        try:
            yield
        finally:
            if self._subscribed is not None:
                self._subscribed.dec()
            ec = self.execution_context
            op_type = _operation_type(ec)
            name = ec.operation_name
            name = name[:MAX_NAME] if name else None
            outcome = _outcome(getattr(ec.result, "errors", None) or ec.pre_execution_errors)
            caller = getattr(ec.context, "caller", None)
            observation.operation_type = op_type
            observation.operation_name = name
            observation.outcome = outcome
            if caller is not None:
                observation.caller = caller.name
            observation.metrics.operation(op_type, outcome, time.perf_counter() - started)
            if span is not None and token is not None:
                span.update_name(f"{op_type} {name}" if name else op_type)
                span.set_attribute("graphql.operation.type", op_type)
                if name:
                    span.set_attribute("graphql.operation.name", name)
                span.set_attribute("recgw.outcome", outcome)
                if outcome != "success":
                    span.set_status(Status(StatusCode.ERROR))
                otel_context.detach(token)
                span.end()


def _is_subscription(ec: Any) -> bool:
    try:
        return bool(ec.operation_type is OperationType.SUBSCRIPTION)
    except Exception:
        return False


def _operation_type(ec: Any) -> str:
    try:
        return str(ec.operation_type.value)
    except Exception:  # no document: the operation did not parse
        return "unknown"


def _outcome(errors: list[GraphQLError] | None) -> str:
    if not errors:
        return "success"
    for error in errors:
        if (error.extensions or {}).get("code") == "INTERNAL":
            return "internal_error"
        original = error.original_error
        if (
            original is not None
            and not isinstance(original, GraphQLError)
            and expose(original) is None
        ):
            return "internal_error"
    return "client_error"
