"""The running gateway over every simulator, for the README's examples."""

from tests.gateway.conftest import gateway  # noqa: F401
