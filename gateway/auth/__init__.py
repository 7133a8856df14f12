"""Callers: authentication (API keys, JWT), scopes and account visibility."""

from .caller import ALL_SCOPES, ANONYMOUS, SCOPES, Caller

__all__ = ["ALL_SCOPES", "ANONYMOUS", "SCOPES", "Caller"]
