"""HTTP client for SignalWire's Compatibility (LaML) REST API, one method per endpoint.

Paths are relative to ``{space}/api/laml/2010-04-01/Accounts/{ProjectId}``. Lists page with
``Page`` + ``PageSize`` + ``PageToken``; the only cursor parts kept from a
``next_page_uri`` are ``Page`` and ``PageToken``, and the URL is always rebuilt here, so a
token handed back by a caller can never redirect a request.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from providers._http import HttpClient, HttpMediaStream
from providers._http_errors import VendorError
from providers.config import ClientOptions, Secret
from providers.errors import (
    InvalidStateError,
    InvalidTokenError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
)

from .mapping import PROVIDER
from .wire import CallWire, ConferenceWire, RecordingWire

API_PREFIX = "/api/laml/2010-04-01"
MAX_PAGE_SIZE = 1000

SID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_PAGE_TOKEN_RE = re.compile(r"^P[AB][0-9A-Za-z._-]{1,100}$")
_TOKEN_PREFIX = "sw1:"  # noqa: S105 (a format tag, not a secret)

#: SignalWire error numbers whose meaning beats the HTTP status.
_CODE_CLASSES = {
    "20404": NotFoundError,
    "20429": RateLimitedError,
    "21220": InvalidStateError,  # recording on a call that is not in progress
    "20009": InvalidStateError,  # deleting an unfinished call
}


def is_sid(value: str) -> bool:
    """SignalWire SIDs are lowercase UUIDs; anything else cannot exist upstream."""
    return bool(SID_RE.match(value))


def parse_error(status: int, body: Any) -> VendorError:
    """``{code, message, more_info, status}``, ``{"errors": [{code, message, ...}]}`` or
    ``{"errors": ["message", ...]}``."""
    if not isinstance(body, Mapping):
        return VendorError(message="")
    code: Any = body.get("code")
    message: Any = body.get("message")
    errors = body.get("errors")
    if message is None and isinstance(errors, list) and errors:
        first = errors[0]
        if isinstance(first, Mapping):
            code, message = first.get("code"), first.get("message")
        else:
            message = "; ".join(str(e) for e in errors if isinstance(e, str))
    vendor_code = str(code) if isinstance(code, int | str) and str(code) else None
    return VendorError(
        message=str(message) if message else "",
        vendor_code=vendor_code,
        error_class=_CODE_CLASSES.get(vendor_code or ""),
    )


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the next page starts: ``Page`` index and the ``PageToken`` it needs."""

    page: int
    token: str

    def encode(self) -> str:
        raw = f"{self.page}:{self.token}".encode()
        return _TOKEN_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Cursor:
        if not value.startswith(_TOKEN_PREFIX):
            raise InvalidTokenError("signalwire: not a page token", provider=PROVIDER)
        body = value[len(_TOKEN_PREFIX) :]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
            page_text, _, token = raw.partition(":")
            page = int(page_text)
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise InvalidTokenError("signalwire: corrupt page token", provider=PROVIDER) from exc
        if page < 1 or not page_text.isdigit() or not _PAGE_TOKEN_RE.match(token):
            raise InvalidTokenError("signalwire: corrupt page token", provider=PROVIDER)
        return cls(page, token)

    @classmethod
    def from_next_uri(cls, uri: Any) -> Cursor | None:
        if uri is None:
            return None
        if not isinstance(uri, str):
            raise MalformedResponseError(
                "signalwire: next_page_uri is not a string", provider=PROVIDER
            )
        query = dict(parse_qsl(urlsplit(uri).query, keep_blank_values=True))
        page, token = query.get("Page", ""), query.get("PageToken", "")
        if not page.isdigit() or int(page) < 1 or not _PAGE_TOKEN_RE.match(token):
            raise MalformedResponseError(
                "signalwire: next_page_uri lacks Page/PageToken", provider=PROVIDER
            )
        return cls(int(page), token)


@dataclass(frozen=True, slots=True)
class ListPage:
    items: list[dict[str, Any]]
    next: Cursor | None


#: Template of ``self._account`` for :mod:`providers.observe` (ids never become labels).
_ACCOUNT = "/Accounts/{id}"


def _basic(user: str, password: str) -> str:
    # aiohttp 3.14 deprecates BasicAuth objects in favour of a plain header.
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class SignalWireClient:
    def __init__(
        self,
        base_url: str,
        project_id: str,
        api_token: Secret,
        options: ClientOptions,
        account: str = "",
    ) -> None:
        self.project_id = project_id
        self.http = HttpClient(
            provider=PROVIDER,
            base_url=base_url.rstrip("/") + API_PREFIX,
            options=options,
            parse_error=parse_error,
            basic_auth=(project_id, api_token.reveal()),
            headers={"Accept": "application/json"},
            account=account,
        )
        self._account = f"/Accounts/{quote(project_id, safe='')}"

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- lists -----------------------------------------------------------------------

    async def _list(
        self,
        path: str,
        key: str,
        filters: Sequence[tuple[str, str]],
        size: int,
        cursor: Cursor | None,
    ) -> ListPage:
        params = list(filters)
        params.append(("PageSize", str(max(1, min(size, MAX_PAGE_SIZE)))))
        if cursor is not None:
            params += [("Page", str(cursor.page)), ("PageToken", cursor.token)]
        # urlencode escapes the ``<``/``>`` inside ``DateCreated<`` keys.
        resp = await self.http.request(
            "GET", f"{self._account}{path}?{urlencode(params)}", endpoint=_ACCOUNT + path
        )
        body = resp.body
        if not isinstance(body, Mapping) or not isinstance(body.get(key), list):
            raise MalformedResponseError(
                f"signalwire: GET {path} returned no {key!r} list", provider=PROVIDER
            )
        items = [item for item in body[key] if isinstance(item, dict) and item.get("sid")]
        return ListPage(items, Cursor.from_next_uri(body.get("next_page_uri")))

    async def list_recordings(
        self, filters: Sequence[tuple[str, str]], size: int, cursor: Cursor | None = None
    ) -> ListPage:
        return await self._list("/Recordings.json", "recordings", filters, size, cursor)

    async def list_calls(
        self, size: int, cursor: Cursor | None = None, filters: Sequence[tuple[str, str]] = ()
    ) -> ListPage:
        """``filters``: e.g. ``StartTime>`` / ``StartTime<`` (RFC 2822)."""
        return await self._list("/Calls.json", "calls", filters, size, cursor)

    async def list_conferences(
        self, size: int, cursor: Cursor | None = None, filters: Sequence[tuple[str, str]] = ()
    ) -> ListPage:
        """``filters``: e.g. ``DateCreated<`` (``YYYY-MM-DD``, whole days)."""
        return await self._list("/Conferences.json", "conferences", filters, size, cursor)

    # -- single resources ------------------------------------------------------------

    async def _get(self, path: str, endpoint: str) -> dict[str, Any]:
        resp = await self.http.request(
            "GET", f"{self._account}{path}", endpoint=_ACCOUNT + endpoint
        )
        if not isinstance(resp.body, dict) or not resp.body.get("sid"):
            raise MalformedResponseError(
                f"signalwire: GET {path} returned no object", provider=PROVIDER
            )
        return resp.body

    async def get_recording(self, sid: str) -> RecordingWire:
        return cast(
            RecordingWire, await self._get(f"/Recordings/{sid}.json", "/Recordings/{id}.json")
        )

    async def get_call(self, sid: str) -> CallWire:
        return cast(CallWire, await self._get(f"/Calls/{sid}.json", "/Calls/{id}.json"))

    async def get_conference(self, sid: str) -> ConferenceWire:
        return cast(
            ConferenceWire, await self._get(f"/Conferences/{sid}.json", "/Conferences/{id}.json")
        )

    async def delete_recording(self, sid: str) -> None:
        await self.http.request(
            "DELETE",
            f"{self._account}/Recordings/{sid}.json",
            endpoint=_ACCOUNT + "/Recordings/{id}.json",
        )

    async def open_media(self, sid: str, headers: Mapping[str, str]) -> HttpMediaStream:
        # Media is public upstream; sending the session's Basic auth along is harmless.
        return await self.http.open_stream(
            f"{self._account}/Recordings/{sid}.wav",
            headers=headers,
            endpoint=_ACCOUNT + "/Recordings/{id}.wav",
        )

    # -- recording control -----------------------------------------------------------

    async def start_call_recording(self, call_sid: str, form: Mapping[str, str]) -> RecordingWire:
        resp = await self.http.request(
            "POST",
            f"{self._account}/Calls/{call_sid}/Recordings.json",
            data=form,
            endpoint=_ACCOUNT + "/Calls/{id}/Recordings.json",
        )
        return cast(RecordingWire, self._object(resp.body, "start recording"))

    async def update_recording(
        self, parent: str, parent_sid: str, sid: str, status: str
    ) -> RecordingWire:
        """``parent`` is ``"Calls"`` or ``"Conferences"``."""
        resp = await self.http.request(
            "POST",
            f"{self._account}/{parent}/{parent_sid}/Recordings/{sid}.json",
            data={"Status": status},
            endpoint=f"{_ACCOUNT}/{parent}/{{id}}/Recordings/{{id}}.json",
        )
        return cast(RecordingWire, self._object(resp.body, "update recording"))

    @staticmethod
    def _object(body: Any, what: str) -> dict[str, Any]:
        if not isinstance(body, dict) or not body.get("sid"):
            raise MalformedResponseError(
                f"signalwire: {what} returned no object", provider=PROVIDER
            )
        return body
