"""Every backend's requests are held to the operation's request budget (providers._budget)."""

from __future__ import annotations

import pytest

from providers._budget import request_budget
from providers._sim import SimulatorServer
from providers.base import ProviderBackend
from providers.errors import RequestBudgetError
from providers.models import PageRequest, RecordingQuery


async def test_requests_past_the_budget_are_not_sent(
    backend: ProviderBackend, sim_server: SimulatorServer
) -> None:
    page = await backend.list_recordings(RecordingQuery(), PageRequest(5))
    ids = [r.provider_recording_id for r in list(page.items)[:5]]
    sim_server.simulator.request_log.clear()
    with request_budget(2) as budget:
        for one in ids[:2]:
            assert (await backend.get_recordings([one]))[0] is not None
        with pytest.raises(RequestBudgetError) as caught:
            await backend.get_recordings([ids[2]])
        # A batch past the budget fails as a whole: nothing more is sent.
        with pytest.raises(RequestBudgetError):
            await backend.get_recordings(ids)
    assert budget is not None and budget.spent == 2
    assert caught.value.code == "COST_LIMIT"
    assert len(sim_server.simulator.request_log) == 2
    with request_budget(None):
        assert len(await backend.get_recordings(ids)) == len(ids)
