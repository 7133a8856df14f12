"""GraphQL enums. ``Provider`` is built from the registry, so a new vendor package
appears here without any change to the gateway."""

from __future__ import annotations

import enum

import strawberry

from providers import registry
from providers.base import Capability as DomainCapability
from providers.models import RecordingStatus as DomainRecordingStatus

ProviderEnum = enum.Enum("Provider", {name.upper(): name for name in registry.names()})
Provider = strawberry.enum(ProviderEnum, name="Provider", description="A telephony vendor.")

RecordingStatus = strawberry.enum(
    DomainRecordingStatus, name="RecordingStatus", description="Life-cycle state of a recording."
)

CapabilityEnum = enum.Enum(
    "Capability",
    {c.name: c.name.lower() for c in DomainCapability if c.name and c is not DomainCapability.NONE},
)
Capability = strawberry.enum(
    CapabilityEnum, name="Capability", description="What a provider can do beyond reading."
)


@strawberry.enum(description="How a source answered its most recent request.")
class SourceHealth(enum.Enum):
    UNKNOWN = "unknown"
    UP = "up"
    DOWN = "down"
