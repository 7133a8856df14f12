"""GraphiQL with ``[auth] mode = "keys"``: the headers editor asks for the key, a query
runs once it is typed in, and a subscription started from the editor receives a recording
event that a vendor's webhook (the Kazoo simulator's) delivered to the gateway."""

from __future__ import annotations

import asyncio
from pathlib import Path

from playwright.async_api import Browser, Page

from gateway.graphiql import AUTH_HEADERS_TEMPLATE
from tests.callers.conftest import key_entry
from tests.events.conftest import StartGateway
from tests.ui.test_graphiql_browser import QUERY_EDITOR, RESULT_PANE, RequestLog, editor_value

KEY = "rgw_graphiql-ui-test-key-0123456789"
HEADERS_EDITOR = "section.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
SUBSCRIPTION = "subscription { recordingEvents { kind origin providerRecordingId } }\n"


async def replace_text(page: Page, selector: str, text: str) -> None:
    """Click into an editor, select everything, type the new content."""
    await page.click(selector)
    await page.keyboard.press("Control+A")
    await page.keyboard.insert_text(text)
    assert await editor_value(page, selector) == text


async def test_key_in_headers_editor_then_a_live_subscription(
    start_gateway: StartGateway, browser: Browser, tmp_path: Path
) -> None:
    """(The browser is requested last so that it closes first: its open WebSocket would
    otherwise hold up the gateway's shutdown.)"""
    gw = await start_gateway(
        providers=["kazoo"],
        top={
            "auth": {"mode": "keys"},
            "keys": [key_entry("ui", KEY, ["*"], ["read", "subscribe"])],
        },
    )
    page = await browser.new_page(viewport={"width": 1400, "height": 900})
    log = RequestLog()
    await log.attach(page)
    await page.goto(f"{gw.url}/graphql")
    await page.wait_for_selector(QUERY_EDITOR, timeout=20_000)

    # Auth is on: the headers editor is open and says what to put where.
    await page.click('button[data-name="headers"]')
    assert await editor_value(page, HEADERS_EDITOR) == AUTH_HEADERS_TEMPLATE
    await replace_text(page, HEADERS_EDITOR, f'{{"Authorization": "Bearer {KEY}"}}')

    await replace_text(page, QUERY_EDITOR, "{ accounts { name } }\n")
    await page.keyboard.press("Control+Enter")
    await page.wait_for_function(
        "(sel) => document.querySelector(sel).innerText.includes('kazoo')",
        arg=RESULT_PANE,
        timeout=20_000,
    )

    await replace_text(page, QUERY_EDITOR, SUBSCRIPTION)
    await page.keyboard.press("Control+Enter")
    # The subscription starts "from now on": finish recordings at the simulator (each
    # one a signed webhook to the gateway) until one shows up in the result pane.
    kazoo = gw.sim("kazoo")
    finished: list[str] = []
    for _ in range(20):
        finished.append(await kazoo.finish_recording())
        shown = await _result_text(page)
        if any(rec in shown for rec in finished):
            break
        await asyncio.sleep(0.25)
    await page.screenshot(path=tmp_path / "graphiql-subscription.png")
    shown = await _result_text(page)
    assert any(rec in shown for rec in finished), shown
    assert '"kind": "COMPLETED"' in shown and '"origin": "WEBHOOK"' in shown
    # It went over graphql-transport-ws on /graphql, and nothing left the machine.
    assert any(url.startswith("ws://127.0.0.1") and url.endswith("/graphql") for url in log.urls)
    assert log.foreign() == []


async def _result_text(page: Page) -> str:
    return await editor_value(page, f"{RESULT_PANE} .CodeMirror")
