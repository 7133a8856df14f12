"""Who is asking: the caller of one request, and what it may see and do.

Every path that reads or writes (queries, ``node(s)``, cursors, media links, events,
mutations) asks the request's :class:`Caller`; nothing else decides visibility. An
account the caller may not see behaves exactly like one that does not exist (DESIGN §8:
no existence oracle), so callers of :meth:`Caller.can_see` answer "missing", never
"forbidden".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Scopes a caller can hold (DESIGN §8).
SCOPES: tuple[str, ...] = ("read", "media", "subscribe", "write", "delete")
ALL_SCOPES: frozenset[str] = frozenset(SCOPES)
#: In ``accounts``: every configured account.
ALL_ACCOUNTS = "*"


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated caller.

    ``accounts`` holds ``[[accounts]]`` names, or is ``None`` for every account (``["*"]``
    in the configuration). ``kind`` says how it was authenticated (``none``, ``key``,
    ``jwt``) and ``name`` names it in logs and the audit log; neither is ever a secret.
    """

    name: str
    kind: str
    accounts: frozenset[str] | None
    scopes: frozenset[str]

    def can_see(self, account_name: str) -> bool:
        return self.accounts is None or account_name in self.accounts

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def identity(self) -> str:
        """Stable text that binds cursors and media links to this caller."""
        return f"{self.kind}:{self.name}"

    @classmethod
    def build(cls, name: str, kind: str, accounts: Iterable[str], scopes: Iterable[str]) -> Caller:
        wanted = frozenset(accounts)
        return cls(
            name=name,
            kind=kind,
            accounts=None if ALL_ACCOUNTS in wanted else wanted,
            scopes=frozenset(scopes) & ALL_SCOPES,
        )


#: ``[auth] mode = "none"``: every account, every scope (the demo's default).
ANONYMOUS = Caller(name="anonymous", kind="none", accounts=None, scopes=ALL_SCOPES)
