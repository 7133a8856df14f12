"""recording-gateway: one GraphQL API over call recordings at several providers.

Embed it with :func:`create_app` (an aiohttp application) or run ``recgw serve``.
"""

from .app import create_app
from .schema import build_schema, export_sdl
from .settings import Settings, from_mapping, load

__all__ = ["Settings", "build_schema", "create_app", "export_sdl", "from_mapping", "load"]
