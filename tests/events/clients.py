"""Real subscription clients: graphql-transport-ws over aiohttp's WebSocket client, and
GraphQL over SSE (``Accept: text/event-stream``) over a plain streamed POST."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import aiohttp
import orjson

from providers.signalwire.webhooks import sign_form

from .conftest import EventGateway

SUBSCRIPTION = """
subscription Events($after: String, $filter: RecordingEventFilter) {
  recordingEvents(after: $after, filter: $filter) {
    cursor kind origin providerRecordingId account { name }
    recording { providerRecordingId status }
  }
}
"""


class WsClient:
    """One graphql-transport-ws connection."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    @classmethod
    async def connect(cls, gw: EventGateway, payload: dict[str, Any] | None = None) -> WsClient:
        ws = await gw.session.ws_connect(f"{gw.url}/graphql", protocols=["graphql-transport-ws"])
        await ws.send_json({"type": "connection_init", "payload": payload or {}})
        ack = await ws.receive_json(timeout=5)
        assert ack["type"] == "connection_ack", ack
        return cls(ws)

    async def subscribe(
        self,
        after: str | None = None,
        filter: dict[str, Any] | None = None,
        op: str = "1",
        query: str = SUBSCRIPTION,
    ) -> None:
        variables = {"after": after, "filter": filter}
        await self.ws.send_json(
            {"id": op, "type": "subscribe", "payload": {"query": query, "variables": variables}}
        )

    async def message(self, wait: float = 5) -> dict[str, Any]:
        while True:
            msg = await self.ws.receive(timeout=wait)
            if msg.type is aiohttp.WSMsgType.CLOSE:
                return {"type": "closed", "code": msg.data, "reason": msg.extra}
            if msg.type is not aiohttp.WSMsgType.TEXT:
                return {"type": "closed", "code": self.ws.close_code, "msg": msg}
            data: dict[str, Any] = orjson.loads(msg.data)
            if data["type"] not in ("ping", "pong"):
                return data

    async def events(self, n: int, wait: float = 5) -> list[dict[str, Any]]:
        out = []
        for _ in range(n):
            message = await self.message(wait)
            assert message["type"] == "next", message
            assert "errors" not in message["payload"], message
            out.append(message["payload"]["data"]["recordingEvents"])
        return out

    async def quiet(self, seconds: float = 0.3) -> bool:
        """True when nothing arrives for ``seconds``."""
        try:
            message = await self.message(seconds)
        except TimeoutError:
            return True
        raise AssertionError(f"unexpected message {message}")

    async def close(self) -> None:
        await self.ws.close()


async def sse_events(
    gw: EventGateway,
    variables: dict[str, Any],
    headers: dict[str, str] | None = None,
    query: str = SUBSCRIPTION,
) -> AsyncIterator[tuple[str, Any]]:
    """``(event, data)`` pairs of a GraphQL-over-SSE subscription, as they arrive."""
    async with gw.session.post(
        f"{gw.url}/graphql",
        json={"query": query, "variables": variables},
        headers={"Accept": "text/event-stream", **(headers or gw.headers)},
    ) as resp:
        assert resp.status == 200, await resp.text()
        assert resp.headers["Content-Type"].startswith("text/event-stream")
        event = ""
        async for raw in resp.content:
            line = raw.decode().rstrip("\r\n")
            if line.startswith("event:"):
                event = line.partition(":")[2].strip()
            elif line.startswith("data:"):
                data = line.partition(":")[2].strip()
                yield event, orjson.loads(data) if data else None


async def signalwire_callback(
    gw: EventGateway, status: str, recording: Any | None = None, **extra: str
) -> int:
    """A signed SignalWire recording status callback for one of its recordings."""
    sim = gw.sim("signalwire")
    project = sim.primary
    rec = recording or next(r for r in project.recordings.values() if r.call_sid)
    params = [
        ("AccountSid", project.sid),
        ("CallSid", rec.call_sid or ""),
        ("RecordingSid", rec.sid),
        ("RecordingStatus", status),
        ("RecordingDuration", "5"),
        *extra.items(),
    ]
    url = gw.webhook_url("signalwire")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-SignalWire-Signature": sign_form(project.signing_key, url, params),
    }
    async with gw.session.post(url, data=urlencode(params), headers=headers) as resp:
        return resp.status


def recordings(gw: EventGateway, n: int) -> list[Any]:
    project = gw.sim("signalwire").primary
    return [r for r in project.recordings.values() if r.call_sid][:n]
