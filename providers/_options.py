"""Checking ``StartRecordingOptions`` against what one vendor can honour.

Backends call these before any request, so that an option a vendor cannot honour raises
``UnsupportedError`` naming it and a value it would refuse raises ``InvalidOptionError``
naming it: nothing is silently dropped, and nothing half-applied reaches the vendor.
Options are named by their ``StartRecordingOptions`` attribute (``time_limit_seconds``,
``provider_options.record_min_sec``); the gateway translates them to its input names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .errors import InvalidOptionError, UnsupportedError
from .models import AUDIO_FORMATS, CALLBACK_EVENTS, TRACKS, StartRecordingOptions

#: Every attribute of ``StartRecordingOptions`` that a caller may set.
OPTION_FIELDS = (
    "channels",
    "track",
    "trim_silence",
    "time_limit_seconds",
    "format",
    "status_callback_url",
    "status_callback_events",
    "provider_options",
)

Check = Callable[[Any], bool]


def given(options: StartRecordingOptions) -> list[str]:
    """The options that were set (not left to the vendor's default)."""
    out = [name for name in OPTION_FIELDS[:-1] if getattr(options, name) is not None]
    if options.provider_options:
        out.append("provider_options")
    return out


def refuse(
    provider: str,
    options: StartRecordingOptions,
    names: Iterable[str],
    why: str,
    *,
    capability: str | None = None,
) -> None:
    """Raise ``UnsupportedError`` for the first of ``names`` that is set."""
    for name in names:
        if name == "provider_options":
            for key in options.provider_options:
                raise UnsupportedError(
                    f"{provider} cannot honour provider_options.{key}: {why}",
                    provider=provider,
                    option=f"provider_options.{key}",
                    capability=capability,
                )
        elif getattr(options, name) is not None:
            raise UnsupportedError(
                f"{provider} cannot honour {name}: {why}",
                provider=provider,
                option=name,
                capability=capability,
            )


def check_common(provider: str, options: StartRecordingOptions) -> None:
    """Values no vendor accepts, whatever it supports."""
    if options.channels is not None and options.channels not in (1, 2):
        raise InvalidOptionError(
            f"{provider}: channels must be 1 or 2", field="channels", provider=provider
        )
    if options.track is not None and options.track not in TRACKS:
        raise InvalidOptionError(
            f"{provider}: track must be one of {', '.join(sorted(TRACKS))}",
            field="track",
            provider=provider,
        )
    if options.format is not None and options.format not in AUDIO_FORMATS:
        raise InvalidOptionError(
            f"{provider}: format must be one of {', '.join(sorted(AUDIO_FORMATS))}",
            field="format",
            provider=provider,
        )
    limit = options.time_limit_seconds
    if limit is not None and not 1 <= limit <= 86_400:
        raise InvalidOptionError(
            f"{provider}: time_limit_seconds must be between 1 and 86400",
            field="time_limit_seconds",
            provider=provider,
        )
    url = options.status_callback_url
    if url is not None and not url.startswith(("http://", "https://")):
        raise InvalidOptionError(
            f"{provider}: status_callback_url must be an absolute http(s) URL",
            field="status_callback_url",
            provider=provider,
        )
    for event in options.status_callback_events or ():
        if event not in CALLBACK_EVENTS:
            raise InvalidOptionError(
                f"{provider}: unknown status callback event {event!r}",
                field="status_callback_events",
                provider=provider,
            )


def vendor_options(
    provider: str, options: StartRecordingOptions, allowed: Mapping[str, tuple[Check, str]]
) -> dict[str, Any]:
    """``provider_options``, each key known to ``allowed`` and its value passing the
    check (``allowed[key] = (check, "what a valid value is")``)."""
    out: dict[str, Any] = {}
    for key, value in options.provider_options.items():
        rule = allowed.get(key)
        if rule is None:
            known = ", ".join(sorted(allowed)) or "none"
            raise UnsupportedError(
                f"{provider} has no provider option {key!r} (known: {known})",
                provider=provider,
                option=f"provider_options.{key}",
            )
        check, expected = rule
        if not check(value):
            raise InvalidOptionError(
                f"{provider}: provider_options.{key} must be {expected}",
                field=f"provider_options.{key}",
                provider=provider,
            )
        out[key] = value
    return out


def is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def is_text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 512


def int_between(low: int, high: int) -> Check:
    def check(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high

    return check


def one_of(*values: object) -> Check:
    def check(value: Any) -> bool:
        return value in values

    return check
