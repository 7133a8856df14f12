"""Unexpected exceptions are masked: the client sees a request id, the log has the rest."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import pytest

from gateway.context import GatewayContext
from gateway.cursors import CursorCodec
from gateway.schema import build_schema
from gateway.settings import AccountSettings, ServerSettings
from gateway.sources import Source, Sources
from providers.base import Capability
from providers.config import ClientOptions
from providers.models import Account


class BrokenBackend:
    """A vendor backend with a bug: it raises something that is not a ProviderError."""

    provider: ClassVar[str] = "freeclimb"
    capabilities: ClassVar[Capability] = Capability.NONE
    native_filters: ClassVar[frozenset[str]] = frozenset()

    @property
    def account(self) -> Account:
        return Account("freeclimb", "broken", "AC1", "broken")

    async def list_recordings(self, *_: Any) -> Any:
        raise RuntimeError("bug holding a secret: sk-live-1234")

    async def aclose(self) -> None:
        return None


async def test_unexpected_error_is_masked_with_a_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = AccountSettings("broken", "freeclimb", ClientOptions(), {})
    sources = Sources([Source(settings, BrokenBackend())])  # type: ignore[arg-type]
    context = GatewayContext.create(
        sources, ServerSettings(), CursorCodec(), request_id="req123abc"
    )
    caplog.set_level(logging.ERROR)
    result = await build_schema().execute(
        "{ recordings(first: 2) { nodes { id } } }", context_value=context
    )
    assert result.errors is not None
    (error,) = result.errors
    assert error.message == "Internal error. Request id: req123abc"
    assert error.extensions == {"code": "INTERNAL", "requestId": "req123abc"}
    assert "sk-live" not in str(result.errors)
    assert "req123abc" in caplog.text
    assert "bug holding a secret" in caplog.text
