"""Relay global IDs.

An ID is ``base64url("<Type>:<provider>:<provider account id>:<native id>")`` without
padding. It names the vendor account by its own id rather than by the local label, so IDs
stay stable when an operator renames an ``[[accounts]]`` entry. Decoding validates the
shape only; whether the account is visible to the caller is the resolver's question.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from .errors import InvalidIdError

NODE_TYPES = frozenset({"Account", "Call", "Conference", "Recording", "RecordingEvent"})
_MAX_ID_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class GlobalId:
    type_name: str
    provider: str
    provider_account_id: str
    native_id: str

    def encode(self) -> str:
        return encode_id(self.type_name, self.provider, self.provider_account_id, self.native_id)


def encode_id(type_name: str, provider: str, provider_account_id: str, native_id: str) -> str:
    raw = f"{type_name}:{provider}:{provider_account_id}:{native_id}"
    return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()


def decode_id(value: str, *, expected: str | None = None) -> GlobalId:
    """Parse an ID, raising :class:`InvalidIdError` with a message that says what is wrong
    (never echoing more than a short prefix of hostile input)."""
    if not value or len(value) > _MAX_ID_LENGTH:
        raise InvalidIdError("malformed ID: wrong length")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidIdError(f"malformed ID {value[:40]!r}: not a recording-gateway ID") from None
    parts = raw.split(":", 3)
    if len(parts) != 4 or not all(parts) or parts[0] not in NODE_TYPES:
        raise InvalidIdError(f"malformed ID {value[:40]!r}: not a recording-gateway ID")
    gid = GlobalId(*parts)
    if expected is not None and gid.type_name != expected:
        raise InvalidIdError(f"ID {value[:40]!r} is a {gid.type_name} ID, expected {expected}")
    return gid
