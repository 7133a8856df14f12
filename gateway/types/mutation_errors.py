"""Expected mutation failures as data (DESIGN §6): types implementing ``UserError``.

Every mutation answers a union of one success type and some of these; none of them is
ever a GraphQL ``errors`` entry or an HTTP 5xx. :func:`from_provider_error` is the one
place where a backend's exception becomes one of them.
"""

from __future__ import annotations

import strawberry

from providers import errors as pe
from providers.models import RecordingStatus as DomainRecordingStatus

from .enums import Capability, Provider, RecordingStatus

#: ``StartRecordingOptions`` attribute -> ``StartRecordingInput`` field.
OPTION_FIELDS = {
    "channels": "channels",
    "track": "track",
    "trim_silence": "trim",
    "time_limit_seconds": "timeLimitSeconds",
    "format": "format",
    "status_callback_url": "statusCallbackUrl",
    "status_callback_events": "statusCallbackEvents",
    "provider_options": "providerOptions",
}


@strawberry.interface(
    name="UserError", description="An expected failure, reported as data: never retried blindly."
)
class UserError:
    code: str
    message: str


@strawberry.type(name="NotFoundError", description="Nothing the caller may see has this ID.")
class NotFoundProblem(UserError):
    id: strawberry.ID = strawberry.field(description="The ID as given.")


@strawberry.type(name="ForbiddenError", description="The caller lacks the scope this needs.")
class ForbiddenProblem(UserError):
    scope: str


@strawberry.type(
    name="UnsupportedError",
    description="The provider cannot do this (`capability`), or cannot honour `option`.",
)
class UnsupportedProblem(UserError):
    provider: Provider
    capability: Capability | None = None
    option: str | None = None


@strawberry.type(name="InvalidInputError", description="`field` has a value that is refused.")
class InvalidInputProblem(UserError):
    field: str


@strawberry.type(
    name="ConflictError",
    description="The target's state forbids this (e.g. the recording already ended).",
)
class ConflictProblem(UserError):
    current_status: RecordingStatus | None = strawberry.field(
        default=None, description="The recording's status, when one recording is concerned."
    )


@strawberry.type(
    name="UpstreamError",
    description="The provider failed. `outcomeUnknown`: the write may or may not have been "
    "applied (e.g. a timeout); look before trying again. Writes are never retried.",
)
class UpstreamProblem(UserError):
    provider: Provider
    outcome_unknown: bool
    retryable: bool


Problem = (
    NotFoundProblem
    | ForbiddenProblem
    | UnsupportedProblem
    | InvalidInputProblem
    | ConflictProblem
    | UpstreamProblem
)


def forbidden(scope: str) -> ForbiddenProblem:
    return ForbiddenProblem(
        code="FORBIDDEN", message=f"this operation needs the {scope!r} scope", scope=scope
    )


def not_found(raw_id: str, what: str = "object") -> NotFoundProblem:
    return NotFoundProblem(
        code="NOT_FOUND", message=f"no {what} with this ID", id=strawberry.ID(raw_id)
    )


def invalid(field: str, message: str) -> InvalidInputProblem:
    return InvalidInputProblem(code="INVALID_INPUT", message=message, field=field)


def conflict(message: str, status: DomainRecordingStatus | None = None) -> ConflictProblem:
    return ConflictProblem(code="CONFLICT", message=message, current_status=status)


def unsupported(
    message: str, provider: str, *, capability: str | None = None, option: str | None = None
) -> UnsupportedProblem:
    return UnsupportedProblem(
        code="UNSUPPORTED",
        message=message,
        provider=provider,
        capability=capability,
        option=option,
    )


def option_field(name: str) -> str:
    """``provider_options.record_min_sec`` -> ``providerOptions.record_min_sec``."""
    head, dot, tail = name.partition(".")
    return OPTION_FIELDS.get(head, head) + dot + tail


def outcome_unknown(exc: pe.UpstreamError) -> bool:
    """A timeout, or a connection that failed with no answer: the vendor may have applied
    the write. A vendor's own error answer means it did not."""
    return isinstance(exc, pe.UpstreamTimeoutError) or (
        isinstance(exc, pe.UnavailableError) and exc.status is None
    )


def from_provider_error(
    exc: pe.ProviderError, provider: str, *, target_id: str | None = None
) -> Problem:
    """A backend's exception as the union member a client can act on."""
    if isinstance(exc, pe.NotFoundError) and target_id is not None:
        return not_found(target_id, "recording")
    if isinstance(exc, pe.InvalidStateError):
        return conflict(exc.message)
    if isinstance(exc, pe.UnsupportedError):
        option = option_field(exc.option) if exc.option else None
        message = exc.message if option is None else f"{option}: {exc.message}"
        return unsupported(message, provider, capability=exc.capability, option=option)
    if isinstance(exc, pe.InvalidOptionError):
        return invalid(option_field(exc.field), exc.message)
    if isinstance(exc, pe.UpstreamError):
        unknown = outcome_unknown(exc)
        message = exc.message
        if unknown:
            message += " (the outcome is unknown: check before trying again)"
        return UpstreamProblem(
            code=exc.code,
            message=message,
            provider=provider,
            outcome_unknown=unknown,
            retryable=exc.retryable and not unknown,
        )
    return UpstreamProblem(
        code=exc.code,
        message=exc.message,
        provider=provider,
        outcome_unknown=False,
        retryable=False,
    )
