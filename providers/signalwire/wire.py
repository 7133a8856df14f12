"""TypedDicts of SignalWire's Compatibility (LaML) JSON.

SignalWire's spec and Twilio's spec share field names but not types (``duration`` int vs
string, ``channels`` string vs int, ``error_code`` string vs int), so numeric fields are
typed as unions here and normalised in :mod:`.mapping`.
"""

from __future__ import annotations

from typing import TypedDict

IntOrStr = int | str


class RecordingWire(TypedDict, total=False):
    sid: str
    account_sid: str
    api_version: str
    call_sid: str | None
    conference_sid: str | None
    channel: IntOrStr | None
    channels: IntOrStr | None
    date_created: str | None
    date_updated: str | None
    start_time: str | None
    end_time: str | None
    duration: IntOrStr | None
    price: str | float | None
    price_unit: str | None
    source: str | None
    status: str | None
    error_code: IntOrStr | None
    uri: str
    subresource_uris: dict[str, str | None]
    encryption_details: object
    trim: str | None
    track: str | None
    media_url: str | None


class CallWire(TypedDict, total=False):
    sid: str
    account_sid: str
    date_created: str | None
    date_updated: str | None
    parent_call_sid: str | None
    to: str | None
    formatted_to: str | None
    to_formatted: str | None
    # ``from`` is a keyword: the key is read with ``wire.get("from")``.
    formatted_from: str | None
    from_formatted: str | None
    phone_number_sid: str | None
    status: str | None
    start_time: str | None
    end_time: str | None
    duration: IntOrStr | None
    price: str | float | None
    price_unit: str | None
    direction: str | None
    answered_by: str | None
    api_version: str
    uri: str
    subresource_uris: dict[str, str | None]


class ConferenceWire(TypedDict, total=False):
    sid: str
    account_sid: str
    date_created: str | None
    date_updated: str | None
    friendly_name: str | None
    status: str | None
    api_version: str
    region: str | None
    uri: str
    subresource_uris: dict[str, str | None]


class ListEnvelope(TypedDict, total=False):
    """Paging keys of every list; the items sit under one plural key
    (``recordings``, ``calls``, ``conferences``). ``start``/``end`` are Twilio-only."""

    uri: str
    first_page_uri: str | None
    next_page_uri: str | None
    previous_page_uri: str | None
    page: int
    page_size: int
    start: int
    end: int


class ErrorWire(TypedDict, total=False):
    """``{code, message, more_info, status}``; some endpoints answer ``{"errors": [...]}``
    whose items are objects or plain strings."""

    code: IntOrStr
    message: str
    more_info: str
    status: int
    errors: list[object]
