"""``node`` / ``nodes``: objects by global ID, batched through the loaders."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError

from gateway.errors import GatewayError, InvalidArgumentError
from gateway.ids import decode_id
from gateway.loaders import load
from providers.errors import ProviderError

from .connections import source_of

if TYPE_CHECKING:
    from gateway.context import GatewayContext, Info

MAX_NODES = 500


async def resolve_node(info: Info, raw_id: str) -> Any:
    ctx = info.context
    gid = decode_id(raw_id)
    source = source_of(ctx, gid)
    if source is None:
        return None
    if gid.type_name == "RecordingEvent":
        return await _event(ctx, gid.native_id, source.name)
    if gid.type_name == "Account":
        return source.account if gid.native_id == gid.provider_account_id else None
    loader: Any = {
        "Call": ctx.loaders.call,
        "Conference": ctx.loaders.conference,
        "Recording": ctx.loaders.recording,
    }[gid.type_name]
    return await load(loader, (source.name, gid.native_id))


async def _event(ctx: GatewayContext, native_id: str, account_name: str) -> Any:
    """An event by ID: ``<log id>/<position>``, while the log still holds it."""
    from gateway.events.service import service_of

    log = service_of(ctx.request).log
    log_id, _, position = native_id.rpartition("/")
    if log_id != log.log_id:
        return None  # another log's event (the log was reset or reconfigured)
    entry = await log.entry(position)
    if entry is None or entry.event.account_name != account_name:
        return None
    return entry


async def resolve_nodes(info: Info, ids: list[str]) -> list[Any]:
    """Each bad or failing ID becomes an error at its own index; the rest resolve."""
    if len(ids) > MAX_NODES:
        raise InvalidArgumentError(f"`nodes` takes at most {MAX_NODES} IDs, got {len(ids)}")

    async def one(raw: str) -> Any:
        try:
            return await resolve_node(info, raw)
        except (GatewayError, ProviderError) as exc:
            return GraphQLError(exc.message, extensions={"code": exc.code})

    return list(await asyncio.gather(*(one(raw) for raw in ids)))
