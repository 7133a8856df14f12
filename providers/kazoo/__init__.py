"""2600Hz Kazoo Crossbar v2: recordings, CDRs as calls, conferences, object webhooks."""

from .backend import KazooBackend
from .simulator import KazooSimulator

__all__ = ["KazooBackend", "KazooSimulator"]
