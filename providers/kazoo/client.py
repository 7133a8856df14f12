"""Kazoo Crossbar v2 over :class:`providers._http.HttpClient`: settings, auth, endpoints.

Auth is an ``X-Auth-Token`` obtained with ``PUT /v2/api_auth`` (API key) or
``PUT /v2/user_auth`` (md5 of ``username:password`` plus the account name). The token is
cached, refreshed shortly before the expiry its JWT claims (3600 s when unreadable), and
refreshed once when a request answers 401; concurrent requests share one refresh. The token
travels only in the request header: never in a message, a log line or a domain object.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import dataclasses
import hashlib
import re
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

import orjson

from providers._http import HttpClient, HttpMediaStream, Params, Response
from providers._http_errors import VendorError
from providers.config import ClientOptions, Secret
from providers.errors import AuthenticationError, ConfigurationError, MalformedResponseError
from providers.observe import UNTEMPLATED

from .wire import CdrDoc, ConferenceDoc, Envelope, RecordingDoc

PROVIDER = "kazoo"
HEX32 = re.compile(r"[0-9a-f]{32}")
RECORDING_ID = re.compile(r"\d{4}(0[1-9]|1[0-2])-[0-9a-f]{32}")
CDR_ID = re.compile(r"\d{4}(0[1-9]|1[0-2])-[A-Za-z0-9@._:+-]{1,200}")
#: A live channel's call id (its ``uuid``): what a CDR id carries after ``YYYYMM-``.
CHANNEL_ID = re.compile(r"[A-Za-z0-9@._:+-]{1,200}")
DEFAULT_TOKEN_TTL = 3600.0


@dataclasses.dataclass(frozen=True, slots=True)
class KazooConfig:
    """``[[accounts]]`` keys of a Kazoo account.

    Exactly one auth method: ``api_key``, or ``username`` + ``password`` + ``account_name``.
    ``max_history_days`` caps how far back listings walk Kazoo's 31-day windows when the
    query has no (or an older) lower date bound; recordings older than that are not listed
    (they stay reachable by id). ``webhook_secret`` must appear as the ``secret`` query
    parameter of the webhook URL configured in Kazoo, because Kazoo does not sign webhooks.
    """

    base_url: str
    account_id: str
    api_key: Secret | None = None
    username: str | None = None
    password: Secret | None = None
    account_name: str | None = None
    max_history_days: int = 365
    webhook_secret: Secret | None = None

    def validate(self, where: str) -> None:
        if not HEX32.fullmatch(self.account_id):
            raise ConfigurationError(f"{where}: account_id must be 32 lowercase hex characters")
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigurationError(f"{where}: base_url must be an http(s) URL")
        if self.max_history_days < 1:
            raise ConfigurationError(f"{where}: max_history_days must be at least 1")
        user_keys = {
            "username": self.username,
            "password": self.password,
            "account_name": self.account_name,
        }
        given = sorted(k for k, v in user_keys.items() if v is not None)
        if self.api_key is not None and given:
            raise ConfigurationError(
                f"{where}: configure either api_key or username/password/account_name, "
                f"not both (got api_key and {', '.join(given)})"
            )
        if self.api_key is None and len(given) != len(user_keys):
            missing = sorted(set(user_keys) - set(given))
            raise ConfigurationError(
                f"{where}: configure api_key, or username, password and account_name "
                f"(missing {', '.join(missing)})"
            )


def credentials_hash(username: str, password: str) -> str:
    """The ``user_auth`` md5 credentials: ``md5("username:password")`` in hex."""
    return hashlib.md5(f"{username}:{password}".encode(), usedforsecurity=False).hexdigest()


def parse_error(status: int, body: Any) -> VendorError:
    """Read Kazoo's error envelope (``error`` is the status as a string, ``message`` an
    atom or a sentence). Only ``message`` and ``data`` are read: the envelope also echoes
    ``auth_token``."""
    if not isinstance(body, dict):
        return VendorError(message="")
    message = body.get("message")
    code = message if isinstance(message, str) and message else None
    detail = _detail(body.get("data"))
    text = " ".join(part for part in (code, detail and f"({detail})") if part)
    return VendorError(message=text[:300], vendor_code=code)


def _detail(data: Any) -> str:
    if isinstance(data, list):
        return ", ".join(str(x) for x in data[:3])
    if not isinstance(data, dict):
        return ""
    if "cause" in data:
        return str(data["cause"])
    parts = []
    for field, rules in list(data.items())[:3]:
        if isinstance(rules, dict):
            for rule, info in list(rules.items())[:2]:
                msg = info.get("message") if isinstance(info, dict) else None
                parts.append(f"{field}.{rule}: {msg}" if msg else f"{field}.{rule}")
        elif field != "message":
            parts.append(f"{field}: {rules}")
    return "; ".join(parts)


def _jwt_ttl(token: str) -> float:
    """Lifetime claimed by a JWT (``exp - iat``), or the Kazoo default."""
    try:
        payload = token.split(".")[1]
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        ttl = float(claims["exp"]) - float(claims["iat"])
    except (IndexError, KeyError, TypeError, ValueError, binascii.Error, orjson.JSONDecodeError):
        return DEFAULT_TOKEN_TTL
    return ttl if ttl > 0 else DEFAULT_TOKEN_TTL


#: Template of ``self._prefix`` for :mod:`providers.observe` (ids never become labels).
_ACCOUNT = "/accounts/{id}"


class KazooClient:
    """One Kazoo account: endpoint methods returning envelopes or their ``data``."""

    def __init__(self, config: KazooConfig, options: ClientOptions, account: str = "") -> None:
        self.config = config
        self.http = HttpClient(
            provider=PROVIDER,
            base_url=config.base_url.rstrip("/") + "/v2",
            options=options,
            parse_error=parse_error,
            account=account,
        )
        self._prefix = f"/accounts/{config.account_id}"
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock = asyncio.Lock()
        self._skew = 0.0
        self.auth_count = 0

    async def aclose(self) -> None:
        await self.http.aclose()

    def server_now(self) -> float:
        """Unix time on the Kazoo server's clock (learnt from the auth envelope)."""
        return time.time() + self._skew

    # -- auth ------------------------------------------------------------------------

    async def ensure_token(self) -> str:
        token = self._token
        if token is not None and time.monotonic() < self._refresh_at:
            return token
        async with self._lock:
            if self._token is None or time.monotonic() >= self._refresh_at:
                await self._authenticate()
            assert self._token is not None
            return self._token

    async def _authenticate(self) -> None:
        cfg = self.config
        if cfg.api_key is not None:
            path, data = "/api_auth", {"api_key": cfg.api_key.reveal()}
        else:
            assert cfg.username is not None
            assert cfg.password is not None
            path = "/user_auth"
            data = {
                "credentials": credentials_hash(cfg.username, cfg.password.reveal()),
                "account_name": cfg.account_name or "",
                "method": "md5",
            }
        started = time.monotonic()
        resp = await self.http.request("PUT", path, json={"data": data}, retry=True, endpoint=path)
        body = resp.body
        token = body.get("auth_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise MalformedResponseError(
                f"{PROVIDER}: PUT {path} returned no auth_token", provider=PROVIDER
            )
        ttl = _jwt_ttl(token)
        self._token = token
        self._refresh_at = started + ttl - min(60.0, ttl / 2)
        self.auth_count += 1
        stamp = body.get("timestamp")
        if isinstance(stamp, str):
            with contextlib.suppress(ValueError):
                self._skew = datetime.fromisoformat(stamp).timestamp() - time.time()

    def _drop(self, token: str) -> None:
        if self._token == token:
            self._token = None

    # -- transport -------------------------------------------------------------------

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        endpoint: str | None = None,
    ) -> Envelope:
        """One authenticated request; a 401 refreshes the token once and retries (a
        refused token means the request was not applied, so even writes are safe).
        ``endpoint`` is the template of ``path`` for :mod:`providers.observe`."""
        endpoint = _ACCOUNT + endpoint if endpoint else UNTEMPLATED
        token = await self.ensure_token()
        try:
            resp = await self._send(method, path, token, params, json, endpoint)
        except AuthenticationError:
            self._drop(token)
            token = await self.ensure_token()
            resp = await self._send(method, path, token, params, json, endpoint)
        body = resp.body
        if not isinstance(body, dict) or "data" not in body:
            raise MalformedResponseError(
                f"{PROVIDER}: {method} {path} returned no Kazoo envelope", provider=PROVIDER
            )
        return cast(Envelope, body)

    async def _send(
        self,
        method: str,
        path: str,
        token: str,
        params: Params | None,
        json: Any,
        endpoint: str,
    ) -> Response:
        return await self.http.request(
            method,
            self._prefix + path,
            params=params,
            json=json,
            headers={"X-Auth-Token": token},
            endpoint=endpoint,
        )

    async def _doc(
        self, method: str, path: str, json: Any = None, *, endpoint: str | None = None
    ) -> dict[str, Any]:
        data = (await self.call(method, path, json=json, endpoint=endpoint)).get("data")
        if not isinstance(data, dict):
            raise MalformedResponseError(
                f"{PROVIDER}: {method} {path} returned no document", provider=PROVIDER
            )
        return data

    # -- endpoints -------------------------------------------------------------------

    async def list_recordings(self, params: Sequence[tuple[str, str]]) -> Envelope:
        return await self.call("GET", "/recordings", params=params, endpoint="/recordings")

    async def list_user_recordings(
        self, user_id: str, params: Sequence[tuple[str, str]]
    ) -> Envelope:
        return await self.call(
            "GET", f"/users/{user_id}/recordings", params=params, endpoint="/users/{id}/recordings"
        )

    async def get_recording(self, recording_id: str) -> RecordingDoc:
        return cast(
            RecordingDoc,
            await self._doc("GET", f"/recordings/{recording_id}", endpoint="/recordings/{id}"),
        )

    async def delete_recording(self, recording_id: str) -> RecordingDoc:
        return cast(
            RecordingDoc,
            await self._doc("DELETE", f"/recordings/{recording_id}", endpoint="/recordings/{id}"),
        )

    async def open_recording_media(
        self, recording_id: str, headers: Mapping[str, str]
    ) -> HttpMediaStream:
        path = f"{self._prefix}/recordings/{recording_id}"
        endpoint = _ACCOUNT + "/recordings/{id}"
        token = await self.ensure_token()
        try:
            return await self.http.open_stream(
                path,
                headers={**headers, "Accept": "audio/mpeg", "X-Auth-Token": token},
                endpoint=endpoint,
            )
        except AuthenticationError:
            self._drop(token)
            token = await self.ensure_token()
            return await self.http.open_stream(
                path,
                headers={**headers, "Accept": "audio/mpeg", "X-Auth-Token": token},
                endpoint=endpoint,
            )

    async def list_cdrs(self, params: Sequence[tuple[str, str]]) -> Envelope:
        return await self.call("GET", "/cdrs", params=params, endpoint="/cdrs")

    async def get_cdr(self, cdr_id: str) -> CdrDoc:
        return cast(CdrDoc, await self._doc("GET", f"/cdrs/{cdr_id}", endpoint="/cdrs/{id}"))

    async def list_conferences(self, params: Sequence[tuple[str, str]]) -> Envelope:
        return await self.call("GET", "/conferences", params=params, endpoint="/conferences")

    async def get_conference(self, conference_id: str) -> ConferenceDoc:
        return cast(
            ConferenceDoc,
            await self._doc("GET", f"/conferences/{conference_id}", endpoint="/conferences/{id}"),
        )

    async def conference_record(self, conference_id: str, action: str) -> Envelope:
        """``PUT /conferences/{id}`` record action: Kazoo answers 202 with a string."""
        return await self.call(
            "PUT",
            f"/conferences/{conference_id}",
            json={"action": "record", "data": {"action": action}},
            endpoint="/conferences/{id}",
        )

    # -- live calls (channels) -------------------------------------------------------

    async def list_channels(self) -> Envelope:
        """``GET /channels``: the account's live channels (not paginated)."""
        return await self.call("GET", "/channels", endpoint="/channels")

    async def get_channel(self, call_id: str) -> dict[str, Any]:
        return await self._doc("GET", f"/channels/{call_id}", endpoint="/channels/{id}")

    async def channel_metaflow(
        self, call_id: str, module: str, data: Mapping[str, Any]
    ) -> Envelope:
        """``PUT /channels/{uuid}`` metaflow action (Konami Pro), e.g. ``record_call``."""
        return await self.call(
            "PUT",
            f"/channels/{call_id}",
            json={"action": "metaflow", "data": {"data": {"module": module, "data": dict(data)}}},
            endpoint="/channels/{id}",
        )
