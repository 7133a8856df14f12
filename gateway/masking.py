"""Expected errors keep their message and get ``extensions.code``; others are masked.

A masked error says only "Internal error" and carries the request id, which is also in the
log line that holds the real exception, so an operator can find it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from .errors import expose

log = logging.getLogger("gateway.errors")


class ErrorMasking(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        result.errors = [self._process(error, request_id) for error in result.errors]

    @staticmethod
    def _process(error: GraphQLError, request_id: str | None) -> GraphQLError:
        original = error.original_error
        if original is None or isinstance(original, GraphQLError):
            return error  # syntax/validation errors and errors we built ourselves
        extensions = expose(original)
        if extensions is not None:
            return GraphQLError(
                str(getattr(original, "message", original)),
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                extensions=extensions,
            )
        log.error(
            "unexpected error (request id %s) at %s",
            request_id,
            error.path,
            exc_info=original,
        )
        return GraphQLError(
            f"Internal error. Request id: {request_id}",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL", "requestId": request_id},
        )
