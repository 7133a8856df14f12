"""What SignalWire's start-recording endpoint is sent, from ``StartRecordingOptions``."""

from __future__ import annotations

from providers import _options
from providers.errors import InvalidOptionError, UnsupportedError
from providers.models import StartRecordingOptions

from .mapping import PROVIDER

#: Neutral callback event -> ``RecordingStatusCallbackEvent`` value. SignalWire documents
#: ``in-progress``, ``completed`` and ``absent``; ``paused``/``resumed``/``stopped`` are the
#: Twilio-style extension its simulator accepts (unconfirmed for SignalWire itself).
_CALLBACK_EVENTS = {
    "started": "in-progress",
    "in_progress": "in-progress",
    "paused": "paused",
    "resumed": "resumed",
    "stopped": "stopped",
    "completed": "completed",
    "absent": "absent",
}

#: Events asked for when the gateway's own webhook is the callback (the documented ones).
DEFAULT_EVENTS = ("started", "completed", "absent")


def start_form(options: StartRecordingOptions) -> list[tuple[str, str]]:
    """``POST Calls/{CallSid}/Recordings.json`` parameters; only the options given, so
    the vendor's defaults (mono, both tracks, do-not-trim, ``completed``) apply otherwise."""
    _options.check_common(PROVIDER, options)
    _options.refuse(
        PROVIDER,
        options,
        ("time_limit_seconds",),
        "a call recording started over REST runs until stopped or the call ends",
    )
    _options.refuse(
        PROVIDER,
        options,
        ("format",),
        "recordings are stored once and served as WAV or MP3 when downloaded",
    )
    extra = _options.vendor_options(
        PROVIDER,
        options,
        {"RecordingStatusCallbackMethod": (_options.one_of("GET", "POST"), "GET or POST")},
    )
    form: list[tuple[str, str]] = []
    if options.channels is not None:
        form.append(("RecordingChannels", "dual" if options.channels == 2 else "mono"))
    if options.track is not None:
        form.append(("RecordingTrack", options.track))
    if options.trim_silence is not None:
        form.append(("Trim", "trim-silence" if options.trim_silence else "do-not-trim"))
    if (
        options.status_callback_events is not None
        and options.status_callback_url is None
        and options.default_status_callback_url is None
    ):
        raise InvalidOptionError(
            "signalwire: status_callback_events need a status_callback_url",
            field="status_callback_events",
            provider=PROVIDER,
        )
    url = options.status_callback_url
    wanted = options.status_callback_events
    if url is None and options.default_status_callback_url is not None:
        url = options.default_status_callback_url
        wanted = wanted or DEFAULT_EVENTS
    if url is not None:
        form.append(("RecordingStatusCallback", url))
        events: list[str] = []
        for event in wanted or ():
            vendor = _CALLBACK_EVENTS.get(event)
            if vendor is None:
                raise UnsupportedError(
                    f"signalwire cannot send a {event!r} recording status callback",
                    provider=PROVIDER,
                    option="status_callback_events",
                )
            if vendor not in events:
                events.append(vendor)
        if events:
            form.append(("RecordingStatusCallbackEvent", " ".join(events)))
    if "RecordingStatusCallbackMethod" in extra:
        form.append(("RecordingStatusCallbackMethod", extra["RecordingStatusCallbackMethod"]))
    return form
