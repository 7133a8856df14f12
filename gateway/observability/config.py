"""``[telemetry]``: metrics, traces and readiness checks.

```toml
[telemetry]
metrics = true                                  # serve /metrics (Prometheus text format)
otlp_endpoint = "http://otel-collector:4318"    # export traces over OTLP/HTTP (/v1/traces)
service_name = "recording-gateway"
readiness_recheck_seconds = 30                  # how often a failing account is checked again
```

Without ``otlp_endpoint`` the standard ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` /
``OTEL_EXPORTER_OTLP_ENDPOINT`` variables turn tracing on; with neither, no tracer exists
and the request path pays nothing for tracing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.config_table import parse_table
from gateway.errors import SettingsError

#: The standard variables, most specific first (OpenTelemetry's exporter reads them too).
OTLP_ENV_VARS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")


@dataclass(frozen=True, slots=True)
class TelemetrySettings:
    metrics: bool = True
    #: Collector base URL (``/v1/traces`` is appended unless the URL already ends with it).
    otlp_endpoint: str | None = None
    service_name: str = "recording-gateway"
    readiness_recheck_seconds: float = 30.0

    def traces_url(self, env: Mapping[str, str] | None = None) -> str | None:
        """Where spans go, or ``None`` when tracing is off."""
        if self.otlp_endpoint:
            base = self.otlp_endpoint.rstrip("/")
            return base if base.endswith("/v1/traces") else base + "/v1/traces"
        env = os.environ if env is None else env
        if env.get(OTLP_ENV_VARS[0]):
            return env[OTLP_ENV_VARS[0]]
        if env.get(OTLP_ENV_VARS[1]):
            return env[OTLP_ENV_VARS[1]].rstrip("/") + "/v1/traces"
        return None


def parse_telemetry(raw: Any) -> TelemetrySettings:
    settings = parse_table(TelemetrySettings, raw, "telemetry")
    endpoint = settings.otlp_endpoint
    if endpoint is not None and not endpoint.startswith(("http://", "https://")):
        raise SettingsError("telemetry: otlp_endpoint must be an http(s) URL")
    if settings.readiness_recheck_seconds <= 0:
        raise SettingsError("telemetry: readiness_recheck_seconds must be positive")
    return settings
