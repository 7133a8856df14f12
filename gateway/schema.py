"""The Strawberry schema and its SDL export."""

from __future__ import annotations

from functools import cache

import strawberry
from graphql import lexicographic_sort_schema, print_schema
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig

from .execution import FastExecutionContext
from .masking import ErrorMasking
from .reporting import FilterPushdownReport
from .resolvers.query import Query
from .types.account import Account
from .types.call import Call
from .types.conference import Conference
from .types.recording import Recording


@cache
def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        types=[Account, Call, Conference, Recording],
        extensions=[ErrorMasking, FilterPushdownReport, ParserCache, ValidationCache],
        config=StrawberryConfig(auto_camel_case=True),
        execution_context_class=FastExecutionContext,
    )


def export_sdl() -> str:
    """Sorted, deterministic SDL: what ``schema.graphql`` must contain."""
    return print_schema(lexicographic_sort_schema(build_schema()._schema)) + "\n"
