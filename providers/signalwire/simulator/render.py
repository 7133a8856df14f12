"""JSON shapes of the simulator's answers, as SignalWire's spec writes them.

``types="signalwire"`` (default) emits ``duration`` as int and ``channels`` as a string;
``types="twilio"`` emits Twilio's spec types (``duration`` string, ``channels`` int,
``error_code`` int) so clients can be tested against both conventions.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from .store import SimCall, SimConference, SimRecording

MORE_INFO = "https://signalwire.com/docs/compatibility-api/rest/error-codes"
PREFIXES = ("/api/laml/2010-04-01", "/2010-04-01")


def date(value: datetime | None) -> str | None:
    if value is None:
        return None
    return email.utils.format_datetime(value.astimezone(UTC).replace(microsecond=0))


def error(
    status: int, code: int, message: str, *, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(
        {"code": code, "message": message, "more_info": MORE_INFO, "status": status},
        status=status,
        headers=headers,
    )


def not_found(request: web.Request) -> web.Response:
    return error(404, 20404, f"The requested resource {request.path} was not found")


def recording(rec: SimRecording, prefix: str, types: str) -> dict[str, Any]:
    base = f"{prefix}/Accounts/{rec.account_sid}"
    if rec.conference_sid is not None and rec.call_sid is None:
        uri = f"{base}/Conferences/{rec.conference_sid}/Recordings/{rec.sid}.json"
    else:
        uri = f"{base}/Recordings/{rec.sid}.json"
    twilio = types == "twilio"
    duration: Any = rec.duration
    if twilio and duration is not None:
        duration = str(duration)
    error_code: Any = rec.error_code
    if twilio and error_code is not None:
        error_code = int(error_code)
    return {
        "sid": rec.sid,
        "account_sid": rec.account_sid,
        "api_version": "2010-04-01",
        "call_sid": rec.call_sid,
        "conference_sid": rec.conference_sid,
        "channel": str(rec.channels),
        "channels": rec.channels if twilio else str(rec.channels),
        "date_created": date(rec.created),
        "date_updated": date(rec.updated),
        "start_time": date(rec.created),
        "end_time": date(rec.end),
        "duration": duration,
        "price": rec.price,
        "price_unit": "USD",
        "source": rec.source,
        "status": rec.status,
        "error_code": error_code,
        "uri": uri,
        "subresource_uris": {
            "transcriptions": f"{base}/Recordings/{rec.sid}/Transcriptions.json",
        },
        "encryption_details": None,
        "trim": rec.trim,
    }


def call(c: SimCall, prefix: str, types: str) -> dict[str, Any]:
    base = f"{prefix}/Accounts/{c.account_sid}/Calls/{c.sid}"
    duration: Any = None if c.end is None else int((c.end - c.start).total_seconds())
    if types == "twilio" and duration is not None:
        duration = str(duration)
    updated = c.end or c.start
    return {
        "sid": c.sid,
        "account_sid": c.account_sid,
        "date_created": date(c.start),
        "date_updated": date(updated),
        "parent_call_sid": c.parent_call_sid,
        "to": c.to_number,
        "formatted_to": _pretty(c.to_number),
        "to_formatted": _pretty(c.to_number),
        "from": c.from_number,
        "formatted_from": _pretty(c.from_number),
        "from_formatted": _pretty(c.from_number),
        "phone_number_sid": None,
        "status": c.status,
        "start_time": date(c.start),
        "end_time": date(c.end),
        "duration": duration,
        "price": None if c.end is None else 0.0083,
        "price_unit": "USD",
        "direction": c.direction,
        "answered_by": None,
        "api_version": "2010-04-01",
        "forwarded_from": None,
        "caller_name": None,
        "uri": f"{base}.json",
        "subresource_uris": {"notifications": None, "recordings": f"{base}/Recordings.json"},
        "annotation": None,
        "group_sid": None,
        "audio_in_mos": 4.4,
        "sip_result_code": "200",
    }


def conference(c: SimConference, prefix: str) -> dict[str, Any]:
    base = f"{prefix}/Accounts/{c.account_sid}/Conferences/{c.sid}"
    return {
        "sid": c.sid,
        "account_sid": c.account_sid,
        "date_created": date(c.created),
        "date_updated": date(c.updated),
        "friendly_name": c.name,
        "status": c.status,
        "api_version": "2010-04-01",
        "region": "us1",
        "uri": f"{base}.json",
        "subresource_uris": {
            "participants": f"{base}/Participants.json",
            "recordings": f"{base}/Recordings.json",
        },
    }


def _pretty(number: str) -> str:
    digits = number[-10:]
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
