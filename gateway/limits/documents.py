"""Parsed and validated documents, cached with a bound on memory.

Strawberry's ``ParserCache``/``ValidationCache`` bound the number of entries, not their
size: six different 300 KB documents held about 290 MB. Here a document is parsed with
the token limit (so a huge one is refused while being read), only documents up to
``MAX_CACHED_BYTES`` are kept, and the cache holds at most ``MAX_TOTAL_BYTES`` of document
text in all (the parsed trees are proportional to it), least recently used first out.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError, GraphQLSyntaxError, parse

MAX_CACHED_BYTES = 32 * 1024
MAX_TOTAL_BYTES = 4 * 1024 * 1024


@dataclass(slots=True)
class ParsedDocument:
    document: DocumentNode
    #: Validation errors, once validated (``None`` until then).
    errors: list[GraphQLError] | None = None


class DocumentCache:
    def __init__(self, max_total_bytes: int = MAX_TOTAL_BYTES) -> None:
        self._entries: OrderedDict[tuple[str, int], ParsedDocument] = OrderedDict()
        self._bytes = 0
        self._max_total = max_total_bytes

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def parse(self, text: str, max_tokens: int) -> ParsedDocument:
        """The parsed document; :class:`TokenLimitError` past ``max_tokens``."""
        key = (text, max_tokens)
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            return found
        try:
            parsed = ParsedDocument(parse(text, max_tokens=max_tokens))
        except GraphQLSyntaxError as exc:
            if "tokens" in exc.message and "Parsing aborted" in exc.message:
                raise TokenLimitError(max_tokens) from None
            raise
        if len(text) <= MAX_CACHED_BYTES:
            self._entries[key] = parsed
            self._bytes += len(text)
            while self._bytes > self._max_total:
                (old, _), _ = self._entries.popitem(last=False)
                self._bytes -= len(old)
        return parsed


class TokenLimitError(GraphQLError):
    def __init__(self, max_tokens: int) -> None:
        super().__init__(
            f"the document has more than {max_tokens} tokens",
            extensions={"code": "TOKEN_LIMIT"},
        )
