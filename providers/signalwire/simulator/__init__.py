"""A faithful, seeded simulator of SignalWire's Compatibility (LaML) REST API.

Every "unconfirmed" behaviour it settles is written down in :mod:`.app`, :mod:`.store`,
:mod:`.listing` and :mod:`.render`.
"""

from providers.signalwire.simulator.app import SignalWireSimulator

__all__ = ["SignalWireSimulator"]
