"""The GraphiQL page and its static route over HTTP: offline assets, pins that match the
npm lock, the CDN fallback that says so, and ``/graphql`` still answering GraphQL."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from gateway.app import create_app
from gateway.graphiql import (
    ASSETS,
    ASSETS_DIR,
    AUTH_HEADERS_TEMPLATE,
    DEFAULT_QUERY,
    STATIC_PREFIX,
    GraphiQLPage,
    installed_assets,
)
from gateway.settings import ServerSettings, Settings
from tests.gateway.conftest import Gateway

PACKAGE_DIR = ASSETS_DIR.parent
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
_URLS = re.compile(r'(?:src|href)="([^"]+)"')


def _config(html: str) -> dict[str, object]:
    match = re.search(
        r'<script id="recgw-graphiql-config" type="application/json">(.*?)</script>', html
    )
    assert match, "no page config"
    config: dict[str, object] = json.loads(match.group(1))
    return config


def _asset_urls(html: str) -> list[str]:
    return [url for url in _URLS.findall(html) if not url.startswith("data:")]


def test_pins_match_the_npm_lock_and_the_installed_files() -> None:
    manifest = json.loads((PACKAGE_DIR / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((PACKAGE_DIR / "package-lock.json").read_text(encoding="utf-8"))
    files = installed_assets()
    assert files is not None, "GraphiQL assets are not installed: run `make graphiql`"
    for asset in ASSETS:
        assert manifest["dependencies"][asset.package] == asset.version
        assert lock["packages"][f"node_modules/{asset.package}"]["version"] == asset.version
        digest = hashlib.sha384(files[asset.name].read_bytes()).digest()
        # The CDN fallback's integrity attribute is the published file's own hash.
        assert asset.integrity == "sha384-" + base64.b64encode(digest).decode()


async def test_browser_get_is_our_page_with_every_asset_served_locally(gateway: Gateway) -> None:
    async with gateway.session.get(f"{gateway.url}/graphql", headers=HTML) as resp:
        assert resp.status == 200
        assert resp.content_type == "text/html"
        html = await resp.text()
    assert 'id="recgw-cdn-warning"' not in html
    assert "unpkg" not in html and "Strawberry" not in html
    assert _config(html)["defaultHeaders"] == ""  # the demo has no auth
    urls = _asset_urls(html)
    assert len(urls) == len(ASSETS)
    files = installed_assets()
    assert files is not None
    for url in urls:
        assert url.startswith(STATIC_PREFIX + "/")
        async with gateway.session.get(gateway.url + url) as resp:
            assert resp.status == 200, url
            body = await resp.read()
            kind = resp.content_type
        assert body == files[url.removeprefix(STATIC_PREFIX + "/")].read_bytes()
        assert kind == ("text/css" if url.endswith(".css") else "application/javascript")


async def test_static_route_serves_only_the_pinned_files(gateway: Gateway) -> None:
    for name in (
        "graphiql@3.9.0/package.json",
        "react@0.0.1/umd/react.production.min.js",
        "..%2F..%2Fpackage.json",
        "graphiql@3.9.0/../../package-lock.json",
    ):
        async with gateway.session.get(f"{gateway.url}{STATIC_PREFIX}/{name}") as resp:
            assert resp.status == 404, name


async def test_graphql_endpoint_still_answers_graphql(gateway: Gateway) -> None:
    async with gateway.session.get(
        f"{gateway.url}/graphql",
        params={"query": "{ providers { name } }"},
        headers={**HTML, "X-Requested-With": "test"},
    ) as resp:
        assert resp.status == 200
        assert "providers" in (await resp.json())["data"]
    body = await gateway.query("{ providers { name } }")
    assert "errors" not in body
    # A WebSocket handshake on /graphql is the subscription transport, not the page.
    async with gateway.session.ws_connect(
        f"{gateway.url}/graphql", protocols=["graphql-transport-ws"]
    ) as ws:
        await ws.send_json({"type": "connection_init", "payload": {}})
        assert (await ws.receive_json(timeout=5))["type"] == "connection_ack"


def test_default_query_is_the_readme_first_query() -> None:
    from tests.docs.readme import first_query

    body = DEFAULT_QUERY.split("\n", 1)[1]  # after the welcome comment
    assert body == first_query()


@pytest.fixture
async def page_server(tmp_path: Path) -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    """A page built on an empty assets directory and served on loopback, with the
    gateway's real ``/graphql`` behind it."""
    settings = Settings(server=ServerSettings(port=0, graphiql=False), accounts=())
    app = create_app(settings)  # graphiql off: we mount our own page below
    page = GraphiQLPage.create(auth=True, assets_dir=tmp_path)
    page.add_routes(app.router)
    view = next(
        r.handler for r in app.router.routes() if r.resource and r.resource.canonical == "/graphql"
    )
    app.router.add_get("/ide", page.wrap(view))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield f"http://127.0.0.1:{runner.addresses[0][1]}", session
    finally:
        await runner.cleanup()


async def test_missing_assets_fall_back_to_the_cdn_and_say_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="gateway.graphiql"):
        page = GraphiQLPage.create(auth=False, assets_dir=tmp_path)
    assert not page.offline
    assert any(
        r.levelno == logging.WARNING and "make graphiql" in r.getMessage() for r in caplog.records
    )
    assert 'id="recgw-cdn-warning"' in page.html
    assert "make graphiql" in page.html
    urls = _asset_urls(page.html)
    assert sorted(urls) == sorted(f"https://unpkg.com/{a.name}" for a in ASSETS)
    for asset in ASSETS:
        assert f'integrity="{asset.integrity}"' in page.html


async def test_fallback_page_served_and_static_route_empty(
    page_server: tuple[str, aiohttp.ClientSession],
) -> None:
    url, session = page_server
    async with session.get(f"{url}/ide", headers=HTML) as resp:
        html = await resp.text()
    assert 'id="recgw-cdn-warning"' in html
    assert _config(html)["defaultHeaders"] == AUTH_HEADERS_TEMPLATE  # auth on: prefilled
    async with session.get(f"{url}{STATIC_PREFIX}/{ASSETS[0].name}") as resp:
        assert resp.status == 404
    # graphiql = false: a browser GET on /graphql is not a page at all.
    async with session.get(f"{url}/graphql", headers=HTML) as resp:
        assert resp.status in (400, 404)
        assert resp.content_type != "text/html"
