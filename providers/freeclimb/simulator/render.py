"""FreeClimb JSON shapes: resources, the list envelope, error bodies, dates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web

from .store import SimCall, SimConference, SimRecording

DOCS = "https://docs.freeclimb.com/reference/error-and-warning-dictionary"

#: (FreeClimb error number, message) per HTTP status; which number FreeClimb uses for
#: each situation is unconfirmed (see the package docstring).
ERRORS: dict[int, tuple[int, str]] = {
    400: (1, "Invalid Parameter"),
    401: (50, "Unauthorized To Make Request"),
    403: (50, "Unauthorized To Access This Account"),
    404: (60, "Resource Not Found"),
    405: (2, "Method Not Allowed"),
    409: (9, "Resource Is In A Conflicting State"),
    429: (24, "Too Many Requests, Wait And Retry"),
}


def rfc1123(moment: datetime | None) -> str:
    """``Mon, 10 Jun 2024 16:00:00 GMT`` (always GMT, never ``+0000``); ``""`` if unset."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(body), content_type="application/json")


def error(
    status: int,
    message: str | None = None,
    *,
    code: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    default_code, default_message = ERRORS.get(status, (0, "Internal Server Error"))
    number = default_code if code is None else code
    body = {
        "code": number,
        "message": message or default_message,
        "url": f"{DOCS}#{number}",
        "details": {},
    }
    resp = json_response(body, status)
    resp.headers.update(headers or {})
    return resp


def render_error(
    status: int, message: str, *, headers: Mapping[str, str] | None = None
) -> web.Response:
    """The :class:`providers._sim.ErrorRenderer` used by the fault middleware."""
    return error(status, None if status in ERRORS else message, headers=headers)


def recording(rec: SimRecording, *, duration_as_string: bool = False) -> dict[str, Any]:
    base = f"/Accounts/{rec.account_id}/Recordings/{rec.recording_id}"
    updated = rec.updated or rec.created
    return {
        "uri": base,
        "dateCreated": rfc1123(rec.created),
        "dateUpdated": rfc1123(updated),
        "dateCreatedISO": iso(rec.created),
        "dateUpdatedISO": iso(updated),
        "revision": rec.revision,
        "recordingId": rec.recording_id,
        "accountId": rec.account_id,
        "callId": rec.call_id if rec.call_id else rec.absent_parent,
        "conferenceId": rec.conference_id if rec.conference_id else rec.absent_parent,
        "durationSec": str(rec.duration) if duration_as_string else rec.duration,
        "deleted": rec.deleted,
        "type": "private",
        "mimeType": "audio/wav",
        "downloadUrl": base + "/Download",
    }


def call(c: SimCall) -> dict[str, Any]:
    base = f"/Accounts/{c.account_id}/Calls/{c.call_id}"
    duration = None
    connect_duration = None
    if c.end is not None and c.start is not None and c.connect is not None:
        duration = int((c.end - c.start).total_seconds())
        connect_duration = int((c.end - c.connect).total_seconds())
    return {
        "uri": base,
        "dateCreated": rfc1123(c.created),
        "dateUpdated": rfc1123(c.updated),
        "dateCreatedISO": iso(c.created),
        "dateUpdatedISO": iso(c.updated),
        "revision": c.revision,
        "callId": c.call_id,
        "parentCallId": c.parent_call_id,
        "accountId": c.account_id,
        "from": c.from_number,
        "to": c.to_number,
        "phoneNumberId": c.phone_number_id,
        "status": c.status,
        "startTime": rfc1123(c.start),
        "startTimeISO": iso(c.start),
        "connectTime": rfc1123(c.connect),
        "connectTimeISO": iso(c.connect),
        "endTime": rfc1123(c.end),
        "endTimeISO": iso(c.end),
        "duration": duration,
        "connectDuration": connect_duration,
        "audioStreamDuration": 0,
        "direction": c.direction,
        "answeredBy": None,
        "callerName": "",
        "webRTC": False,
        "subresourceUris": {"logs": base + "/Logs", "recordings": base + "/Recordings"},
        "applicationId": c.application_id,
    }


def conference(c: SimConference) -> dict[str, Any]:
    base = f"/Accounts/{c.account_id}/Conferences/{c.conference_id}"
    return {
        "uri": base,
        "dateCreated": rfc1123(c.created),
        "dateUpdated": rfc1123(c.updated),
        "dateCreatedISO": iso(c.created),
        "dateUpdatedISO": iso(c.updated),
        "revision": c.revision,
        "conferenceId": c.conference_id,
        "accountId": c.account_id,
        "alias": c.alias,
        "playBeep": "always",
        "record": c.record,
        "status": c.status,
        "waitUrl": "https://app.example.com/hold.wav",
        "actionUrl": "https://app.example.com/freeclimb/conference-created",
        "statusCallbackUrl": c.status_callback_url,
        "subresourceUris": {
            "participants": base + "/Participants",
            "recordings": base + "/Recordings",
        },
    }


def envelope(
    key: str,
    items: list[dict[str, Any]],
    *,
    total: int,
    offset: int,
    page_size: int,
    next_page_uri: str | None,
) -> dict[str, Any]:
    """``page`` is 0-based and ``end`` is the inclusive index of the last item (both
    unconfirmed); an empty page has ``start == end == offset``."""
    return {
        "total": total,
        "start": offset,
        "end": offset + max(0, len(items) - 1),
        "page": offset // page_size,
        "numPages": -(-total // page_size),
        "pageSize": page_size,
        "nextPageUri": next_page_uri,
        key: items,
    }
