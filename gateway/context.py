"""The per-request context handed to every resolver."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from .auth import ANONYMOUS, Caller
from .cursors import CursorCodec
from .errors import ForbiddenError
from .limits.config import Limits
from .limits.cost import Shape
from .limits.persisted import PersistedDocuments
from .loaders import Loaders
from .settings import ServerSettings
from .sources import Source, Sources


@dataclass(slots=True)
class GatewayContext:
    sources: Sources
    server: ServerSettings
    cursors: CursorCodec
    loaders: Loaders
    caller: Caller = ANONYMOUS
    limits: Limits = field(default_factory=Limits)
    #: Trusted documents (``persisted_only``), checked for every transport.
    persisted: PersistedDocuments | None = None
    #: What the operation was priced at before it ran (``gateway.limits.guard``).
    shape: Shape | None = None
    request: Any = None
    response: Any = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    #: Per source, which filter fields the vendor applied and which the gateway did.
    filter_pushdown: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: What connection nodes select, per place in the document (``resolvers.prefetch``).
    selections: dict[Any, Any] = field(default_factory=dict)
    #: Per place in the document, whether a call/conference is only referenced.
    references: dict[Any, bool] = field(default_factory=dict)
    #: graphql-transport-ws ``connection_init`` payload (set by Strawberry).
    connection_params: Any = None
    #: HTTP status for the answer when it is not 200 (an operation limit was hit).
    http_status: int | None = None
    #: The operation's graphql-core ``VariableValues`` (Strawberry's ``Info`` has only the
    #: coerced dict), set by ``gateway.execution``; ``None`` under another executor.
    variables: Any = None

    @classmethod
    def create(
        cls,
        sources: Sources,
        server: ServerSettings,
        cursors: CursorCodec,
        *,
        request: Any = None,
        response: Any = None,
        request_id: str | None = None,
        caller: Caller = ANONYMOUS,
        limits: Limits | None = None,
        persisted: PersistedDocuments | None = None,
    ) -> GatewayContext:
        return cls(
            sources=sources,
            server=server,
            cursors=cursors,
            loaders=Loaders(sources),
            caller=caller,
            limits=limits or Limits(),
            persisted=persisted,
            request=request,
            response=response,
            request_id=request_id or uuid.uuid4().hex,
        )

    def visible_sources(self) -> list[Source]:
        """Accounts this caller may see."""
        caller = self.caller
        if caller.accounts is None:
            return list(self.sources)
        return [s for s in self.sources if caller.can_see(s.name)]

    def visible_source(self, provider: str, provider_account_id: str) -> Source | None:
        """The source an ID names, or ``None`` when it is unknown or not the caller's
        (the two answer alike: no existence oracle)."""
        found = self.sources.by_vendor_key(provider, provider_account_id)
        if found is None or not self.caller.can_see(found.name):
            return None
        return found

    def require_scope(self, scope: str) -> None:
        """Raise :class:`ForbiddenError` (``extensions.code = "FORBIDDEN"``) unless the
        caller holds ``scope``."""
        if not self.caller.has_scope(scope):
            raise ForbiddenError(f"this operation needs the {scope!r} scope")

    def source(self, name: str) -> Source:
        found = self.sources.by_name(name)
        if found is None:  # only possible if a domain object outlived its source
            raise LookupError(f"no source named {name!r}")
        return found


Info = StrawberryInfo[GatewayContext, None]
