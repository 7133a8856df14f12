"""Provider backends: a plain async library over vendors' recording APIs.

This package knows nothing of GraphQL or of the gateway; see :mod:`providers.base` for the
contract every backend keeps and :mod:`providers.registry` for how vendors are found.
"""

from .base import FILTER_FIELDS, Capability, MediaStream, ProviderBackend
from .config import ClientOptions, Secret
from .errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidRequestError,
    InvalidStateError,
    InvalidTokenError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
    RateLimitedError,
    UnavailableError,
    UnsupportedError,
    UpstreamError,
    UpstreamTimeoutError,
    WebhookRejectedError,
)
from .models import (
    Account,
    Call,
    Conference,
    Money,
    Page,
    PageRequest,
    Recording,
    RecordingAction,
    RecordingEvent,
    RecordingEventKind,
    RecordingQuery,
    RecordingStatus,
    RecordingTarget,
    StartRecordingOptions,
    WebhookRequest,
)
from .registry import ProviderSpec

__all__ = [
    "FILTER_FIELDS",
    "Account",
    "AuthenticationError",
    "Call",
    "Capability",
    "ClientOptions",
    "Conference",
    "ConfigurationError",
    "InvalidRequestError",
    "InvalidStateError",
    "InvalidTokenError",
    "MalformedResponseError",
    "MediaStream",
    "Money",
    "NotFoundError",
    "Page",
    "PageRequest",
    "PermissionDeniedError",
    "ProviderBackend",
    "ProviderError",
    "ProviderSpec",
    "RateLimitedError",
    "Recording",
    "RecordingAction",
    "RecordingEvent",
    "RecordingEventKind",
    "RecordingQuery",
    "RecordingStatus",
    "RecordingTarget",
    "Secret",
    "StartRecordingOptions",
    "UnavailableError",
    "UnsupportedError",
    "UpstreamError",
    "UpstreamTimeoutError",
    "WebhookRejectedError",
    "WebhookRequest",
]
