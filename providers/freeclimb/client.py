"""One method per FreeClimb REST endpoint, over :class:`providers._http.HttpClient`.

Auth is HTTP Basic ``accountId:apiKey``. Lists come in a flat envelope whose
``nextPageUri`` carries an opaque ``cursor``; the server re-applies the original filters
from that cursor, so a next page is just ``<fixed path>?cursor=<cursor>``. We never follow
the URI itself: only the cursor is kept, checked against a strict charset, and the URL is
rebuilt from our own base URL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from yarl import URL

from providers._http import HttpClient, HttpMediaStream
from providers._http_errors import VendorError
from providers.config import ClientOptions
from providers.errors import (
    InvalidTokenError,
    MalformedResponseError,
    NotFoundError,
    UpstreamError,
)

from .mapping import PROVIDER

#: ``AC``/``CA``/``RE``/``CF`` + 40 lowercase hex (``RE``/``CF`` by analogy, see notes).
ID_PATTERN = {
    "account": re.compile(r"AC[0-9a-f]{40}"),
    "call": re.compile(r"CA[0-9a-f]{40}"),
    "recording": re.compile(r"RE[0-9a-f]{40}"),
    "conference": re.compile(r"CF[0-9a-f]{40}"),
}
_CURSOR = re.compile(r"[0-9A-Za-z_\-.~]{1,2048}")

#: Template of ``self._root`` for :mod:`providers.observe` (ids never become labels).
_ROOT = "/Accounts/{id}"

#: FreeClimb error 77: "resource was deleted and can no longer be accessed".
_DELETED_CODE = 77


def valid_id(kind: str, value: str) -> bool:
    return isinstance(value, str) and ID_PATTERN[kind].fullmatch(value) is not None


def parse_error(status: int, body: Any) -> VendorError:
    """FreeClimb bodies are ``{code, message, url, details}``; a front proxy may answer
    with ``error``/``status`` keys instead. Code 77 (deleted) is a not-found whatever the
    4xx status, so a deleted recording reads like an unknown one."""
    if not isinstance(body, dict):
        return VendorError(message="")
    code = body.get("code")
    message = body.get("message") or body.get("error") or ""
    if not isinstance(message, str):
        message = str(message)
    vendor_code = str(code) if isinstance(code, int | str) and str(code) else None
    error_class: type[UpstreamError] | None = None
    if code == _DELETED_CODE and 400 <= status < 500:
        error_class = NotFoundError
    return VendorError(message=message[:200], vendor_code=vendor_code, error_class=error_class)


def cursor_of(next_page_uri: Any) -> str | None:
    """The ``cursor`` query value of a ``nextPageUri`` (relative or absolute), or ``None``."""
    if next_page_uri is None or next_page_uri == "":
        return None
    if not isinstance(next_page_uri, str):
        raise MalformedResponseError(f"{PROVIDER}: nextPageUri is not a string", provider=PROVIDER)
    cursor = URL(next_page_uri).query.get("cursor")
    if not cursor or not _CURSOR.fullmatch(cursor):
        raise MalformedResponseError(
            f"{PROVIDER}: nextPageUri carries no usable cursor", provider=PROVIDER
        )
    return cursor


def check_cursor(token: str) -> str:
    if not isinstance(token, str) or not _CURSOR.fullmatch(token):
        raise InvalidTokenError(f"{PROVIDER}: malformed page token", provider=PROVIDER)
    return token


@dataclass(frozen=True, slots=True)
class ListPage:
    items: list[dict[str, Any]]
    cursor: str | None


class FreeClimbClient:
    def __init__(
        self,
        *,
        base_url: str,
        account_id: str,
        api_key: str,
        options: ClientOptions,
        account: str = "",
    ) -> None:
        self.account_id = account_id
        self.http = HttpClient(
            provider=PROVIDER,
            base_url=base_url,
            options=options,
            parse_error=parse_error,
            basic_auth=(account_id, api_key),
            headers={"Accept": "application/json"},
            account=account,
        )
        self._root = f"/Accounts/{quote(account_id, safe='')}"

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- lists -----------------------------------------------------------------------

    async def _list(
        self,
        path: str,
        key: str,
        params: Mapping[str, str],
        cursor: str | None,
        endpoint: str | None = None,
    ) -> ListPage:
        """``endpoint``: the path's template below the account, for :mod:`providers.observe`."""
        query: list[tuple[str, str]] = list(params.items())
        if cursor is not None:
            query.append(("cursor", check_cursor(cursor)))
        template = _ROOT + endpoint if endpoint else None
        resp = await self.http.request("GET", self._root + path, params=query, endpoint=template)
        body = resp.body
        # The envelope always carries the plural key, [] when empty (checklist item 3).
        if not isinstance(body, dict) or not isinstance(body.get(key), list):
            raise MalformedResponseError(
                f"{PROVIDER}: GET {path} did not return a {key} list", provider=PROVIDER
            )
        items = [item for item in body[key] if isinstance(item, dict)]
        return ListPage(items, cursor_of(body.get("nextPageUri")))

    async def list_recordings(
        self, params: Mapping[str, str], cursor: str | None = None
    ) -> ListPage:
        return await self._list("/Recordings", "recordings", params, cursor, "/Recordings")

    async def list_call_recordings(
        self, call_id: str, params: Mapping[str, str], cursor: str | None = None
    ) -> ListPage:
        path = f"/Calls/{quote(call_id, safe='')}/Recordings"
        return await self._list(path, "recordings", params, cursor, "/Calls/{id}/Recordings")

    async def list_conference_recordings(
        self, conference_id: str, params: Mapping[str, str], cursor: str | None = None
    ) -> ListPage:
        path = f"/Conferences/{quote(conference_id, safe='')}/Recordings"
        return await self._list(path, "recordings", params, cursor, "/Conferences/{id}/Recordings")

    async def list_calls(self, params: Mapping[str, str], cursor: str | None = None) -> ListPage:
        return await self._list("/Calls", "calls", params, cursor, "/Calls")

    async def list_conferences(
        self, params: Mapping[str, str], cursor: str | None = None
    ) -> ListPage:
        return await self._list("/Conferences", "conferences", params, cursor, "/Conferences")

    # -- single resources ------------------------------------------------------------

    async def _get(self, path: str, id_key: str, endpoint: str) -> dict[str, Any]:
        resp = await self.http.request("GET", self._root + path, endpoint=_ROOT + endpoint)
        if not isinstance(resp.body, dict) or not isinstance(resp.body.get(id_key), str):
            raise MalformedResponseError(
                f"{PROVIDER}: GET {path} did not return an object with {id_key}",
                provider=PROVIDER,
            )
        return resp.body

    async def get_recording(self, recording_id: str) -> dict[str, Any]:
        path = f"/Recordings/{quote(recording_id, safe='')}"
        return await self._get(path, "recordingId", "/Recordings/{id}")

    async def get_call(self, call_id: str) -> dict[str, Any]:
        return await self._get(f"/Calls/{quote(call_id, safe='')}", "callId", "/Calls/{id}")

    async def get_conference(self, conference_id: str) -> dict[str, Any]:
        path = f"/Conferences/{quote(conference_id, safe='')}"
        return await self._get(path, "conferenceId", "/Conferences/{id}")

    async def delete_recording(self, recording_id: str) -> None:
        path = f"{self._root}/Recordings/{quote(recording_id, safe='')}"
        await self.http.request(
            "DELETE", path, expect_json=False, endpoint=_ROOT + "/Recordings/{id}"
        )

    async def open_download(
        self, recording_id: str, *, headers: Mapping[str, str] | None = None
    ) -> HttpMediaStream:
        path = f"{self._root}/Recordings/{quote(recording_id, safe='')}/Download"
        merged = {"Accept": "audio/wav, audio/x-wav, */*", **(headers or {})}
        return await self.http.open_stream(
            path, headers=merged, endpoint=_ROOT + "/Recordings/{id}/Download"
        )

    async def update_call_status(self, call_id: str, status: str) -> None:
        path = f"{self._root}/Calls/{quote(call_id, safe='')}"
        await self.http.request(
            "POST", path, json={"status": status}, expect_json=False, endpoint=_ROOT + "/Calls/{id}"
        )


def query_params(pairs: Sequence[tuple[str, str | None]]) -> dict[str, str]:
    return {k: v for k, v in pairs if v is not None}
