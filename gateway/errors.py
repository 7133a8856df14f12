"""Errors the gateway shows to clients.

Expected failures are raised as :class:`GatewayError` subclasses and reach the client as
GraphQL errors with ``extensions.code``; everything else is masked (see
:mod:`gateway.masking`). Upstream problems inside connections are not errors at all: they
become ``ProviderFailure`` entries next to the data that could be fetched.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from providers.errors import ProviderError


class GatewayError(Exception):
    code = "BAD_REQUEST"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_graphql(self) -> GraphQLError:
        return GraphQLError(self.message, extensions={"code": self.code})


class InvalidIdError(GatewayError):
    code = "BAD_ID"


class InvalidCursorError(GatewayError):
    code = "BAD_CURSOR"


class InvalidArgumentError(GatewayError):
    code = "BAD_ARGUMENT"


class ForbiddenError(GatewayError):
    """The caller lacks a scope. Never used for another tenant's object, which looks
    missing instead."""

    code = "FORBIDDEN"


class SettingsError(GatewayError):
    code = "BAD_CONFIGURATION"


def expose(exc: BaseException) -> dict[str, Any] | None:
    """``extensions`` for an exception that may be shown as is, or ``None`` to mask it.

    Provider errors are safe to show: their messages are built without credentials."""
    if isinstance(exc, GatewayError | ProviderError):
        extensions: dict[str, Any] = {"code": exc.code}
        provider = getattr(exc, "provider", None)
        if provider:
            extensions["provider"] = provider
        return extensions
    return None
