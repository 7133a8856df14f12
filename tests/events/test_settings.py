"""``[events]``: defaults, the Redis backend, and refusals that name the key without
echoing a value (a Redis URL may hold a password)."""

from __future__ import annotations

import pytest

from gateway.errors import SettingsError
from gateway.settings import from_mapping


def test_defaults_are_the_embedded_log() -> None:
    events = from_mapping({}, env={}).events
    assert events.backend == "embedded" and events.url is None
    assert (events.max_events, events.subscriber_queue) == (10_000, 256)


def test_redis_backend_reads_the_url_from_the_environment() -> None:
    url = "redis://:hunter2@127.0.0.1:6379/3"
    events = from_mapping(
        {"events": {"backend": "redis", "url": "${REDIS_URL}", "max_age": 3600}},
        env={"REDIS_URL": url},
    ).events
    assert events.url is not None and events.url.reveal() == url
    assert "hunter2" not in repr(events)
    assert events.max_age == 3600.0


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"backend": "kafka"}, "backend must be one of embedded, redis"),
        ({"backend": "redis"}, 'needs url = "redis://..."'),
        ({"backend": "redis", "url": "http://x"}, 'needs url = "redis://..."'),
        ({"url": "redis://:pw@h/0"}, 'url applies only to backend = "redis"'),
        ({"max_events": 0}, "must be at least 1"),
        ({"max_age": -1}, "must be positive"),
        ({"subscriber_queue": "many"}, "subscriber_queue must be of type int"),
        ({"retention": 5}, "unknown key(s) retention"),
    ],
)
def test_refusals(table: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        from_mapping({"events": table}, env={})
    assert message in str(raised.value)
    assert "pw@" not in str(raised.value)
