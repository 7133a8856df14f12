"""What a backend's calls may cost upstream, known before any request is sent.

The gateway prices a GraphQL operation in worst-case vendor requests before running it
(DESIGN §8, ``max_cost``), so each backend declares, once, how many requests its methods
may send at most. The numbers are upper bounds of what the backend's code does, not
averages: a price that is too low would let an operation exceed the budget it was
admitted under. Where the bound depends on data the gateway cannot know before asking
(how many recordings one call has), a backend prices a heavy case and says which.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RequestCosts:
    #: Items a full listing page holds when the vendor fixes the page size (``None``: the
    #: vendor returns as many as asked).
    page_items: int | None = None
    #: Requests one ``list_*`` call may send (Kazoo walks 31-day windows within one page).
    requests_per_page: int = 1
    #: Account-level requests one ``recordings_by_call``/``_by_conference`` batch may send.
    children_fixed: int = 0
    #: Then, per parent not covered by those, requests per page of its children.
    children_per_parent: int = 1
    #: At most this many parents are asked for separately (``None``: each of them), e.g.
    #: Kazoo asks once per 31-day window, however many calls fall in it.
    children_parent_cap: int | None = None
    #: Requests per id of a ``get_*`` batch.
    lookup_per_id: int = 1
    #: Listing requests one ``calls_for_recordings`` batch may send before it asks the
    #: calls the listing missed one by one (at ``lookup_per_id`` each).
    call_listing: int = 0
    #: The same for ``conferences_for_recordings``.
    conference_listing: int = 0

    def pages(self, items: int) -> int:
        """Listing pages needed for ``items`` items, when nothing is filtered out."""
        if items <= 0:
            return 1
        return -(-items // self.page_items) if self.page_items else 1

    def listing(self, items: int, *, scan_pages: int = 0) -> int:
        """``list_*`` requests for one page of ``items`` results; ``scan_pages`` is how
        many pages may be read in all when the gateway filters what the vendor returns."""
        return max(self.pages(items), scan_pages) * self.requests_per_page

    def children(self, parents: int, first: int) -> int:
        if parents <= 0:
            return 0
        asked = (
            parents if self.children_parent_cap is None else min(parents, self.children_parent_cap)
        )
        return self.children_fixed + asked * self.children_per_parent * self.pages(first)

    def lookups(self, ids: int) -> int:
        return max(0, ids) * self.lookup_per_id

    def recording_lookups(self, kind: str, recordings: int) -> int:
        """``calls_for_recordings`` (``kind`` ``"call"``) or ``conferences_for_recordings``
        (``"conference"``) of ``recordings`` recordings, at worst: the whole listing, then
        every id it missed by itself (a vendor that deleted all of them, or calls that
        all began long before their recordings)."""
        if recordings <= 0:
            return 0
        listing = self.call_listing if kind == "call" else self.conference_listing
        return listing + self.lookups(recordings)


#: For a backend that declares nothing: one request per page, per parent and per id.
DEFAULT_COSTS = RequestCosts()
