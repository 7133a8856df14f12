"""Strawberry's aiohttp view with callers, request checks and a direct path for operations.

Before anything runs, every HTTP operation request is authenticated (401 with a
GraphQL-shaped body otherwise) and read strictly: JSON bodies must be one object with
fields of the right types, GET operations must carry a header that browsers send only
after a CORS preflight (so a cross-site page cannot trigger one), and a persisted-query
hash is resolved to its document. Operations then take a direct path: ``schema.execute``
and one orjson encode. Strawberry's generic ``run()`` spends about 0.15 ms per request on
what such a request never needs (a WebSocket handshake probe, twice; a request adapter;
content-type and transport negotiation; the body encoded to ``str`` and back); it still
serves WebSockets, GraphiQL and streamed (SSE, multipart) answers, and a differential
test holds the direct path to the exact bytes ``run()`` answers with.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web
from strawberry.aiohttp.views import GraphQLView
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from .auth import ANONYMOUS, AuthenticationFailed, Authenticator, AuthSettings, Caller
from .context import GatewayContext
from .cursors import CursorCodec
from .limits.config import Limits
from .limits.persisted import PersistedDocuments, PersistedQueryError
from .settings import ServerSettings
from .sources import Sources

REQUEST_ID = web.RequestKey("request_id", str)
CALLER = web.RequestKey("caller", Caller)

#: What a plain (non-streamed) answer can carry: subscriptions need a WebSocket or SSE.
_POST_OPERATIONS = {OperationType.QUERY, OperationType.MUTATION}
_GET_OPERATIONS = {OperationType.QUERY}
#: ``Accept`` values that ask Strawberry for a streamed (multipart or SSE) answer.
_STREAMING_ACCEPT = ("multipart/", "text/event-stream")
#: Headers a browser sends cross-site only after a CORS preflight the gateway approved.
_PREFLIGHTED_HEADERS = ("Authorization", "X-Requested-With", "Apollo-Require-Preflight")


class RequestRejected(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class GatewayView(GraphQLView[GatewayContext, None]):
    def __init__(
        self,
        *args: Any,
        sources: Sources,
        server: ServerSettings,
        cursors: CursorCodec,
        authenticator: Authenticator | None = None,
        limits: Limits | None = None,
        persisted: PersistedDocuments | None = None,
        direct_json_posts: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("allowed_origins", server.cors_origins)
        super().__init__(*args, **kwargs)
        self._sources = sources
        self._server = server
        self._cursors = cursors
        self._auth = authenticator or Authenticator(AuthSettings(), [])
        self._limits = limits or Limits()
        self._persisted = persisted or PersistedDocuments(self._limits)
        self._direct_json_posts = direct_json_posts

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        if _is_websocket(request) or self._wants_ide(request):
            return await super().__call__(request)  # WebSockets authenticate in connection_init
        try:
            request[CALLER] = await self._auth.authenticate(request.headers.get("Authorization"))
        except AuthenticationFailed as exc:
            return error_response(
                request,
                401,
                exc.code,
                exc.message,
                headers={"WWW-Authenticate": 'Bearer realm="recording-gateway"'},
            )
        if request.method not in ("GET", "POST"):
            return error_response(request, 405, "METHOD_NOT_ALLOWED", "use GET or POST")
        if _is_streaming(request):
            return await super().__call__(request)
        try:
            operation = await self._read_operation(request)
        except RequestRejected as exc:
            return error_response(request, exc.status, exc.code, exc.message)
        if not self._direct_json_posts:
            return await super().__call__(request)  # the reference the direct path is held to
        return await self._execute_direct(request, operation)

    def _wants_ide(self, request: web.Request) -> bool:
        return (
            request.method == "GET"
            and self.graphql_ide is not None
            and "query" not in request.query
            and "documentId" not in request.query
            and "text/html" in request.headers.get("Accept", "")
        )

    async def _read_operation(self, request: web.Request) -> _Operation:
        if request.method == "GET":
            if not any(h in request.headers for h in _PREFLIGHTED_HEADERS):
                raise RequestRejected(
                    400,
                    "BAD_REQUEST",
                    "a GET operation needs an Authorization, X-Requested-With or "
                    "Apollo-Require-Preflight header (cross-site request protection)",
                )
            fields: dict[str, Any] = dict(request.query)
            for name in ("variables", "extensions"):
                if name in fields:
                    fields[name] = _json(fields[name], name)
            allowed = _GET_OPERATIONS
        else:
            if request.content_type != "application/json":
                raise RequestRejected(
                    415, "BAD_REQUEST", "send the operation as Content-Type: application/json"
                )
            try:
                body = await request.read()
            except web.HTTPRequestEntityTooLarge:
                raise RequestRejected(
                    413, "BODY_LIMIT", f"request body over {self._limits.max_body_bytes} bytes"
                ) from None
            fields = _json(body, "request body")
            allowed = _POST_OPERATIONS
        if isinstance(fields, list):
            raise RequestRejected(400, "BAD_REQUEST", "batched operations are not supported")
        if not isinstance(fields, dict):
            raise RequestRejected(
                400, "BAD_REQUEST", "the request body must be a JSON object with a `query`"
            )
        query = _field(fields, "query", str)
        variables = _field(fields, "variables", dict)
        extensions = _field(fields, "extensions", dict)
        operation_name = _field(fields, "operationName", str)
        document_id = _field(fields, "documentId", str)
        try:
            text = self._persisted.resolve(query or None, extensions, document_id)
        except PersistedQueryError as exc:
            raise RequestRejected(exc.status, exc.code, exc.message) from None
        return _Operation(text, variables, operation_name, extensions, allowed)

    async def _execute_direct(self, request: web.Request, operation: _Operation) -> web.Response:
        response = web.Response()
        context = await self.get_context(request, response)
        try:
            result = await self.schema.execute(
                operation.query,
                variable_values=operation.variables,
                context_value=context,
                operation_name=operation.operation_name,
                allowed_operation_types=operation.allowed,
                operation_extensions=operation.extensions,
            )
        except CannotGetOperationTypeError as e:
            return error_response(request, 400, "BAD_REQUEST", e.as_http_error_reason())
        except InvalidOperationTypeError as e:
            message = (
                "subscriptions need a WebSocket (graphql-transport-ws) or SSE "
                "(Accept: text/event-stream)"
                if e.operation_type is OperationType.SUBSCRIPTION
                else e.as_http_error_reason(request.method)
            )
            return error_response(request, 400, "BAD_REQUEST", message)
        finally:
            context.loaders.cancel()
        data = await self.process_result(request, result)
        if result.errors:
            self._handle_errors(result.errors, data)
        body = orjson.dumps(data)
        if len(body) > self._limits.enabled("max_response_bytes"):
            return error_response(
                request,
                400,
                "RESPONSE_LIMIT",
                f"the answer is over {self._limits.max_response_bytes} bytes: ask for less "
                "(smaller `first`, fewer fields)",
            )
        if context.http_status is not None:
            response.set_status(context.http_status)
        response.body = body
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
            caller=request.get(CALLER, ANONYMOUS if not self._auth.required else _NOBODY),
            limits=self._limits,
            persisted=self._persisted,
        )

    async def on_ws_connect(self, context: GatewayContext) -> UnsetType | dict[str, object] | None:
        """graphql-transport-ws: the ``connection_init`` payload carries the credentials,
        ``{"Authorization": "Bearer <key>"}``; a refusal closes the socket with 4403."""
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        header = params.get("Authorization", params.get("authorization"))
        try:
            context.caller = await self._auth.authenticate(
                header if isinstance(header, str) else None
            )
        except AuthenticationFailed as exc:
            raise ConnectionRejectionError({"code": exc.code, "message": exc.message}) from None
        unset: UnsetType = UNSET
        return unset

    def encode_json(self, data: object) -> str:
        return orjson.dumps(data).decode()

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)


#: The caller of a WebSocket before ``connection_init`` authenticated it: sees nothing.
_NOBODY = Caller(name="unauthenticated", kind="none", accounts=frozenset(), scopes=frozenset())


@dataclass(frozen=True, slots=True)
class _Operation:
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None
    allowed: Any


def error_response(
    request: web.Request,
    status: int,
    code: str,
    message: str,
    *,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """A GraphQL-shaped error answer for a request that never reached execution."""
    request_id = request.get(REQUEST_ID) or uuid.uuid4().hex
    body = {"errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}]}
    return web.Response(
        status=status,
        body=orjson.dumps(body),
        content_type="application/json",
        charset="utf-8",
        headers={"X-Request-ID": request_id, **(headers or {})},
    )


def _is_websocket(request: web.Request) -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


def _is_streaming(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return any(kind in accept for kind in _STREAMING_ACCEPT)


def _json(raw: str | bytes, what: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise RequestRejected(400, "BAD_REQUEST", f"{what} is not valid JSON") from None


def _field(fields: dict[str, Any], name: str, kind: type[str] | type[dict[str, Any]]) -> Any:
    value = fields.get(name)
    if value is not None and not isinstance(value, kind):
        expected = "a string" if kind is str else "an object"
        raise RequestRejected(400, "BAD_REQUEST", f"`{name}` must be {expected} or null")
    return value
