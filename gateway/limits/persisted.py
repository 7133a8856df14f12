"""Trusted documents and Automatic Persisted Queries.

A client may send a document's SHA-256 instead of its text: as ``documentId``
(``"sha256:<hex>"`` or ``"<hex>"``, the GraphQL-over-HTTP trusted-documents form) or as
``extensions.persistedQuery.sha256Hash`` (Apollo's APQ). Hashes are looked up in the
manifest first, then in a bounded cache of documents that clients registered by sending
text and hash together. With ``persisted_only = true`` only manifest documents run and
nothing can be registered.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from pathlib import Path
from typing import Any

import orjson

from gateway.errors import SettingsError

from .config import Limits

_HEX = re.compile(r"[0-9a-f]{64}")


class PersistedQueryError(Exception):
    """``status`` is the HTTP status to answer with; ``code`` the ``extensions.code``."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def load_manifest(path: str) -> dict[str, str]:
    try:
        raw = orjson.loads(Path(path).read_bytes())
    except OSError as exc:
        raise SettingsError(
            f"limits: cannot read persisted_manifest {path}: {exc.strerror}"
        ) from None
    except orjson.JSONDecodeError:
        raise SettingsError(f"limits: persisted_manifest {path} is not valid JSON") from None
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise SettingsError(f"limits: persisted_manifest {path} must map hashes to documents")
    manifest = {}
    for key, document in raw.items():
        digest = key.removeprefix("sha256:").lower()
        if not _HEX.fullmatch(digest) or sha256_hex(document) != digest:
            raise SettingsError(
                f"limits: persisted_manifest {path}: entry {key[:20]!r} is not the SHA-256 "
                "of its document"
            )
        manifest[digest] = document
    return manifest


class PersistedDocuments:
    def __init__(self, limits: Limits, manifest: dict[str, str] | None = None) -> None:
        self._only = limits.persisted_only
        self._manifest = manifest or {}
        self._capacity = limits.apq_cache_size
        self._max_document = limits.enabled("max_body_bytes")
        self._registered: OrderedDict[str, str] = OrderedDict()

    @classmethod
    def from_limits(cls, limits: Limits) -> PersistedDocuments:
        manifest = load_manifest(limits.persisted_manifest) if limits.persisted_manifest else {}
        return cls(limits, manifest)

    def allows(self, query: str) -> bool:
        """Whether ``query`` may run at all (every document, unless ``persisted_only``)."""
        return not self._only or sha256_hex(query) in self._manifest

    def resolve(
        self, query: str | None, extensions: dict[str, Any] | None, document_id: str | None
    ) -> str:
        """The document text to run, or :class:`PersistedQueryError`."""
        digest = _requested_hash(extensions, document_id)
        if digest is None:
            if query is None:
                raise PersistedQueryError("BAD_REQUEST", "the request has no query")
            if self._only and sha256_hex(query) not in self._manifest:
                raise PersistedQueryError(
                    "PERSISTED_ONLY",
                    "this gateway runs only trusted documents: send a documentId from the manifest",
                )
            return query
        if query is not None:
            if sha256_hex(query) != digest:
                raise PersistedQueryError(
                    "PERSISTED_QUERY_HASH_MISMATCH", "the hash is not the SHA-256 of the query"
                )
            if digest not in self._manifest:
                if self._only:
                    raise PersistedQueryError(
                        "PERSISTED_ONLY", "this document is not in the trusted-documents manifest"
                    )
                self._remember(digest, query)
            return query
        found: str | None = self._manifest.get(digest)
        if found is None and not self._only:
            found = self._registered.get(digest)
            if found is not None:
                self._registered.move_to_end(digest)
        if found is None:
            # Apollo clients resend the full text on exactly this code, so it is HTTP 200.
            raise PersistedQueryError(
                "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound", status=200
            )
        return found

    def _remember(self, digest: str, query: str) -> None:
        if self._capacity <= 0 or len(query) > self._max_document:
            return
        self._registered[digest] = query
        self._registered.move_to_end(digest)
        while len(self._registered) > self._capacity:
            self._registered.popitem(last=False)


def _requested_hash(extensions: dict[str, Any] | None, document_id: str | None) -> str | None:
    if document_id is not None:
        digest = document_id.removeprefix("sha256:").lower()
        if not _HEX.fullmatch(digest):
            raise PersistedQueryError("BAD_REQUEST", "documentId must be sha256:<64 hex digits>")
        return digest
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise PersistedQueryError("BAD_REQUEST", "extensions.persistedQuery must be version 1")
    sent = persisted.get("sha256Hash")
    if not isinstance(sent, str) or not _HEX.fullmatch(sent.lower()):
        raise PersistedQueryError("BAD_REQUEST", "persistedQuery.sha256Hash must be 64 hex digits")
    return sent.lower()
