"""Kazoo recording writes: what the ``record_call`` metaflow and the conference ``record``
action are sent, from ``StartRecordingOptions``.

A live call (a channel) is recorded through the Konami ``record_call`` metaflow,
``PUT /channels/{uuid}``; its parameters are ``action``, ``format``, ``label``,
``media_name``, ``method``, ``origin``, ``record_min_sec``, ``record_on_answer``,
``record_on_bridge``, ``record_sample_rate``, ``should_follow_transfer``, ``time_limit``
and ``url``. ``format`` and ``time_limit`` come from the common options; the others are
``provider_options`` under Kazoo's own names. A conference's ``record`` action takes no
parameters at all. Kazoo has no per-recording status callback (recording events come
from the account's ``object`` webhooks), so a callback URL cannot be honoured either.
"""

from __future__ import annotations

from typing import Any

from providers import _options
from providers.models import StartRecordingOptions

from .client import PROVIDER

#: ``provider_options`` of ``record_call``: name -> (check, what a valid value is).
RECORD_CALL_OPTIONS: dict[str, tuple[_options.Check, str]] = {
    "label": (_options.is_text, "a non-empty string"),
    "media_name": (_options.is_text, "a non-empty string"),
    "origin": (_options.is_text, "a non-empty string"),
    "method": (_options.one_of("put", "post"), '"put" or "post"'),
    "url": (
        lambda v: _options.is_text(v) and str(v).startswith(("http://", "https://")),
        "an absolute http(s) URL",
    ),
    "record_min_sec": (_options.int_between(0, 3600), "an integer from 0 to 3600"),
    "record_on_answer": (_options.is_bool, "a boolean"),
    "record_on_bridge": (_options.is_bool, "a boolean"),
    "record_sample_rate": (
        _options.one_of(8000, 16000, 32000, 44100, 48000),
        "one of 8000, 16000, 32000, 44100, 48000",
    ),
    "should_follow_transfer": (_options.is_bool, "a boolean"),
}

_NO_CALLBACK = (
    "kazoo has no per-recording status callback (configure an object webhook for "
    "call_recording docs on the account instead)"
)


def record_call_start(options: StartRecordingOptions) -> dict[str, Any]:
    """The ``record_call`` metaflow data that starts recording a live call."""
    _options.check_common(PROVIDER, options)
    _options.refuse(
        PROVIDER,
        options,
        ("channels", "track", "trim_silence"),
        "record_call records the call as one mixed track and has no silence trimming",
        capability="start_call_recording",
    )
    _options.refuse(
        PROVIDER, options, ("status_callback_url", "status_callback_events"), _NO_CALLBACK
    )
    data: dict[str, Any] = {"action": "start"}
    if options.format is not None:
        data["format"] = options.format
    if options.time_limit_seconds is not None:
        data["time_limit"] = options.time_limit_seconds
    data.update(_options.vendor_options(PROVIDER, options, RECORD_CALL_OPTIONS))
    return data


def conference_start(options: StartRecordingOptions) -> None:
    """The conference ``record`` action takes no parameters: refuse any option given."""
    _options.check_common(PROVIDER, options)
    _options.refuse(
        PROVIDER,
        options,
        _options.given(options),
        "the conference record action takes no parameters",
    )
