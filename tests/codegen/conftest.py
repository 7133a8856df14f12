"""The running gateway over every simulator, for the generated clients to talk to."""

from tests.gateway.conftest import gateway  # noqa: F401
