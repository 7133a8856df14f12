"""GraphiQL served by the gateway itself: the page on a browser ``GET /graphql`` and its
assets under ``/graphiql/static/``.

Why not Strawberry's own page: it loads its scripts and styles from a public CDN, so on a
machine without internet access it stays a blank "Loading...". Our page loads the same
kind of files from the gateway, out of ``web/graphiql/node_modules``, which ``make
graphiql`` (``npm ci`` on the committed ``package.json`` + ``package-lock.json``) installs
from the npm registry. Nothing is bundled or committed.

Why GraphiQL 3.9 with React 18: GraphiQL 4 and 5 are ESM-only and need a bundler step
before a browser can load them; 3.x still ships ``graphiql.min.js`` as a UMD build that a
plain ``<script>`` tag loads, next to React 18's UMD builds, so the install step is
``npm ci`` and nothing else. Subscriptions use graphql-ws's UMD client
(graphql-transport-ws on ``/graphql``), with the headers editor's content as the
``connection_init`` payload (DESIGN §8: the WebSocket carries the same ``Authorization``).

When the assets are not installed, the page falls back to the same pinned files on a
public CDN (with subresource integrity) and says so loudly: a banner in the page and a
WARNING in the log at start.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import hdrs, web

if TYPE_CHECKING:
    from .settings import Settings

log = logging.getLogger("gateway.graphiql")

#: Where ``make graphiql`` installs the npm packages (a checkout; see the Makefile).
ASSETS_DIR = Path(__file__).resolve().parent.parent / "web" / "graphiql" / "node_modules"
STATIC_PREFIX = "/graphiql/static"
CDN = "https://unpkg.com"
INSTALL_HINT = "make graphiql"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Asset:
    """One file of an npm package that the page loads."""

    package: str
    version: str  #: pinned; equal to web/graphiql/package.json (a test checks)
    path: str  #: inside the package
    integrity: str  #: SRI of the published file, checked by the browser on the CDN fallback

    @property
    def name(self) -> str:
        """The file's URL under ``STATIC_PREFIX``: versioned, so it may be cached forever."""
        return f"{self.package}@{self.version}/{self.path}"

    @property
    def is_css(self) -> bool:
        return self.path.endswith(".css")


#: In load order: React first, then GraphiQL (which reads ``window.React``), then graphql-ws.
ASSETS: tuple[Asset, ...] = (
    Asset(
        "react",
        "18.3.1",
        "umd/react.production.min.js",
        "sha384-DGyLxAyjq0f9SPpVevD6IgztCFlnMF6oW/XQGmfe+IsZ8TqEiDrcHkMLKI6fiB/Z",
    ),
    Asset(
        "react-dom",
        "18.3.1",
        "umd/react-dom.production.min.js",
        "sha384-gTGxhz21lVGYNMcdJOyq01Edg0jhn/c22nsx0kyqP0TxaV5WVdsSH1fSDUf5YJj1",
    ),
    Asset(
        "graphiql",
        "3.9.0",
        "graphiql.min.css",
        "sha384-QMux00XgRtwRLSYIY3kw2rj1ovk5AuuliAchk+HSQbqdbGFnz9GYuqIlOqxhwCE2",
    ),
    Asset(
        "graphiql",
        "3.9.0",
        "graphiql.min.js",
        "sha384-8NGfVj4CVlqHajlZj+bPJT4thxPMHMJYn7DWK2CvtopLd02E7qsPHazniBYvVjOO",
    ),
    Asset(
        "graphql-ws",
        "6.0.6",
        "umd/graphql-ws.min.js",
        "sha384-L1uJSNgAjZOt7z6iPU+1qyztx98nQKw6uivIFC4oPZlOoimpFurLFG/Ysyo4BkAp",
    ),
)

DEFAULT_QUERY = """\
# recording-gateway. Run with Ctrl-Enter; the Docs button lists every type and field.
{
  recordings(first: 5) {
    nodes { id provider durationSeconds createdAt call { providerCallId } }
    pageInfo { hasNextPage endCursor }
    failures { provider accountId code message }
  }
}
"""

#: What the headers editor starts with when the gateway asks for an API key.
AUTH_HEADERS_TEMPLATE = '{"Authorization": "Bearer <your API key>"}'


def installed_assets(root: Path = ASSETS_DIR) -> dict[str, Path] | None:
    """URL name -> file for every asset, or None when any is missing (not installed, or
    installed at other versions than the pinned ones)."""
    found: dict[str, Path] = {}
    for asset in ASSETS:
        package_dir = root / asset.package
        try:
            manifest = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        path = package_dir / asset.path
        if manifest.get("version") != asset.version or not path.is_file():
            return None
        found[asset.name] = path
    return found


def auth_required(settings: Settings) -> bool:
    """Whether callers must send an API key or token: ``[auth] mode`` other than "none"."""
    return settings.auth.mode != "none"


def wants_page(request: web.Request) -> bool:
    """A browser opening ``/graphql``: the rule Strawberry uses for its own IDE page
    (``GET``, no ``query`` parameter, HTML accepted), minus WebSocket handshakes."""
    if request.method != hdrs.METH_GET or "query" in request.query:
        return False
    if request.headers.get(hdrs.UPGRADE, "").lower() == "websocket":
        return False
    accept = request.headers.get(hdrs.ACCEPT, "")
    return "text/html" in accept or "*/*" in accept


def render_page(*, offline: bool, auth: bool, endpoint: str = "/graphql") -> str:
    """The HTML page. ``offline``: assets from the gateway; otherwise from the CDN with
    a banner that says so."""

    def url(asset: Asset) -> str:
        return f"{STATIC_PREFIX}/{asset.name}" if offline else f"{CDN}/{asset.name}"

    def attrs(asset: Asset) -> str:
        return "" if offline else f' integrity="{asset.integrity}" crossorigin="anonymous"'

    styles = "\n".join(
        f'<link rel="stylesheet" href="{url(a)}"{attrs(a)}>' for a in ASSETS if a.is_css
    )
    scripts = "\n".join(
        f'<script src="{url(a)}"{attrs(a)}></script>' for a in ASSETS if not a.is_css
    )
    config = {
        "endpoint": endpoint,
        "defaultQuery": DEFAULT_QUERY,
        "defaultHeaders": AUTH_HEADERS_TEMPLATE if auth else "",
        "auth": auth,
    }
    banner = "" if offline else _FALLBACK_BANNER
    loading = "Loading GraphiQL..." if offline else _FALLBACK_LOADING
    return _PAGE.format(
        styles=styles,
        scripts=scripts,
        banner=banner,
        loading=loading,
        config=_json_for_script(config),
        script=_SCRIPT,
    )


class GraphiQLPage:
    """The page and its static route. Build with :meth:`create`, then :meth:`wrap` the
    ``/graphql`` handler and :meth:`add_routes`."""

    def __init__(self, files: Mapping[str, Path] | None, *, auth: bool) -> None:
        self.files = dict(files or {})
        self.offline = files is not None
        self.html = render_page(offline=self.offline, auth=auth)

    @classmethod
    def create(cls, *, auth: bool, assets_dir: Path = ASSETS_DIR) -> GraphiQLPage:
        files = installed_assets(assets_dir)
        if files is None:
            log.warning(
                "GraphiQL assets are not installed in %s (run `%s`): the GraphiQL page "
                "loads them from %s and stays blank without internet access",
                assets_dir,
                INSTALL_HINT,
                CDN,
            )
        return cls(files, auth=auth)

    def wrap(self, graphql: Handler) -> Handler:
        """``/graphql``: our page for a browser, everything else to the GraphQL view."""

        async def handler(request: web.Request) -> web.StreamResponse:
            if wants_page(request):
                return web.Response(
                    text=self.html,
                    content_type="text/html",
                    headers={hdrs.CACHE_CONTROL: "no-cache"},
                )
            return await graphql(request)

        return handler

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get(STATIC_PREFIX + "/{name:.+}", self._static)

    async def _static(self, request: web.Request) -> web.StreamResponse:
        path = self.files.get(request.match_info["name"])
        if path is None:
            raise web.HTTPNotFound()
        # The URL carries the version, so a browser may keep the file for good.
        return web.FileResponse(
            path, headers={hdrs.CACHE_CONTROL: "public, max-age=31536000, immutable"}
        )


def _json_for_script(value: object) -> str:
    """JSON that is safe inside ``<script>``: no ``</script>`` or ``<!--`` can appear."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e")


_FALLBACK_BANNER = f"""\
<div id="recgw-cdn-warning" role="alert">
  GraphiQL's assets are not installed on this gateway (run <code>{INSTALL_HINT}</code> and
  restart): this page is loading them from <code>{CDN}</code> instead, which needs internet
  access.
</div>"""

_FALLBACK_LOADING = (
    f"Loading GraphiQL from {CDN}... If this stays, this machine cannot reach it: "
    f"run <code>{INSTALL_HINT}</code> and restart the gateway."
)

_PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>recording-gateway - GraphiQL</title>
<link rel="icon" href="data:,">
<style>
  html, body {{ height: 100%; margin: 0; }}
  body {{ display: flex; flex-direction: column; }}
  #graphiql {{ flex: 1; min-height: 0; }}
  #recgw-cdn-warning {{
    background: #b00020; color: #fff; font: 15px/1.4 sans-serif; padding: 8px 16px;
  }}
</style>
{styles}
</head>
<body>
{banner}
<div id="graphiql">{loading}</div>
{scripts}
<script id="recgw-graphiql-config" type="application/json">{config}</script>
<script>
{script}
</script>
</body>
</html>
"""

# Queries and mutations go over HTTP (GraphiQL's own fetcher, with the headers editor's
# headers); subscriptions over graphql-transport-ws, one client per distinct headers value.
_SCRIPT = """\
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("recgw-graphiql-config").textContent);
  var httpUrl = new URL(config.endpoint, window.location.href).toString();
  var wsUrl = httpUrl.replace(/^http/, "ws");
  var httpFetcher = GraphiQL.createFetcher({ url: httpUrl });
  var ws = { key: null, client: null };

  function wsClient(headers) {
    var key = JSON.stringify(headers || {});
    if (ws.key !== key) {
      if (ws.client) { ws.client.dispose(); }
      ws.client = graphqlWs.createClient({ url: wsUrl, connectionParams: headers || {} });
      ws.key = key;
    }
    return ws.client;
  }

  // Parse the query text that is being sent: GraphiQL's own `documentAST` can lag behind
  // the editor (it is updated after a debounce) or be missing (no schema yet).
  function operationType(params) {
    var graphql = GraphiQL.GraphQL;
    try {
      var doc = graphql.parse(params.query);
      var op = graphql.getOperationAST(doc, params.operationName || undefined);
      return op ? op.operation : "query";
    } catch (error) {
      return "query";  // a syntax error: let the server say so
    }
  }

  function fetcher(params, opts) {
    if (operationType(params) === "subscription") {
      return wsClient(opts && opts.headers).iterate({
        query: params.query,
        variables: params.variables,
        operationName: params.operationName,
      });
    }
    return httpFetcher(params, opts);
  }

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: config.defaultQuery,
    defaultHeaders: config.defaultHeaders || undefined,
    defaultEditorToolsVisibility: config.auth ? "headers" : false,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
  }));
})();"""


__all__ = [
    "ASSETS",
    "ASSETS_DIR",
    "AUTH_HEADERS_TEMPLATE",
    "DEFAULT_QUERY",
    "STATIC_PREFIX",
    "Asset",
    "GraphiQLPage",
    "auth_required",
    "installed_assets",
    "render_page",
    "wants_page",
]
