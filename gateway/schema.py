"""The Strawberry schema and its SDL export."""

from __future__ import annotations

from functools import cache
from typing import Any

import strawberry
from graphql import GraphQLError, lexicographic_sort_schema, print_schema
from strawberry.schema.config import StrawberryConfig

from .events.stream_masking import StreamErrorMasking
from .execution import FastExecutionContext
from .limits.guard import OperationGuard
from .masking import ErrorMasking, log_errors
from .observability.extension import OperationObserver
from .reporting import FilterPushdownReport
from .resilience import ResilienceExtension
from .resolvers.events import EventQuery, Subscription
from .resolvers.mutations import Mutation
from .resolvers.query import Query as BaseQuery
from .types.account import Account
from .types.call import Call
from .types.conference import Conference
from .types.events import RecordingEvent
from .types.recording import Recording


@strawberry.type(name="Query")
class Query(BaseQuery, EventQuery):
    pass


class GatewaySchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Not Strawberry's default (every error at ERROR with a traceback): see
        :func:`gateway.masking.log_errors`."""
        log_errors(errors, execution_context)


@cache
def build_schema() -> strawberry.Schema:
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Account, Call, Conference, Recording, RecordingEvent],
        # OperationObserver first: its exit runs last and sees the masked errors.
        # ResilienceExtension after OperationGuard: it charges the cost the guard priced.
        extensions=[
            OperationObserver,
            ErrorMasking,
            StreamErrorMasking,
            FilterPushdownReport,
            OperationGuard,
            ResilienceExtension,
        ],
        config=StrawberryConfig(auto_camel_case=True),
        execution_context_class=FastExecutionContext,
    )


def export_sdl() -> str:
    """Sorted, deterministic SDL: what ``schema.graphql`` must contain."""
    return print_schema(lexicographic_sort_schema(build_schema()._schema)) + "\n"
