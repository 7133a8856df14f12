"""Signed webhook delivery, as FreeClimb's PerCL engine would send it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from providers.freeclimb.webhooks import SIGNATURE_HEADER, sign


@dataclass(frozen=True, slots=True)
class Delivery:
    url: str
    body: bytes
    headers: Mapping[str, str]
    status: int | None  # None when the receiver could not be reached


def signed_request(
    payload: Mapping[str, Any], secrets: Sequence[str], clock: Callable[[], float]
) -> tuple[bytes, dict[str, str]]:
    """The exact bytes and headers of one webhook; the signature covers those bytes."""
    body = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(body, secrets, int(clock())),
    }
    return body, headers


async def post(url: str, body: bytes, headers: Mapping[str, str]) -> Delivery:
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
            session.post(url, data=body, headers=dict(headers)) as resp,
        ):
            await resp.read()
            return Delivery(url, body, headers, resp.status)
    except (aiohttp.ClientError, TimeoutError):
        return Delivery(url, body, headers, None)
