"""Strawberry's aiohttp view with our per-request context and orjson encoding.

A plain JSON ``POST`` (one operation, no streaming ``Accept``) takes a direct path: read
the body, ``schema.execute``, encode once with orjson. Strawberry's generic ``run()``
spends about 0.15 ms per request on what such a request never needs (a WebSocket
handshake probe, twice; a request adapter; content-type and transport negotiation; the
body encoded to ``str`` and back to bytes). Everything else (GET, GraphiQL, WebSockets,
batches, multipart, malformed bodies) goes through ``run()`` unchanged, and a
differential test holds the direct path to the exact bytes ``run()`` answers with.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web
from strawberry.aiohttp.views import GraphQLView
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from .context import GatewayContext
from .cursors import CursorCodec
from .settings import ServerSettings
from .sources import Sources

REQUEST_ID = web.RequestKey("request_id", str)

_POST_OPERATIONS = OperationType.from_http("POST")
#: ``Accept`` values that ask Strawberry for a streamed (multipart or SSE) answer.
_STREAMING_ACCEPT = ("multipart/", "text/event-stream")


class GatewayView(GraphQLView[GatewayContext, None]):
    def __init__(
        self,
        *args: Any,
        sources: Sources,
        server: ServerSettings,
        cursors: CursorCodec,
        direct_json_posts: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._sources = sources
        self._server = server
        self._cursors = cursors
        self._direct_json_posts = direct_json_posts

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        if self._direct_json_posts and _is_plain_json_post(request):
            operation = _single_operation(await request.read())
            if operation is not None:
                return await self._execute_direct(request, operation)
        return await super().__call__(request)

    async def _execute_direct(self, request: web.Request, operation: _Operation) -> web.Response:
        response = web.Response()
        context = await self.get_context(request, response)
        try:
            result = await self.schema.execute(
                operation.query,
                variable_values=operation.variables,
                context_value=context,
                operation_name=operation.operation_name,
                allowed_operation_types=_POST_OPERATIONS,
                operation_extensions=operation.extensions,
            )
        except CannotGetOperationTypeError as e:
            return web.Response(body=e.as_http_error_reason(), status=400)
        except InvalidOperationTypeError as e:
            return web.Response(body=e.as_http_error_reason("POST"), status=400)
        data = await self.process_result(request, result)
        if result.errors:
            self._handle_errors(result.errors, data)
        response.body = orjson.dumps(data)
        response.content_type = "application/json"
        response.charset = "utf-8"
        return response

    async def get_context(
        self, request: web.Request, response: web.Response | web.WebSocketResponse
    ) -> GatewayContext:
        request_id = request.get(REQUEST_ID) or uuid.uuid4().hex
        response.headers["X-Request-ID"] = request_id
        return GatewayContext.create(
            self._sources,
            self._server,
            self._cursors,
            request=request,
            response=response,
            request_id=request_id,
        )

    def encode_json(self, data: object) -> str:
        return orjson.dumps(data).decode()

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)


@dataclass(frozen=True, slots=True)
class _Operation:
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


def _is_plain_json_post(request: web.Request) -> bool:
    if request.method != "POST" or request.content_type != "application/json":
        return False
    accept = request.headers.get("Accept", "")
    return not any(kind in accept for kind in _STREAMING_ACCEPT)


def _single_operation(body: bytes) -> _Operation | None:
    """The operation of a well-formed single-operation body; None sends the request down
    Strawberry's own path, which answers anything else (and every error) its way."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    query = data.get("query")
    variables = data.get("variables")
    operation_name = data.get("operationName")
    extensions = data.get("extensions")
    if (
        not isinstance(query, str)
        or not query
        or not _optional_object(variables)
        or not _optional_object(extensions)
        or not (operation_name is None or isinstance(operation_name, str))
    ):
        return None
    return _Operation(query, variables, operation_name, extensions)


def _optional_object(value: Any) -> bool:
    return value is None or isinstance(value, dict)
