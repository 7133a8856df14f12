"""Exceptions raised by provider backends.

The tree, drawn once::

    ProviderError
    ├── ConfigurationError          bad or missing account settings (raised before any I/O)
    ├── InvalidTokenError           a page token that this backend never issued
    ├── UnsupportedError            the vendor cannot do this (see ``Capability``)
    ├── InvalidOptionError          a write option whose value the vendor would refuse
    ├── WebhookRejectedError        bad signature, stale timestamp, wrong secret
    ├── RequestBudgetError          not sent: the operation spent its request budget
    └── UpstreamError               the vendor answered badly, or not at all
        ├── AuthenticationError     401: credentials refused
        ├── PermissionDeniedError   403: credentials valid, resource not theirs
        ├── NotFoundError           404: unknown or deleted id
        ├── InvalidRequestError     400/405/422: the vendor refused the request
        │   └── InvalidStateError   409, or a transition the resource's state forbids
        ├── RateLimitedError        429, carries ``retry_after`` seconds
        ├── UnavailableError        5xx, or a connection that could not be made
        │   └── UpstreamTimeoutError  also a ``TimeoutError``
        └── MalformedResponseError  a body that is not what the vendor documents

Every class carries a stable ``code`` (used as GraphQL ``extensions.code`` and in
``ProviderFailure.code``). Messages never contain credentials: they are built only from
the HTTP status, the vendor's own error code and message, and the request path.
``providers/_http.py`` is the one place where aiohttp errors and vendor error bodies are
translated into these (statuses and bodies through ``providers/_http_errors.py``), always
with ``raise ... from exc``.
"""

from __future__ import annotations


class ProviderError(Exception):
    code = "PROVIDER_ERROR"

    def __init__(self, message: str, *, provider: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider


class ConfigurationError(ProviderError):
    code = "BAD_CONFIGURATION"


class InvalidTokenError(ProviderError):
    code = "INVALID_CURSOR"


class UnsupportedError(ProviderError):
    """``capability`` names the missing :class:`~providers.base.Capability` (lowercase),
    ``option`` the request option the vendor cannot honour, when that is the reason."""

    code = "UNSUPPORTED"

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        capability: str | None = None,
        option: str | None = None,
    ) -> None:
        super().__init__(message, provider=provider)
        self.capability = capability
        self.option = option


class InvalidOptionError(ProviderError):
    """Raised before any request: ``field`` names the option (``channels``,
    ``providerOptions.record_min_sec``) whose value is refused."""

    code = "INVALID_INPUT"

    def __init__(self, message: str, *, field: str, provider: str | None = None) -> None:
        super().__init__(message, provider=provider)
        self.field = field


class WebhookRejectedError(ProviderError):
    code = "WEBHOOK_REJECTED"


class RequestBudgetError(ProviderError):
    """Not sent: the operation already sent as many vendor requests as it may
    (``providers._budget``). The vendor was not asked, so this says nothing of its health."""

    code = "COST_LIMIT"


class UpstreamError(ProviderError):
    code = "UPSTREAM_ERROR"
    retryable = False

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        status: int | None = None,
        vendor_code: str | None = None,
    ) -> None:
        super().__init__(message, provider=provider)
        self.status = status
        self.vendor_code = vendor_code


class AuthenticationError(UpstreamError):
    code = "UPSTREAM_AUTH_FAILED"


class PermissionDeniedError(UpstreamError):
    code = "UPSTREAM_FORBIDDEN"


class NotFoundError(UpstreamError):
    code = "NOT_FOUND"


class InvalidRequestError(UpstreamError):
    code = "UPSTREAM_REJECTED"


class InvalidStateError(InvalidRequestError):
    code = "INVALID_STATE"


class RateLimitedError(UpstreamError):
    code = "UPSTREAM_RATE_LIMITED"
    retryable = True

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        status: int | None = 429,
        vendor_code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, provider=provider, status=status, vendor_code=vendor_code)
        self.retry_after = retry_after


class UnavailableError(UpstreamError):
    code = "UPSTREAM_UNAVAILABLE"
    retryable = True


class UpstreamTimeoutError(UnavailableError, TimeoutError):
    code = "UPSTREAM_TIMEOUT"


class MalformedResponseError(UpstreamError):
    code = "UPSTREAM_GARBAGE"
    retryable = True
