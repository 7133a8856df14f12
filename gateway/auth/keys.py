"""API keys: only their SHA-256 is configured; a presented key is compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from .caller import Caller
from .config import KeySettings

#: Recognisable prefix, so that leaked keys can be found by secret scanners.
KEY_PREFIX = "rgw_"


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class KeyStore:
    def __init__(self, keys: tuple[KeySettings, ...]) -> None:
        self._entries = [
            (bytes.fromhex(k.key_sha256), Caller.build(k.name, "key", k.accounts, k.scopes))
            for k in keys
        ]
        self._by_name = {caller.name: caller for _, caller in self._entries}

    def find(self, key: str) -> Caller | None:
        """The caller holding ``key``. Every configured digest is compared, each in
        constant time, so the time taken says nothing about which one (if any) matched."""
        presented = hashlib.sha256(key.encode()).digest()
        found = None
        for expected, caller in self._entries:
            if hmac.compare_digest(presented, expected):
                found = caller
        return found

    def by_name(self, name: str) -> Caller | None:
        return self._by_name.get(name)


def config_lines(name: str, accounts: list[str], scopes: list[str], key: str) -> str:
    """The ``[[keys]]`` entry for ``key``: its digest, never the key itself."""

    def toml_list(values: list[str]) -> str:
        return "[" + ", ".join(f'"{v}"' for v in values) + "]"

    return (
        "[[keys]]\n"
        f'name = "{name}"\n'
        f'key_sha256 = "{digest(key)}"\n'
        f"accounts = {toml_list(accounts)}\n"
        f"scopes = {toml_list(scopes)}\n"
    )
