"""Event cursors: bound to the caller, and unreadable.

A cursor is ``base64url(nonce || AES-GCM(key, {"l": log id, "p": position}))`` with the
caller's identity as associated data. A cursor minted for one caller fails to open for
another, exactly as an edited or forged one does (one message for all three: no
oracle), and nobody can read the log position inside it: a position of the shared log
would tell one tenant when and how often another one's events happened.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gateway.errors import InvalidCursorError

_NONCE = 12
_MAX_LENGTH = 512
_INVALID = "invalid event cursor: not issued by this gateway to this caller"


@dataclass(frozen=True, slots=True)
class EventPosition:
    log_id: str
    position: str


class EventCursors:
    def __init__(self, secret: bytes | None) -> None:
        # Derived, so the same ``cursor_secret`` never keys two different schemes.
        material = secret if secret is not None else os.urandom(32)
        self._aead = AESGCM(hashlib.sha256(b"recgw event cursors\0" + material).digest())

    def encode(self, log_id: str, position: str, caller: str) -> str:
        nonce = os.urandom(_NONCE)
        payload = orjson.dumps({"l": log_id, "p": position})
        sealed = self._aead.encrypt(nonce, payload, caller.encode())
        return base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()

    def decode(self, cursor: str, caller: str) -> EventPosition:
        if not cursor or len(cursor) > _MAX_LENGTH:
            raise InvalidCursorError(_INVALID)
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            payload = self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], caller.encode())
            data = orjson.loads(payload)
            return EventPosition(str(data["l"]), str(data["p"]))
        except (binascii.Error, ValueError, InvalidTag, KeyError, TypeError):
            raise InvalidCursorError(_INVALID) from None
