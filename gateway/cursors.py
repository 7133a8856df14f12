"""Opaque, tamper-evident cursors.

A cursor is ``base64url(payload) + "." + base64url(hmac_sha256(key, payload)[:16])`` where
the payload is compact JSON. The gateway trusts nothing in a cursor it did not sign, and a
payload only ever holds positions (backend page tokens, sizes, offsets) and a fingerprint
of the arguments it was issued for, never a URL.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from typing import Any

import orjson

from .errors import InvalidCursorError

_MAX_CURSOR_LENGTH = 8192


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:16]

    def encode(self, value: Any) -> str:
        payload = orjson.dumps(value)
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def decode(self, cursor: str) -> Any:
        if not cursor or len(cursor) > _MAX_CURSOR_LENGTH or cursor.count(".") != 1:
            raise InvalidCursorError("invalid cursor: not issued by this gateway")
        body, _, sig = cursor.partition(".")
        try:
            payload, signature = _unb64(body), _unb64(sig)
        except (binascii.Error, ValueError):
            raise InvalidCursorError("invalid cursor: not issued by this gateway") from None
        if not hmac.compare_digest(signature, self._sign(payload)):
            raise InvalidCursorError("invalid cursor: signature mismatch (edited or expired)")
        try:
            return orjson.loads(payload)
        except orjson.JSONDecodeError:
            raise InvalidCursorError("invalid cursor: unreadable") from None
