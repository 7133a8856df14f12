"""Configuration: a TOML file (DESIGN §4) with ``${VAR}`` read from the environment.

Everything is validated before the server starts, and each message names the key at fault
without echoing any value (values may be secrets).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from providers import registry
from providers.config import ClientOptions, Secret, parse_settings
from providers.errors import ConfigurationError

from .auth.config import AuthSettings, parse_auth
from .errors import SettingsError
from .events.settings import EventSettings, parse_events
from .limits.config import Limits, parse_limits
from .observability.config import TelemetrySettings, parse_telemetry
from .resilience.config import QuotaSettings, parse_quotas, shared_quota_url, with_shared_quotas

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: ``[[accounts]]`` keys the gateway handles itself; the rest belong to the vendor.
_CLIENT_OPTION_KEYS = frozenset(f.name for f in fields(ClientOptions))
_ACCOUNT_KEYS = frozenset({"name", "provider"}) | _CLIENT_OPTION_KEYS
MAX_PAGE_SIZE_LIMIT = 1000
_TOP_LEVEL_KEYS = {"server", "accounts", "auth", "keys", "limits", "events", "telemetry", "quotas"}


@dataclass(frozen=True, slots=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str | None = None
    #: HMAC key for cursors and media links; a random one per start when unset.
    cursor_secret: Secret | None = None
    default_page_size: int = 50
    max_page_size: int = 500
    graphiql: bool = True
    #: Seconds one GraphQL operation may spend upstream, retries and waits included; a
    #: source that cannot answer in time is a ``failures`` entry. 0: no deadline.
    operation_timeout: float = 5.0
    #: Consecutive failures that open a source's circuit breaker (0: no breaker), and
    #: seconds before an open breaker lets one probe through.
    breaker_failures: int = 5
    breaker_cooldown: float = 10.0
    #: Identical upstream reads in flight at once share one request.
    coalesce_reads: bool = True
    #: Browser origins allowed to call the API (CORS), e.g. ``["https://app.example.com"]``.
    cors_origins: tuple[str, ...] = ()

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


@dataclass(frozen=True, slots=True)
class AccountSettings:
    name: str
    provider: str
    options: ClientOptions
    vendor: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True, slots=True)
class Settings:
    server: ServerSettings
    accounts: tuple[AccountSettings, ...]
    auth: AuthSettings = field(default_factory=AuthSettings)
    limits: Limits = field(default_factory=Limits)
    events: EventSettings = field(default_factory=EventSettings)
    telemetry: TelemetrySettings = field(default_factory=TelemetrySettings)
    quotas: QuotaSettings = field(default_factory=QuotaSettings)


def load(path: str | Path, env: Mapping[str, str] | None = None) -> Settings:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path} is not valid TOML: {exc}") from None
    return from_mapping(raw, env=os.environ if env is None else env)


def from_mapping(raw: Mapping[str, Any], *, env: Mapping[str, str]) -> Settings:
    unknown = sorted(set(raw) - _TOP_LEVEL_KEYS)
    if unknown:
        raise SettingsError(f"unknown top-level key(s): {', '.join(unknown)}")
    expanded = _expand(raw, env, "")
    try:
        server = parse_settings(ServerSettings, expanded.get("server", {}), where="server")
    except ConfigurationError as exc:
        raise SettingsError(str(exc)) from None
    if not 1 <= server.default_page_size <= server.max_page_size <= MAX_PAGE_SIZE_LIMIT:
        raise SettingsError(
            f"server: need 1 <= default_page_size <= max_page_size <= {MAX_PAGE_SIZE_LIMIT}"
        )
    accounts = tuple(_account(i, a) for i, a in enumerate(expanded.get("accounts", [])))
    names = [a.name for a in accounts]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SettingsError(f"accounts: duplicate name(s) {', '.join(duplicates)}")
    for origin in server.cors_origins:
        if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?", origin):
            raise SettingsError(
                "server: cors_origins entries must be origins such as https://app.example.com"
            )
    auth = parse_auth(expanded.get("auth"), expanded.get("keys", []), names)
    events = parse_events(expanded.get("events"))
    quotas = parse_quotas(expanded.get("quotas"))
    if server.operation_timeout < 0 or server.breaker_failures < 0 or server.breaker_cooldown < 0:
        raise SettingsError(
            "server: operation_timeout, breaker_failures and breaker_cooldown must not be negative"
        )
    return Settings(
        server=server,
        accounts=with_shared_quotas(accounts, shared_quota_url(quotas, events)),
        auth=auth,
        limits=parse_limits(expanded.get("limits")),
        events=events,
        telemetry=parse_telemetry(expanded.get("telemetry")),
        quotas=quotas,
    )


def _account(index: int, raw: Any) -> AccountSettings:
    if not isinstance(raw, Mapping):
        raise SettingsError(f"accounts[{index}] must be a table")
    name = raw.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name):
        raise SettingsError(
            f"accounts[{index}]: name is required: 1-64 letters, digits, '_', '.', '-'"
        )
    where = f"accounts[{name}]"
    provider = raw.get("provider")
    if not isinstance(provider, str):
        raise SettingsError(f"{where}: provider is required ({', '.join(registry.names())})")
    try:
        registry.get(provider)
        options = parse_settings(
            ClientOptions, {k: v for k, v in raw.items() if k in _CLIENT_OPTION_KEYS}, where=where
        )
    except ConfigurationError as exc:
        message = str(exc) if str(exc).startswith(where) else f"{where}: {exc}"
        raise SettingsError(message) from None
    vendor = {k: v for k, v in raw.items() if k not in _ACCOUNT_KEYS}
    return AccountSettings(name=name, provider=provider, options=options, vendor=vendor)


def _expand(value: Any, env: Mapping[str, str], where: str) -> Any:
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            var = match.group(1)
            if var not in env:
                raise SettingsError(f"{where or 'config'}: environment variable {var} is not set")
            return env[var]

        return _ENV_REF.sub(substitute, value)
    if isinstance(value, Mapping):
        return {k: _expand(v, env, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, env, f"{where}[{i}]") for i, v in enumerate(value)]
    return value
