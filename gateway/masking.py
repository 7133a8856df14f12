"""Expected errors keep their message and get ``extensions.code``; others are masked.

A masked error says only "Internal error" and carries the request id, which is also in the
log line that holds the real exception, so an operator can find it.

Logging: an unexpected error is one ERROR line with its traceback and ``request_id``;
a client's mistake (a bad ID, ``first: 501``, a tampered cursor, a validation error) is
one INFO line with its code and no traceback (:func:`log_errors`): it is not the
gateway's failure, and an operator grepping for ERROR should find only real ones.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

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
            extra={"request_id": request_id, "path": error.path},
        )
        return GraphQLError(
            f"Internal error. Request id: {request_id}",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL", "requestId": request_id},
        )


def log_errors(errors: list[GraphQLError], execution_context: Any = None) -> None:
    """The schema's ``process_errors``: client errors at INFO without a traceback.
    Unexpected errors are left to :class:`ErrorMasking`, which logs them at ERROR with
    the traceback and the request id it shows the client."""
    if not log.isEnabledFor(logging.INFO):
        return
    context = getattr(execution_context, "context", None)
    request_id = getattr(context, "request_id", None)
    for error in errors:
        original = error.original_error
        if original is None or isinstance(original, GraphQLError):
            code = (error.extensions or {}).get("code") or "GRAPHQL_VALIDATION_FAILED"
        else:
            exposed = expose(original)
            if exposed is None:
                continue  # unexpected: ErrorMasking logs it
            code = exposed["code"]
        log.info(
            "client error",
            extra={
                "request_id": request_id,
                "code": code,
                "error": error.message,
                "path": error.path,
            },
        )
