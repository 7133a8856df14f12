"""Error masking for streamed results (subscriptions, and any operation over
graphql-transport-ws or SSE).

:class:`gateway.masking.ErrorMasking` rewrites errors when an operation ends, which is
after a streamed result has already been sent. This extension applies the same rule to
each result as it is yielded: expected errors keep their message and get
``extensions.code``, anything else becomes "Internal error" with the request id.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

from gateway.masking import ErrorMasking


class StreamErrorMasking(SchemaExtension):
    def on_stream_result(self, result: Any) -> Iterator[None]:
        errors = getattr(result, "errors", None)
        if errors:
            context = self.execution_context.context
            request_id = getattr(context, "request_id", None)
            result.errors = [ErrorMasking._process(error, request_id) for error in errors]
        yield
