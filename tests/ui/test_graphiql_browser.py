"""GraphiQL in a real browser: the page the gateway serves, its assets, a query run from
the editor, and not one request that leaves 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Browser, Page

from tests.docs.readme import first_query
from tests.gateway.conftest import Gateway

QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
RESULT_PANE = ".result-window"


class RequestLog:
    """Every request the page makes (HTTP and WebSocket); anything not on loopback is
    also aborted, so a regression fails fast instead of waiting on the network."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    async def attach(self, page: Page) -> None:
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("websocket", lambda ws: self.urls.append(ws.url))
        await page.route(lambda url: not _is_local(url), lambda route: route.abort())

    def foreign(self) -> list[str]:
        return [url for url in self.urls if not _is_local(url)]


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "about", "blob") or parts.hostname == "127.0.0.1"


async def open_graphiql(browser: Browser, gateway: Gateway) -> tuple[Page, RequestLog]:
    page = await browser.new_page(viewport={"width": 1400, "height": 900})
    log = RequestLog()
    await log.attach(page)
    await page.goto(f"{gateway.url}/graphql")
    await page.wait_for_selector(QUERY_EDITOR, timeout=20_000)
    return page, log


async def test_readme_first_query_runs_in_graphiql(
    browser: Browser, gateway: Gateway, tmp_path: Path
) -> None:
    query = first_query()
    expected = await gateway.query(query)
    assert "errors" not in expected, expected
    first_id = expected["data"]["recordings"]["nodes"][0]["id"]

    page, log = await open_graphiql(browser, gateway)
    # Type it as a person would: select the editor's content, replace it, Ctrl-Enter.
    await page.click(QUERY_EDITOR)
    await page.keyboard.press("Control+A")
    await page.keyboard.insert_text(query)
    assert await editor_value(page, QUERY_EDITOR) == query
    await page.keyboard.press("Control+Enter")
    await page.wait_for_function(
        "([sel, text]) => document.querySelector(sel).innerText.includes(text)",
        arg=[RESULT_PANE, first_id],
        timeout=20_000,
    )
    await page.screenshot(path=tmp_path / "graphiql.png")

    shown = json.loads(await editor_value(page, f"{RESULT_PANE} .CodeMirror"))
    assert shown == expected
    assert (tmp_path / "graphiql.png").stat().st_size > 10_000
    assert log.urls, "no request recorded"
    assert log.foreign() == []
    assert any("/graphiql/static/graphiql@" in url for url in log.urls)


async def test_graphql_ws_client_in_the_page_speaks_to_the_gateway(
    browser: Browser, gateway: Gateway
) -> None:
    """The page's graphql-ws client (what GraphiQL uses for subscriptions) reaches
    ``/graphql`` over graphql-transport-ws from the browser."""
    page, log = await open_graphiql(browser, gateway)
    result: Any = await page.evaluate(
        """async (url) => {
            const client = graphqlWs.createClient({ url });
            try {
              for await (const r of client.iterate({ query: "{ providers { name } }" })) {
                return r;
              }
            } finally { client.dispose(); }
        }""",
        gateway.url.replace("http", "ws", 1) + "/graphql",
    )
    assert "errors" not in result, result
    assert sorted(p["name"] for p in result["data"]["providers"]) == sorted(
        p["name"] for p in (await gateway.query("{ providers { name } }"))["data"]["providers"]
    )
    assert any(url.startswith("ws://127.0.0.1") for url in log.urls)
    assert log.foreign() == []


async def editor_value(page: Page, selector: str) -> str:
    value = await page.evaluate(
        "(sel) => document.querySelector(sel).CodeMirror.getValue()", selector
    )
    assert isinstance(value, str)
    return value
