"""Why a request could not be authenticated (answered with HTTP 401, nothing executed)."""

from __future__ import annotations


class AuthenticationFailed(Exception):
    """The message is safe to show: it never echoes the presented credential."""

    code = "UNAUTHENTICATED"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
