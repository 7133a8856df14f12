"""The ariadne-codegen client at work: ``python example.py URL [API_KEY]`` prints what it
read from a running gateway as one JSON line (tests/codegen compares it with the gateway's
own answers). Scalars arrive as Python types: DateTime as ``datetime``, Decimal as
``Decimal``, JSON as plain Python values."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime, timedelta
from decimal import Decimal

from recordings_client import RecordingsClient
from recordings_client.input_types import RecordingFilter


async def main(url: str, api_key: str | None = None) -> None:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    async with RecordingsClient(url=url, headers=headers) as client:
        page = await client.recent_recordings(first=5)
        first = page.recordings.nodes[0]
        assert isinstance(first.created_at, datetime)
        assert first.created_at.tzinfo is not None
        prices = [n.price.amount for n in page.recordings.nodes if n.price]
        assert all(isinstance(p, Decimal) for p in prices)
        # A DateTime input goes out as RFC 3339, and comes back as a filter applied.
        since = first.created_at - timedelta(days=2)
        recent = await client.recent_recordings(
            first=50, filter_=RecordingFilter(created_after=since)
        )
        node = await client.recording_by_id(id=first.id)
        providers = await client.providers()
    print(
        json.dumps(
            {
                "ids": [n.id for n in page.recordings.nodes],
                "createdAt": [n.created_at.isoformat() for n in page.recordings.nodes],
                "prices": [str(p) for p in prices],
                "since": since.isoformat(),
                "recentCreatedAt": [n.created_at.isoformat() for n in recent.recordings.nodes],
                "node": {"typename": node.node.typename__, "id": node.node.id}
                if node.node
                else None,
                "providers": sorted(p.name for p in providers.providers),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:3]))
