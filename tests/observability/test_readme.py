"""README's "Operating it" says what the code does: its metrics table lists exactly the
metrics a registry exposes, with their labels, and its ``[telemetry]`` sample loads."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from gateway.observability.config import TelemetrySettings
from gateway.observability.metrics import Metrics
from gateway.settings import from_mapping
from providers.observe import UpstreamRequest

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Operating it")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_the_metrics_table_is_the_registry() -> None:
    documented = {
        name: set(re.findall(r"`(\w+)`", labels))
        for name, labels in re.findall(r"^\| `(recgw_\w+)` \|([^|]*)\|", _section(), re.M)
    }
    metrics = Metrics([("support", "freeclimb")])
    # One sample of everything, through the API the gateway calls.
    metrics.operation("query", "success", 0.01)
    metrics.http_request("/graphql", "POST", 200)
    metrics.upstream(
        UpstreamRequest("freeclimb", "support", "GET", "/Accounts/{id}/Calls", 500, None, 0.1, 2)
    )
    metrics.batch("call", "freeclimb", 3)
    metrics.media_streamed("freeclimb", "support", 10)
    metrics.webhook_event("freeclimb", "support", "accepted")
    metrics.account_state("support", ready=True)
    exposed: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        if family.name.endswith("_created"):  # prometheus_client's creation timestamps
            continue
        name = family.name + ("_total" if family.type == "counter" else "")
        labels = {k for sample in family.samples for k in sample.labels if k != "le"}
        exposed[name] = labels
    assert set(documented) == set(exposed)
    for name, labels in exposed.items():
        if labels:  # a metric other code sets (recgw_circuit_state) has no sample here
            assert documented[name] == labels, name


def test_the_telemetry_sample_loads() -> None:
    (sample,) = re.findall(r"```toml\n(\[telemetry\].*?)```", _section(), re.S)
    settings = from_mapping(tomllib.loads(sample), env={}).telemetry
    assert settings == TelemetrySettings()
