"""One deadline per GraphQL operation, bounding everything it does upstream.

:class:`~.extension.ResilienceExtension` puts ``[server] operation_timeout`` on
every query and mutation as an absolute instant in ``providers._deadline.DEADLINE``;
``providers._http`` caps each attempt's timeout by what is left and never starts a retry
or a ``Retry-After`` wait that would outlast it. :func:`bounded` is the gateway's own
backstop around each upstream call (locks, rate-limit waits, a vendor client that does
not go through ``providers._http``): when the deadline passes the call is cancelled and
becomes :class:`~providers.errors.UpstreamTimeoutError` (``UPSTREAM_TIMEOUT``), which a
connection reports in ``failures`` next to the other sources' data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from providers._deadline import DEADLINE, remaining
from providers.errors import UpstreamTimeoutError

V = TypeVar("V")


async def bounded(provider: str, call: Callable[[], Awaitable[V]]) -> V:
    """``await call()``, cancelled when the operation's deadline passes."""
    if DEADLINE.get() is None:
        return await call()
    left = remaining()
    if left is None or left <= 0:
        raise UpstreamTimeoutError(
            f"{provider}: not asked: the operation's deadline passed", provider=provider
        )
    timeout = asyncio.timeout(left)
    try:
        async with timeout:
            return await call()
    except TimeoutError:
        if not timeout.expired():
            raise  # the call's own timeout (an UpstreamTimeoutError already)
        raise UpstreamTimeoutError(
            f"{provider}: no answer within the operation's deadline", provider=provider
        ) from None
