"""``[quotas]``: where vendor quotas are shared between gateway processes.

```toml
[quotas]
redis_url = "redis://127.0.0.1:6379/0"   # default: [events] url when backend = "redis"
shared = true                            # false: each process keeps its own buckets
```

With a Redis URL, every account's token bucket and ``Retry-After`` pause live in Redis
(``providers._limits.RedisQuota``), so gateway processes behind one load balancer spend
one vendor quota together. An account's own ``quota_redis_url`` key wins.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from gateway.config_table import parse_table
from gateway.errors import SettingsError
from providers.config import Secret

if TYPE_CHECKING:
    from gateway.settings import AccountSettings


@dataclass(frozen=True, slots=True)
class QuotaSettings:
    redis_url: Secret | None = None
    shared: bool = True


class _Events(Protocol):
    @property
    def backend(self) -> str: ...

    @property
    def url(self) -> Secret | None: ...


def parse_quotas(raw: Any) -> QuotaSettings:
    quotas = parse_table(QuotaSettings, raw, "quotas")
    url = quotas.redis_url.reveal() if quotas.redis_url is not None else None
    if url is not None and not url.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError('quotas: redis_url must start with "redis://" (or rediss://, unix://)')
    return quotas


def shared_quota_url(quotas: QuotaSettings, events: _Events | None) -> Secret | None:
    if not quotas.shared:
        return None
    if quotas.redis_url is not None:
        return quotas.redis_url
    if events is not None and events.backend == "redis":
        return events.url
    return None


def with_shared_quotas(
    accounts: Sequence[AccountSettings], url: Secret | None
) -> tuple[AccountSettings, ...]:
    """``accounts`` with ``quota_redis_url`` set to ``url`` where not set already."""
    if url is None:
        return tuple(accounts)
    return tuple(
        acct
        if acct.options.quota_redis_url is not None
        else dataclasses.replace(
            acct, options=dataclasses.replace(acct.options, quota_redis_url=url)
        )
        for acct in accounts
    )
