"""Name -> backend and simulator, loaded lazily.

Built-in vendors are listed explicitly below (kept in sorted order, asserted); out-of-tree
vendors publish a :class:`ProviderSpec` under the entry-point group
``recording_gateway.providers``. Nothing scans folders.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError

if TYPE_CHECKING:
    from ._sim import Simulator
    from .base import BackendFactory

ENTRY_POINT_GROUP = "recording_gateway.providers"


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """Where a vendor's parts live, as ``"module:attribute"`` strings."""

    name: str
    backend: str
    simulator: str
    title: str

    def load_backend(self) -> BackendFactory:
        cls: BackendFactory = _load(self.backend)
        return cls

    def load_simulator(self) -> type[Simulator]:
        cls: type[Simulator] = _load(self.simulator)
        return cls


_BUILTIN: dict[str, ProviderSpec] = {
    spec.name: spec
    for spec in (
        ProviderSpec(
            "freeclimb",
            "providers.freeclimb.backend:FreeClimbBackend",
            "providers.freeclimb.simulator:FreeClimbSimulator",
            "FreeClimb",
        ),
        ProviderSpec(
            "kazoo",
            "providers.kazoo.backend:KazooBackend",
            "providers.kazoo.simulator:KazooSimulator",
            "2600Hz Kazoo",
        ),
        ProviderSpec(
            "signalwire",
            "providers.signalwire.backend:SignalWireBackend",
            "providers.signalwire.simulator:SignalWireSimulator",
            "SignalWire",
        ),
    )
}
assert list(_BUILTIN) == sorted(_BUILTIN), "keep built-in providers sorted by name"

_extra: dict[str, ProviderSpec] = {}


def _load(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


@cache
def _entry_point_specs() -> dict[str, ProviderSpec]:
    found: dict[str, ProviderSpec] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        spec = ep.load()
        if not isinstance(spec, ProviderSpec):
            raise ConfigurationError(f"entry point {ep.name!r} is not a ProviderSpec")
        found[spec.name] = spec
    return found


def register(spec: ProviderSpec) -> None:
    """Add a vendor at run time (tests, embedding applications)."""
    _extra[spec.name] = spec


def unregister(name: str) -> None:
    _extra.pop(name, None)


def specs() -> list[ProviderSpec]:
    """Every known vendor, sorted by name."""
    merged = {**_entry_point_specs(), **_extra, **_BUILTIN}
    return [merged[name] for name in sorted(merged)]


def names() -> list[str]:
    return [spec.name for spec in specs()]


def get(name: str) -> ProviderSpec:
    for spec in specs():
        if spec.name == name:
            return spec
    raise ConfigurationError(f"unknown provider {name!r}; known providers: {', '.join(names())}")
