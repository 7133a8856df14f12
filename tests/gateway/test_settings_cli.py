"""Configuration loading and the ``recgw`` command line."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from gateway.errors import SettingsError
from gateway.schema import export_sdl
from gateway.settings import from_mapping, load
from gateway.sources import Sources
from providers import registry

GOOD = """
[server]
port = 9999
public_url = "https://recordings.example.com"

[[accounts]]
name = "support"
provider = "freeclimb"
base_url = "https://www.freeclimb.com/apiserver"
account_id = "AC0123"
api_key = "${FC_KEY}"
timeout = 3
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gateway.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_config_reads_env_and_hides_secrets(tmp_path: Path) -> None:
    settings = load(write(tmp_path, GOOD), env={"FC_KEY": "sekrit-key-value"})
    assert settings.server.port == 9999
    (account,) = settings.accounts
    assert account.options.timeout == 3.0
    sources = Sources.build(settings.accounts)
    assert [s.name for s in sources] == ["support"]
    assert "sekrit-key-value" not in repr(settings)


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        (GOOD, {}, "environment variable FC_KEY is not set"),
        (GOOD + "\n[extra]\n", {"FC_KEY": "k"}, "unknown top-level key(s): extra"),
        (GOOD.replace("timeout = 3", "colour = 'red'"), {"FC_KEY": "k"}, "unknown key(s) colour"),
        (GOOD.replace('api_key = "${FC_KEY}"', ""), {}, "missing required key(s) api_key"),
        (GOOD.replace('"freeclimb"', '"acme"'), {"FC_KEY": "k"}, "unknown provider 'acme'"),
        (GOOD.replace("port = 9999", "port = 'x'"), {"FC_KEY": "k"}, "port must be of type int"),
        (
            GOOD + GOOD.split("[[accounts]]")[1].join(["[[accounts]]", ""]),
            {"FC_KEY": "k"},
            "duplicate name(s) support",
        ),
        ("not = [toml", {}, "not valid TOML"),
    ],
)
def test_bad_config_names_the_problem(
    tmp_path: Path, text: str, env: dict[str, str], message: str
) -> None:
    def load_and_build() -> None:
        Sources.build(load(write(tmp_path, text), env=env).accounts)

    with pytest.raises(SettingsError) as info:
        load_and_build()
    assert message in str(info.value)
    assert "sekrit" not in str(info.value)


def test_every_provider_rejects_unknown_vendor_keys() -> None:
    for name in registry.names():
        raw = {"accounts": [{"name": "a", "provider": name, "no_such_key": "x"}]}
        with pytest.raises(SettingsError, match="no_such_key"):
            Sources.build(from_mapping(raw, env={}).accounts)


async def run_cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway.cli",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_serve_with_bad_config_exits_with_a_message(tmp_path: Path) -> None:
    code, _, err = await run_cli("serve", "--config", str(write(tmp_path, GOOD)))
    assert code == 2
    assert "recgw: error:" in err
    assert "FC_KEY" in err
    assert "Traceback" not in err


async def test_export_schema_to_stdout() -> None:
    code, out, _ = await run_cli("export-schema", "-o", "-")
    assert code == 0
    assert out == export_sdl()


@pytest.mark.parametrize("provider", registry.names())
async def test_simulate_prints_one_json_line_with_the_config_keys(provider: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway.cli",
        "simulate",
        provider,
        "--port",
        "0",
        "--seed",
        "5",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = json.loads(await asyncio.wait_for(proc.stdout.readline(), 30))
    finally:
        proc.terminate()
        await proc.wait()
    assert set(line) == {"provider", "base_url", "credentials", "accounts"}
    assert line["provider"] == provider
    assert line["base_url"].startswith("http://127.0.0.1:")
    raw = {
        "accounts": [
            {"name": "x", "provider": provider, "base_url": line["base_url"], **line["credentials"]}
        ]
    }
    sources = Sources.build(from_mapping(raw, env={}).accounts)
    assert len(sources) == 1
    assert line["accounts"][0] == line["credentials"]
