"""``recgw`` as an operator meets it, in subprocesses: version, help with defaults, JSON
logs from ``serve``, and one ``recgw: error: ...`` line (exit 2) for what they can fix."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.cli import build_parser

RECGW = str(Path(sys.executable).with_name("recgw"))


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECGW_", "OTEL_"))}
    return subprocess.run(  # noqa: S603
        [RECGW, *args], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def assert_one_error_line(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("recgw: error:")]
    assert len(errors) == 1, result.stderr
    # Anything else on stderr is a log record (JSON for serve), never a bare message.
    for line in result.stderr.splitlines():
        if line not in errors:
            assert json.loads(line)["level"] in ("debug", "info", "warning"), line
    for text in expected:
        assert text in errors[0]
    return errors[0]


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == "recgw 0.1.0"


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def test_every_option_has_help_and_shows_its_default() -> None:
    parsers = list(_parsers(build_parser()))
    assert len(parsers) >= 5
    for parser in parsers:
        text = " ".join(parser.format_help().split())
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction) or action.default == "==SUPPRESS==":
                continue
            assert action.help, (parser.prog, action.dest)
            if action.required:
                continue
            if action.default is None:
                # Computed defaults say where the value comes from instead.
                assert "default:" in action.help, (parser.prog, action.dest)
            else:
                assert f"(default: {action.default})" in text, (parser.prog, action.dest)


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        yield sock.getsockname()[1]


def _config(tmp_path: Path, port: int, extra: str = "") -> Path:
    path = tmp_path / "gateway.toml"
    path.write_text(f'[server]\nhost = "127.0.0.1"\nport = {port}\n{extra}', encoding="utf-8")
    return path


def test_serve_on_a_taken_port(tmp_path: Path, taken_port: int) -> None:
    result = run("serve", "--config", str(_config(tmp_path, taken_port)))
    assert_one_error_line(
        result, f"cannot listen on 127.0.0.1:{taken_port}", "address already in use"
    )


def test_demo_on_a_taken_port(taken_port: int) -> None:
    result = run("demo", "--port", str(taken_port))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("recgw:")]
    assert errors == [
        f"recgw: error: cannot listen on 127.0.0.1:{taken_port}: address already in use"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, "cannot read config file"),
        ("not = [toml", "is not valid TOML"),
        ("[server]\nport = 'x'\n", "server: port must be of type int"),
        ("[telemetry]\notlp_endpoint = 'collector:4318'\n", "otlp_endpoint must be an http"),
        ("[[accounts]]\nname = 'a'\nprovider = 'freeclimb'\n", "missing required key(s)"),
    ],
)
def test_a_bad_or_missing_config_file(tmp_path: Path, text: str | None, expected: str) -> None:
    path = tmp_path / "gateway.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    line = assert_one_error_line(run("serve", "--config", str(path)), expected)
    assert str(path) in line or text is not None


@pytest.mark.parametrize("fmt", ["auto", "text"])
def test_serve_logs_json_by_default(tmp_path: Path, fmt: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]
    config = _config(tmp_path, port)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECGW_", "OTEL_"))}
    process = subprocess.Popen(  # noqa: S603
        [RECGW, "--log-format", fmt, "serve", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        assert "recording-gateway on" in process.stdout.readline()
        deadline = time.monotonic() + 20
        while True:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/healthz", headers={"X-Request-ID": "cliReq1"}
                )
                with urllib.request.urlopen(request, timeout=2) as resp:  # noqa: S310
                    assert resp.status == 200
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    access = [line for line in stderr.splitlines() if "cliReq1" in line]
    assert len(access) == 1, stderr
    if fmt == "auto":
        line = json.loads(access[0])
        assert (line["logger"], line["route"], line["status"]) == (
            "gateway.access",
            "/healthz",
            200,
        )
    else:
        assert not access[0].startswith("{")
        assert "request_id=cliReq1" in access[0]
        assert "route=/healthz" in access[0]
