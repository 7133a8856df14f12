"""The schema extension that decides, before anything runs, whether an operation may run.

In order: the document is parsed under the token limit (bounded cache, see
:mod:`.documents`), validated (once per cached document), then, right before execution,
the caller's ``read`` scope is checked for queries and the operation is priced
(:mod:`.cost`): depth, aliases, objects and worst-case upstream requests. A refusal is a
GraphQL error with ``extensions.code`` (``TOKEN_LIMIT``, ``DEPTH_LIMIT``,
``ALIAS_LIMIT``, ``COST_LIMIT``, ``FORBIDDEN``) answered with HTTP 400 (403 for the scope),
and no resolver, so no upstream request, runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult, FragmentDefinitionNode, GraphQLError, OperationType
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from gateway.errors import InvalidIdError
from gateway.ids import decode_id
from providers import registry
from providers._budget import request_budget

from .config import Limits
from .cost import LimitExceeded, Pricing, analyse, priced_source
from .documents import DocumentCache, ParsedDocument, TokenLimitError
from .prices import PRICES

_DEFAULT_LIMITS = Limits()
DOCUMENTS = DocumentCache()


def _decode(raw: str) -> tuple[str, str, str] | None:
    try:
        gid = decode_id(raw)
    except InvalidIdError:
        return None
    return gid.type_name, gid.provider, gid.provider_account_id


class OperationGuard(SchemaExtension):
    _parsed: ParsedDocument | None = None
    _kind: OperationType | None = None

    def on_parse(self) -> Iterator[None]:
        ec = self.execution_context
        if ec.graphql_document is None and ec.query:
            try:
                self._parsed = DOCUMENTS.parse(ec.query, _limits(ec.context).enabled("max_tokens"))
            except TokenLimitError:
                _set_status(ec.context, 400)
                raise
            ec.graphql_document = self._parsed.document
        yield

    def on_validate(self) -> Iterator[None]:
        ec = self.execution_context
        parsed = self._parsed
        if parsed is not None and parsed.errors is not None:
            ec.pre_execution_errors = list(parsed.errors)
        yield
        if parsed is not None and parsed.errors is None:
            parsed.errors = list(ec.pre_execution_errors or [])

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        refusal = self._refusal()
        if refusal is not None:
            ec.result = ExecutionResult(data=None, errors=[refusal])
        # The price was an estimate; the limit also holds while the operation runs. A
        # subscription resolves each event on its own and is not held to one budget.
        cost = _limits(ec.context).max_cost
        bounded = cost > 0 and self._kind in (OperationType.QUERY, OperationType.MUTATION)
        with request_budget(cost if bounded else None):
            yield

    def _refusal(self) -> GraphQLError | None:
        ec = self.execution_context
        ctx: Any = ec.context
        document = ec.graphql_document
        if document is None or not hasattr(ctx, "visible_sources"):
            return None
        operation = get_operation_ast(document, ec.operation_name)
        if operation is None:
            return None
        self._kind = operation.operation
        persisted = getattr(ctx, "persisted", None)
        if persisted is not None and ec.query and not persisted.allows(ec.query):
            _set_status(ctx, 400)  # WebSocket operations: HTTP ones were refused earlier
            return GraphQLError(
                "this gateway runs only trusted documents", extensions={"code": "PERSISTED_ONLY"}
            )
        if operation.operation is OperationType.QUERY and not ctx.caller.has_scope("read"):
            _set_status(ctx, 403)
            return GraphQLError(
                "this operation needs the 'read' scope", extensions={"code": "FORBIDDEN"}
            )
        schema = ec.schema._schema
        root = schema.get_root_type(operation.operation)
        if root is None:
            return None
        limits = _limits(ctx)
        pricing = Pricing(
            sources=[
                priced_source(s.backend, (s.provider, s.account.provider_account_id))
                for s in ctx.visible_sources()
            ],
            limits=limits,
            default_page_size=ctx.server.default_page_size,
            max_page_size=ctx.server.max_page_size,
            providers=len(registry.names()),
            decode=_decode,
        )
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        try:
            ctx.shape = analyse(
                schema.type_map, root, operation, fragments, ec.variables or {}, pricing, PRICES
            )
        except LimitExceeded as exc:
            _set_status(ctx, 400)
            return GraphQLError(exc.message, extensions={"code": exc.code})
        return None


def _limits(ctx: Any) -> Limits:
    found = getattr(ctx, "limits", None)
    return found if isinstance(found, Limits) else _DEFAULT_LIMITS


def _set_status(ctx: Any, status: int) -> None:
    if hasattr(ctx, "http_status"):
        ctx.http_status = status
