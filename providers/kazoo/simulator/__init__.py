"""A faithful Kazoo Crossbar v2 (4.3 flavour) simulator.

Checklist items of ``shared/providers/kazoo.md`` are reproduced; choices where the notes
say "unconfirmed" (or are silent) are:

* **Clock**: the simulator's "now" is the seed anchor plus the time elapsed since it was
  built (real time when no anchor is given). Default listing windows, token ``iat``/``exp``
  and envelope ``timestamp`` use it, so a past anchor still has a "last 31 days".
* **Recording docs**: ``pvt_created`` (listing sort key, ``created_from/to``) = ``start +
  duration``, unique per account. Ids use the month of ``pvt_created``; CDR ids use the
  month of the call end (the CDR is written then). CDR ``media_recordings`` holds
  recording ids.
* **Calls**: besides the calls that were recorded, each account has four unrecorded CDRs
  per seeded recording, spread over the same ~90 days (most PBX calls are not recorded).
* **Conference recordings** are ``call_recording`` docs without ``call_id``/``cdr_id``,
  linked by ``custom_channel_vars.conference_id`` (filterable with
  ``filter_custom_channel_vars.conference_id``); ``origin`` is ``conference <name>``.
  ``PUT /conferences/{id}`` ``record`` ``stop`` after ``start`` writes such a doc and
  fires ``doc_created`` to the account's object webhooks.
* **Start keys** are base64url JSON of ``[pvt_created, id]`` (``[created_to, {}]`` as the
  default descending key); an undecodable key is a literal string, which sorts before
  every array key, so a descending listing from it is empty.
* A non-integer or < 1 ``page_size``, or a non-integer ``created_from/to`` -> 400
  validation error. ``Accept`` other than JSON/``*/*``/``audio/mpeg``/``audio/mp3`` -> 406.
* A doc with no attachment (external storage ``url``) -> media 404 ``bad_identifier`` with
  ``data.details``. WAV recordings are served as ``audio/x-wav`` even when MP3 is asked.
* Tokens are JWT-shaped (``header.payload.sig``, claims ``account_id``, ``owner_id``,
  ``iat``, ``exp``) and expire after ``token_ttl`` seconds (default 3600) -> 401.
  A URL account that is not the token's account -> 403 (no reseller hierarchy).
* Rate-limit mode (``rate_limit=True``): a token bucket per client IP + account
  (``rate_capacity`` 100, ``rate_refill`` 10/s); 429 ``too_many_requests`` without a
  ``Retry-After`` header (Kazoo sends none as far as the source shows).
* 405 bodies use the envelope with ``message: "method_not_allowed"``.
* Conference listing is not windowed and pages newest conference doc first.
* Live calls (``/channels``) and the ``record_call`` metaflow: see :mod:`.channels`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from aiohttp import web

from providers._sim import Faults, RequestLog, TokenBucket

from . import app, render
from .channels import Upload, hang_up, seed_channels
from .store import GREGORIAN_OFFSET, SimAccount, SimRecording, Store
from .webhooks import Delivery, Hook, deliver

__all__ = ["Delivery", "Hook", "KazooSimulator"]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class KazooSimulator:
    provider: ClassVar[str] = "kazoo"

    def __init__(
        self,
        seed: int = 0,
        *,
        anchor: datetime | None = None,
        recordings: int = 60,
        token_ttl: float = 3600.0,
        rate_limit: bool = False,
        rate_capacity: float = 100,
        rate_refill: float = 10.0,
    ) -> None:
        self.store = Store(seed, anchor, recordings)
        self.request_log = RequestLog()
        self.faults = Faults()
        self.token_ttl = token_ttl
        self.rate_limit = rate_limit
        self.rate_capacity = rate_capacity
        self.rate_refill = rate_refill
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._tokens: dict[str, tuple[str, float]] = {}
        self._secret = hashlib.sha256(f"kazoo-sim-{seed}".encode()).digest()
        self._origin = self.store.seeded.anchor.timestamp() if anchor is not None else None
        self._started = time.monotonic()
        self.hooks: list[Hook] = []
        self.deliveries: list[Delivery] = []
        self._pending: set[asyncio.Task[list[Delivery]]] = set()
        self.uploads: list[Upload] = []
        now = int(self.now()) + GREGORIAN_OFFSET
        for account in self.store.accounts.values():
            seed_channels(account, now, seed)

    # -- test and CLI surface -----------------------------------------------------------

    @property
    def accounts(self) -> list[SimAccount]:
        """Seeded accounts, primary first."""
        return list(self.store.accounts.values())

    def now(self) -> float:
        """Unix seconds on the simulated clock."""
        if self._origin is None:
            return time.time()
        return self._origin + (time.monotonic() - self._started)

    def make_app(self) -> web.Application:
        return app.build(self)

    def account_settings(self, root_url: str) -> list[dict[str, str]]:
        """Primary account with an API key, the second one with user credentials."""
        out: list[dict[str, str]] = []
        for i, acc in enumerate(self.accounts):
            settings = {"base_url": root_url.rstrip("/"), "account_id": acc.id}
            if i == 0:
                settings["api_key"] = acc.api_key
            else:
                settings.update(username=acc.username, password=acc.password, account_name=acc.name)
            out.append(settings)
        return out

    def connect_webhooks(self, account_index: int, webhook_url: str) -> dict[str, Any]:
        """Kazoo signs nothing: register an ``object`` webhook for the account's
        ``call_recording`` docs at ``webhook_url`` with a fresh URL secret."""
        secret = "kzhook_" + secrets.token_hex(16)  # not from the seeded stream
        self.add_webhook(
            f"{webhook_url}?secret={secret}", account_id=self.accounts[account_index].id
        )
        return {"webhook_secret": secret}

    def render_error(
        self, status: int, message: str, *, headers: Mapping[str, str] | None = None
    ) -> web.Response:
        text = {
            401: "invalid_credentials",
            405: "method_not_allowed",
            429: "too_many_requests",
            503: "datastore_unreachable",
        }.get(status, message)
        return render.error(self.now, status, text, headers=headers)

    # -- auth ---------------------------------------------------------------------------

    def issue_token(self, account: SimAccount) -> str:
        iat = int(self.now())
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = {
            "account_id": account.id,
            "owner_id": next(iter(account.users)),
            "iat": iat,
            "exp": iat + int(self.token_ttl),
            "jti": _b64(hashlib.sha256(f"{iat}{len(self._tokens)}".encode()).digest()[:9]),
        }
        payload = _b64(json.dumps(claims).encode())
        sig = _b64(hmac.new(self._secret, f"{header}.{payload}".encode(), "sha256").digest())
        token = f"{header}.{payload}.{sig}"
        self._tokens[token] = (account.id, time.monotonic() + self.token_ttl)
        return token

    def token_account(self, token: str) -> SimAccount | None:
        entry = self._tokens.get(token)
        if entry is None:
            return None
        account_id, expires = entry
        if time.monotonic() >= expires:
            del self._tokens[token]
            return None
        return self.store.accounts[account_id]

    def expire_tokens(self) -> None:
        """Make every issued token invalid (as if they had all expired)."""
        self._tokens.clear()

    def take_token(self, ip: str, account_id: str) -> bool:
        if not self.rate_limit:
            return True
        bucket = self._buckets.setdefault(
            (ip, account_id), TokenBucket(self.rate_capacity, self.rate_refill)
        )
        return bucket.take()[0]

    # -- webhooks -----------------------------------------------------------------------

    def add_webhook(
        self,
        uri: str,
        *,
        account_id: str | None = None,
        hook_format: str = "form-data",
        http_verb: str = "post",
        custom_data: Mapping[str, str] | None = None,
    ) -> Hook:
        """Register an ``object`` webhook for ``call_recording`` docs of an account."""
        hook = Hook(
            id=self.store.seeded.hex(32),
            account_id=account_id or self.accounts[0].id,
            uri=uri,
            http_verb=http_verb,
            hook_format=hook_format,
            custom_data=dict(custom_data or {}),
        )
        self.hooks.append(hook)
        return hook

    async def emit(self, account_id: str, action: str, doc_id: str) -> list[Delivery]:
        """Deliver one ``call_recording`` object event to the account's hooks."""
        payload = {
            "id": doc_id,
            "account_id": account_id,
            "action": action,
            "type": "call_recording",
        }
        hooks = [h for h in self.hooks if h.account_id == account_id]
        done = await asyncio.gather(*(deliver(h, payload) for h in hooks))
        self.deliveries.extend(done)
        return list(done)

    async def finish_recording(
        self,
        *,
        account_id: str | None = None,
        cdr_id: str | None = None,
        conference_id: str | None = None,
    ) -> str:
        """Write a new recording doc now and fire ``doc_created``; returns its id."""
        account = self.store.accounts[account_id or self.accounts[0].id]
        now = int(self.now()) + GREGORIAN_OFFSET
        rec = self.store.new_recording(account, now, cdr_id=cdr_id, conference_id=conference_id)
        await self.emit(account.id, "doc_created", rec.id)
        return rec.id

    def conference_recording_finished(self, account: SimAccount, conference_id: str) -> None:
        now = int(self.now()) + GREGORIAN_OFFSET
        rec: SimRecording = self.store.new_recording(account, now, conference_id=conference_id)
        if any(h.account_id == account.id for h in self.hooks):
            task = asyncio.get_running_loop().create_task(
                self.emit(account.id, "doc_created", rec.id)
            )
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        """Wait for background webhook deliveries."""
        if self._pending:
            await asyncio.gather(*self._pending)

    def live_channels(self, account_id: str | None = None) -> list[str]:
        """Uuids of the account's live calls (primary account by default)."""
        return list(self.store.accounts[account_id or self.accounts[0].id].channels)

    async def hang_up(self, uuid: str, *, account_id: str | None = None) -> None:
        """End a live call (a recording in progress is finished, as on a real hangup)."""
        await hang_up(self, self.store.accounts[account_id or self.accounts[0].id], uuid)

    def recording(self, recording_id: str) -> dict[str, Any] | None:
        for account in self.accounts:
            rec = account.recordings.get(recording_id)
            if rec is not None:
                return rec.doc
        return None
