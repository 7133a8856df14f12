"""``[auth]``, ``[auth.jwt]`` and ``[[keys]]`` (DESIGN §8), validated before the server starts."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.config_table import parse_table
from gateway.errors import SettingsError

from .caller import ALL_ACCOUNTS, SCOPES

MODES = ("none", "keys", "jwt")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class KeySettings:
    """One API key: only its SHA-256 is configured, never the key itself."""

    name: str
    key_sha256: str
    accounts: tuple[str, ...]
    scopes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class JwtSettings:
    issuer: str
    audience: str
    jwks_file: str | None = None
    jwks_url: str | None = None
    #: Claim naming the caller's ``[[accounts]]`` (a list, or ``"*"``).
    accounts_claim: str = "accounts"
    #: Claim naming the scopes (a list, or a space-separated string as in OAuth).
    scopes_claim: str = "scope"
    #: Claim naming the caller in logs and the audit log.
    name_claim: str = "sub"
    algorithms: tuple[str, ...] = ("RS256", "ES256", "EdDSA")
    leeway_seconds: int = 30
    #: A token with an unknown ``kid`` re-reads the JWKS at most this often.
    jwks_refresh_seconds: int = 60


@dataclass(frozen=True, slots=True)
class AuthSettings:
    mode: str = "none"
    keys: tuple[KeySettings, ...] = ()
    jwt: JwtSettings | None = None


def parse_auth(raw_auth: Any, raw_keys: Any, account_names: Sequence[str]) -> AuthSettings:
    auth = _table(raw_auth, "auth")
    jwt_raw = auth.pop("jwt", None)
    mode = auth.pop("mode", "none")
    if auth:
        raise SettingsError(f"auth: unknown key(s) {', '.join(sorted(auth))}; allowed: jwt, mode")
    if mode not in MODES:
        raise SettingsError(f"auth: mode must be one of {', '.join(MODES)}")
    if not isinstance(raw_keys, list):
        raise SettingsError("keys must be an array of tables ([[keys]])")
    keys = tuple(_key(i, k, account_names) for i, k in enumerate(raw_keys))
    names = [k.name for k in keys]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SettingsError(f"keys: duplicate name(s) {', '.join(duplicates)}")
    digests = [k.key_sha256 for k in keys]
    if len(set(digests)) != len(digests):
        raise SettingsError("keys: two [[keys]] entries have the same key_sha256")
    if mode == "keys" and not keys:
        raise SettingsError('auth: mode = "keys" needs at least one [[keys]] entry')
    jwt = None
    if jwt_raw is not None or mode == "jwt":
        jwt = _jwt(jwt_raw)
    return AuthSettings(mode=mode, keys=keys, jwt=jwt)


def _table(raw: Any, where: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise SettingsError(f"{where} must be a table")
    return dict(raw)


def _key(index: int, raw: Any, account_names: Sequence[str]) -> KeySettings:
    table = _table(raw, f"keys[{index}]")
    name = table.get("name")
    where = f"keys[{name}]" if isinstance(name, str) and name else f"keys[{index}]"
    key = parse_table(KeySettings, table, where)
    if not re.fullmatch(r"[A-Za-z0-9_.@:-]{1,64}", key.name):
        raise SettingsError(f"{where}: name must be 1-64 letters, digits or _.@:-")
    if not _SHA256_HEX.fullmatch(key.key_sha256.lower()):
        raise SettingsError(f"{where}: key_sha256 must be 64 hex digits (`recgw keys new`)")
    unknown = sorted(set(key.accounts) - {*account_names, ALL_ACCOUNTS})
    if unknown:
        raise SettingsError(f"{where}: unknown account(s) {', '.join(unknown)}")
    bad_scopes = sorted(set(key.scopes) - set(SCOPES))
    if bad_scopes:
        raise SettingsError(
            f"{where}: unknown scope(s) {', '.join(bad_scopes)}; allowed: {', '.join(SCOPES)}"
        )
    return KeySettings(key.name, key.key_sha256.lower(), key.accounts, key.scopes)


def _jwt(raw: Any) -> JwtSettings:
    if raw is None:
        raise SettingsError('auth: mode = "jwt" needs an [auth.jwt] table')
    jwt = parse_table(JwtSettings, _table(raw, "auth.jwt"), "auth.jwt")
    if (jwt.jwks_file is None) == (jwt.jwks_url is None):
        raise SettingsError("auth.jwt: set exactly one of jwks_file or jwks_url")
    if jwt.jwks_url is not None and not jwt.jwks_url.startswith(("https://", "http://")):
        raise SettingsError("auth.jwt: jwks_url must be an http(s) URL")
    if not jwt.algorithms or any(a.upper().startswith("HS") or a == "none" for a in jwt.algorithms):
        raise SettingsError("auth.jwt: algorithms must be asymmetric (RS*, PS*, ES*, EdDSA)")
    return jwt
