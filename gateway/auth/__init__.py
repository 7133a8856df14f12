"""Callers: authentication (API keys, JWT), scopes and account visibility."""

from .authenticate import Authenticator
from .caller import ALL_SCOPES, ANONYMOUS, SCOPES, Caller
from .config import AuthSettings, KeySettings, parse_auth
from .errors import AuthenticationFailed

__all__ = [
    "ALL_SCOPES",
    "ANONYMOUS",
    "SCOPES",
    "AuthSettings",
    "AuthenticationFailed",
    "Authenticator",
    "Caller",
    "KeySettings",
    "parse_auth",
]
