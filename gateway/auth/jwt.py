"""JWT callers: tokens signed by an identity provider, verified against its JWKS (PyJWT).

The JWKS comes from ``jwks_file`` or ``jwks_url`` and is cached. A token whose ``kid`` is
not in the cached set triggers one re-read (a key rotation at the issuer), at most once per
``jwks_refresh_seconds``, so a stream of forged ``kid`` values cannot hammer the issuer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import orjson

from .caller import ALL_ACCOUNTS, Caller
from .config import JwtSettings
from .errors import AuthenticationFailed

log = logging.getLogger("gateway.auth")
_FETCH_TIMEOUT = aiohttp.ClientTimeout(total=5)
_MAX_JWKS_BYTES = 1 << 20


class JwtVerifier:
    def __init__(self, settings: JwtSettings, account_names: Sequence[str]) -> None:
        self._settings = settings
        self._account_names = frozenset(account_names)
        self._keys: dict[str, jwt.PyJWK] = {}
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    async def verify(self, token: str) -> Caller:
        s = self._settings
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise AuthenticationFailed("malformed bearer token") from None
        kid = header.get("kid")
        key = await self._key(kid if isinstance(kid, str) else None)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=list(s.algorithms),
                audience=s.audience,
                issuer=s.issuer,
                leeway=s.leeway_seconds,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationFailed("token expired") from None
        except jwt.InvalidTokenError as exc:
            raise AuthenticationFailed(f"token rejected: {type(exc).__name__}") from None
        return self._caller(claims)

    def _caller(self, claims: dict[str, Any]) -> Caller:
        s = self._settings
        name = claims.get(s.name_claim)
        if not isinstance(name, str) or not name:
            raise AuthenticationFailed(f"token has no {s.name_claim!r} claim")
        accounts = _names(claims.get(s.accounts_claim))
        if ALL_ACCOUNTS not in accounts:
            accounts = [a for a in accounts if a in self._account_names]
        scopes = _names(claims.get(s.scopes_claim))
        return Caller.build(name[:128], "jwt", accounts, scopes)

    async def _key(self, kid: str | None) -> jwt.PyJWK:
        if not self._keys or (kid is not None and kid not in self._keys):
            await self._refresh()
        if kid is None:
            if len(self._keys) == 1:
                return next(iter(self._keys.values()))
            raise AuthenticationFailed("token has no 'kid' and the JWKS holds several keys")
        found = self._keys.get(kid)
        if found is None:
            raise AuthenticationFailed("token signed with an unknown key")
        return found

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._loaded_at < self._settings.jwks_refresh_seconds:
                return
            self._loaded_at = time.monotonic()
            try:
                raw = await self._read_jwks()
                keyset = jwt.PyJWKSet.from_dict(orjson.loads(raw))
            except (OSError, aiohttp.ClientError, TimeoutError, ValueError) as exc:
                log.warning("could not load the JWKS: %s", type(exc).__name__)
                return
            except jwt.PyJWKSetError as exc:
                log.warning("JWKS unusable: %s", exc)
                return
            self._keys = {k.key_id: k for k in keyset.keys if k.key_id}
            if not self._keys and len(keyset.keys) == 1:
                self._keys = {"": keyset.keys[0]}

    async def _read_jwks(self) -> bytes:
        s = self._settings
        if s.jwks_file is not None:
            return await asyncio.to_thread(Path(s.jwks_file).read_bytes)
        assert s.jwks_url is not None
        async with (
            aiohttp.ClientSession(timeout=_FETCH_TIMEOUT) as session,
            session.get(s.jwks_url) as response,
        ):
            response.raise_for_status()
            body = await response.content.read(_MAX_JWKS_BYTES + 1)
            if len(body) > _MAX_JWKS_BYTES:
                raise ValueError("JWKS too large")
            return body


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []
