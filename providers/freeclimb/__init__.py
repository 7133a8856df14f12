"""FreeClimb (Vail Systems): recordings, calls and conferences over its REST API,
webhook verification, and a simulator of that API."""

from .backend import FreeClimbBackend, FreeClimbConfig
from .simulator import FreeClimbSimulator

__all__ = ["FreeClimbBackend", "FreeClimbConfig", "FreeClimbSimulator"]
