"""Strawberry's aiohttp view with our per-request context and orjson encoding."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from aiohttp import web
from strawberry.aiohttp.views import GraphQLView

from .context import GatewayContext
from .cursors import CursorCodec
from .settings import ServerSettings
from .sources import Sources

REQUEST_ID = web.RequestKey("request_id", str)


class GatewayView(GraphQLView[GatewayContext, None]):
    def __init__(
        self,
        *args: Any,
        sources: Sources,
        server: ServerSettings,
        cursors: CursorCodec,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._sources = sources
        self._server = server
        self._cursors = cursors

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
