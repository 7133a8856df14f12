"""``[events]``: which event log, how much it keeps, and the webhook limits.

```toml
[events]
backend = "embedded"          # or "redis": Redis Streams, shared by every gateway instance
url = "redis://127.0.0.1:6379/0"   # backend = "redis" only; may hold a password: ${VAR}
stream = "recgw:events"       # the stream's key (and the prefix of its dedupe keys)
max_events = 10000            # retention: at most this many events ...
max_age = 86400               # ... none older than this (seconds)
dedupe_ttl = 86400            # a vendor event identity is refused again for this long
subscriber_queue = 256        # events a subscriber may fall behind before it is cut off
max_webhook_bytes = 65536     # larger webhook bodies get 413
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.config_table import parse_table
from gateway.errors import SettingsError
from providers.config import Secret

BACKENDS = ("embedded", "redis")


@dataclass(frozen=True, slots=True)
class EventSettings:
    backend: str = "embedded"
    url: Secret | None = None
    stream: str = "recgw:events"
    max_events: int = 10_000
    max_age: float = 86_400.0
    dedupe_ttl: float = 86_400.0
    subscriber_queue: int = 256
    max_webhook_bytes: int = 65_536


def parse_events(raw: Any) -> EventSettings:
    settings = parse_table(EventSettings, raw, "events")
    if settings.backend not in BACKENDS:
        raise SettingsError(f"events: backend must be one of {', '.join(BACKENDS)}")
    if settings.backend == "redis":
        url = settings.url.reveal() if settings.url is not None else ""
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError('events: backend = "redis" needs url = "redis://..."')
    elif settings.url is not None:
        raise SettingsError('events: url applies only to backend = "redis"')
    if min(settings.max_events, settings.subscriber_queue, settings.max_webhook_bytes) < 1:
        raise SettingsError(
            "events: max_events, subscriber_queue and max_webhook_bytes must be at least 1"
        )
    if settings.max_age <= 0 or settings.dedupe_ttl <= 0:
        raise SettingsError("events: max_age and dedupe_ttl must be positive")
    if not settings.stream:
        raise SettingsError("events: stream must not be empty")
    return settings
