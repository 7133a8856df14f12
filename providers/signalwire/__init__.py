"""SignalWire Compatibility (LaML) API: backend, client and simulator."""

from providers.signalwire.backend import SignalWireBackend, SignalWireSettings
from providers.signalwire.simulator import SignalWireSimulator

__all__ = ["SignalWireBackend", "SignalWireSettings", "SignalWireSimulator"]
