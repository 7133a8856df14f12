"""TypedDicts of the Kazoo Crossbar v2 JSON this package reads.

Every field is optional (``total=False``): Kazoo omits absent values instead of sending
``null``, and CDR listing rows stringify most numbers, hence the ``str | int`` unions.
"""

from __future__ import annotations

from typing import Any, TypedDict


class Envelope(TypedDict, total=False):
    """Wraps every JSON response. ``auth_token`` is a credential: never copy it anywhere."""

    auth_token: str
    data: Any
    status: str
    request_id: str
    revision: str
    node: str
    timestamp: str
    version: str
    page_size: int
    start_key: str
    next_start_key: str
    error: str
    message: str


class RecordingReadOnly(TypedDict, total=False):
    content_types: list[str]
    deleted: bool


class RecordingDoc(TypedDict, total=False):
    id: str
    name: str
    description: str
    content_type: str
    media_type: str
    media_source: str
    source_type: str
    call_id: str
    cdr_id: str
    interaction_id: str
    owner_id: str
    endpoint_id: str
    to: str
    request: str
    direction: str
    caller_id_number: str
    caller_id_name: str
    callee_id_number: str
    callee_id_name: str
    start: int | str
    duration: int | str
    duration_ms: int | str
    origin: str
    url: str
    custom_channel_vars: dict[str, Any]
    _read_only: RecordingReadOnly


# "from" is a keyword, so the CDR and recording "from" keys are read as plain dict keys.


class CdrRow(TypedDict, total=False):
    """One row of ``GET /cdrs``: values are mostly strings, missing ones are ``""``."""

    id: str
    call_id: str
    caller_id_number: str
    caller_id_name: str
    callee_id_number: str
    callee_id_name: str
    duration_seconds: str | int
    billing_seconds: str | int
    timestamp: str | int
    hangup_cause: str
    other_leg_call_id: str
    owner_id: str
    to: str
    direction: str
    request: str
    dialed_number: str
    calling_from: str
    unix_timestamp: str | int
    iso_8601_combined: str
    interaction_id: str
    media_recordings: list[str]


class CdrDoc(TypedDict, total=False):
    """``GET /cdrs/{id}``: ``timestamp`` is the Gregorian call END (an int here)."""

    id: str
    call_id: str
    call_direction: str
    caller_id_number: str
    callee_id_number: str
    duration_seconds: int | str
    billing_seconds: int | str
    ringing_seconds: int | str
    timestamp: int | str
    channel_created_time: int | str
    hangup_cause: str
    other_leg_call_id: str
    interaction_id: str
    custom_channel_vars: dict[str, Any]


class ConferenceReadOnly(TypedDict, total=False):
    members: int
    moderators: int
    duration: int
    is_locked: bool
    participants: list[dict[str, Any]]


class ConferenceDoc(TypedDict, total=False):
    id: str
    name: str
    owner_id: str
    conference_numbers: list[str]
    member: dict[str, Any]
    moderator: dict[str, Any]
    flags: list[str]
    _read_only: ConferenceReadOnly


class ObjectWebhook(TypedDict, total=False):
    """Payload of an ``object`` webhook (form-encoded by default, or JSON)."""

    id: str
    account_id: str
    action: str
    type: str
