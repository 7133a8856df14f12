"""Turn a request's ``Authorization`` header into a :class:`Caller`."""

from __future__ import annotations

from collections.abc import Sequence

from .caller import ANONYMOUS, Caller
from .config import AuthSettings
from .errors import AuthenticationFailed
from .jwt import JwtVerifier
from .keys import KeyStore

_MAX_CREDENTIAL_LENGTH = 8192


class Authenticator:
    def __init__(self, settings: AuthSettings, account_names: Sequence[str]) -> None:
        self.mode = settings.mode
        self._keys = KeyStore(settings.keys)
        self._jwt = (
            JwtVerifier(settings.jwt, account_names)
            if settings.mode == "jwt" and settings.jwt is not None
            else None
        )

    @property
    def required(self) -> bool:
        return self.mode != "none"

    async def authenticate(self, authorization: str | None) -> Caller:
        """The caller, or :class:`AuthenticationFailed` with a message that is safe to show."""
        if self.mode == "none":
            return ANONYMOUS
        if not authorization:
            raise AuthenticationFailed("missing credentials: send 'Authorization: Bearer <key>'")
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise AuthenticationFailed("unsupported credentials: use 'Authorization: Bearer <key>'")
        if len(credential) > _MAX_CREDENTIAL_LENGTH:
            raise AuthenticationFailed("credential too long")
        if self._jwt is not None:
            return await self._jwt.verify(credential)
        caller = self._keys.find(credential)
        if caller is None:
            raise AuthenticationFailed("unknown API key")
        return caller

    def current(self, kind: str, name: str) -> Caller | None:
        """The caller a media link was made for, as the configuration has it now: ``None``
        when its key is gone or auth changed mode. A JWT cannot be looked up again, so a
        JWT caller's link stands for what the token granted, until the link expires."""
        if kind != ("key" if self.mode == "keys" else self.mode):
            return None
        if kind == "none":
            return ANONYMOUS
        if kind == "key":
            return self._keys.by_name(name)
        return Caller(name=name, kind="jwt", accounts=None, scopes=frozenset({"media"}))
