"""Kazoo ``object`` webhook delivery: unsigned, ``X-Hook-ID``/``X-Account-ID`` headers,
form-encoded by default (``format: "json"`` for JSON), ``custom_data`` merged in, verb
``post``/``put``/``get`` (params in the query string), ``retries`` extra attempts."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import aiohttp


@dataclasses.dataclass(frozen=True, slots=True)
class Hook:
    id: str
    account_id: str
    uri: str
    http_verb: str = "post"
    hook_format: str = "form-data"
    custom_data: Mapping[str, str] = dataclasses.field(default_factory=dict)
    retries: int = 2


@dataclasses.dataclass(frozen=True, slots=True)
class Delivery:
    hook_id: str
    status: int | None
    payload: Mapping[str, str]


async def deliver(hook: Hook, payload: Mapping[str, str]) -> Delivery:
    body = {**payload, **hook.custom_data}
    headers = {"X-Hook-ID": hook.id, "X-Account-ID": hook.account_id}
    timeout = aiohttp.ClientTimeout(total=10, sock_connect=10)
    status: int | None = None
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for _ in range(hook.retries + 1):
            try:
                if hook.http_verb == "get":
                    ctx = session.get(hook.uri, params=body, headers=headers)
                elif hook.hook_format == "json":
                    ctx = session.request(
                        hook.http_verb.upper(), hook.uri, json=body, headers=headers
                    )
                else:
                    ctx = session.request(
                        hook.http_verb.upper(), hook.uri, data=body, headers=headers
                    )
                async with ctx as resp:
                    status = resp.status
                    await resp.read()
                if status < 400:
                    break
            except (aiohttp.ClientError, TimeoutError):
                status = None
    return Delivery(hook.id, status, body)
