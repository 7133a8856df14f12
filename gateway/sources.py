"""The configured accounts, each served by one provider backend."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field

from providers import registry
from providers.base import ProviderBackend
from providers.errors import ConfigurationError
from providers.models import Account

from .errors import SettingsError
from .ids import encode_id
from .resilience import CircuitState, Upstream
from .settings import AccountSettings


@dataclass(frozen=True, slots=True)
class Source:
    """One configured account: its backend and how the gateway names it."""

    settings: AccountSettings
    backend: ProviderBackend
    #: Read once: backends may build a new ``Account`` on every access.
    account: Account = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "account", self.backend.account)

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def provider(self) -> str:
        return self.settings.provider

    @property
    def global_id(self) -> str:
        acct = self.account
        return encode_id(
            "Account", acct.provider, acct.provider_account_id, acct.provider_account_id
        )


class Sources:
    """All sources by local name and by (provider, provider account id)."""

    def __init__(self, sources: list[Source], upstream: Upstream | None = None) -> None:
        #: Breakers and reads in flight, shared by every operation (gateway.resilience).
        self.upstream = upstream or Upstream()
        self._by_name = {s.name: s for s in sources}
        self._by_vendor_key = {(s.provider, s.account.provider_account_id): s for s in sources}
        self._health: dict[str, bool] = {}
        self._errors: dict[str, str] = {}

    def record(self, name: str, *, ok: bool, error: BaseException | None = None) -> None:
        """Remember how a source answered its latest request (for ``providers.health``
        and ``/readyz``); a failure keeps the error's code, not the error itself."""
        self._health[name] = ok
        if ok:
            self._errors.pop(name, None)
        else:
            self._errors[name] = str(getattr(error, "code", None) or "INTERNAL")

    def health(self, name: str) -> bool | None:
        """``True`` up, ``False`` down (or its breaker is open), ``None`` not asked yet."""
        if self.upstream.circuit(name) is CircuitState.OPEN:
            return False
        return self._health.get(name)

    def error(self, name: str) -> str | None:
        """The code of the error the source's latest request failed with, if it failed."""
        return self._errors.get(name)

    @classmethod
    def build(cls, accounts: tuple[AccountSettings, ...]) -> Sources:
        sources = []
        for acct in accounts:
            factory = registry.get(acct.provider).load_backend()
            try:
                backend = factory(acct.name, acct.vendor, acct.options)
            except ConfigurationError as exc:
                raise SettingsError(str(exc)) from None
            sources.append(Source(acct, backend))
        return cls(sources)

    def __iter__(self) -> Iterator[Source]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def by_name(self, name: str) -> Source | None:
        return self._by_name.get(name)

    def by_vendor_key(self, provider: str, provider_account_id: str) -> Source | None:
        return self._by_vendor_key.get((provider, provider_account_id))

    async def aclose(self) -> None:
        await asyncio.gather(*(s.backend.aclose() for s in self), return_exceptions=True)
