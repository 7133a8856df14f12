"""Operating the gateway: Prometheus metrics, OpenTelemetry traces, JSON logs, readiness.

Modules, each with one job:

- ``config``: the ``[telemetry]`` settings;
- ``metrics``: the per-app Prometheus registry and the metrics API other parts call;
- ``observation``: what is known about the request being served (context variables);
- ``tracing``: tracer set-up and span helpers;
- ``extension``: the schema extension that observes each GraphQL operation;
- ``access``: the middleware that writes the access line;
- ``logging``: JSON or text log output for every logger;
- ``readiness``: ``/readyz`` from credential checks and recent answers;
- ``install``: all of it put into an aiohttp app.

This package imports only ``config`` and ``metrics`` eagerly: ``gateway.settings`` imports
``config`` while ``readiness`` needs ``gateway.sources``.
"""

from .config import TelemetrySettings, parse_telemetry
from .metrics import METRICS, Metrics, current_metrics

__all__ = ["METRICS", "Metrics", "TelemetrySettings", "current_metrics", "parse_telemetry"]
