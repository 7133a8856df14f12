"""Promises about deletes, media, capabilities and failures, for every backend."""

from __future__ import annotations

import logging

import pytest

from providers._sim import FaultKind, SimulatorServer
from providers.base import Capability, ProviderBackend
from providers.config import ClientOptions
from providers.errors import (
    AuthenticationError,
    MalformedResponseError,
    NotFoundError,
    UnavailableError,
    UnsupportedError,
    UpstreamTimeoutError,
)
from providers.models import (
    PageRequest,
    RecordingAction,
    RecordingQuery,
    RecordingStatus,
    RecordingTarget,
    StartRecordingOptions,
)
from providers.registry import get
from tests.conftest import make_backend


async def newest_completed(backend: ProviderBackend) -> str:
    page = await backend.list_recordings(RecordingQuery(), PageRequest(20))
    return next(
        r.provider_recording_id for r in page.items if r.status is RecordingStatus.COMPLETED
    )


async def test_delete_then_the_recording_is_gone(backend: ProviderBackend) -> None:
    assert Capability.DELETE_RECORDING in backend.capabilities
    victim = await newest_completed(backend)
    await backend.delete_recording(victim)
    assert await backend.get_recordings([victim]) == [None]
    page = await backend.list_recordings(RecordingQuery(), PageRequest(50))
    assert victim not in {r.provider_recording_id for r in page.items}
    with pytest.raises(NotFoundError):
        await backend.delete_recording(victim)


async def test_media_streams_audio_and_honours_ranges(backend: ProviderBackend) -> None:
    assert Capability.MEDIA_DOWNLOAD in backend.capabilities
    recording_id = await newest_completed(backend)
    stream = await backend.open_media(recording_id)
    try:
        body = b"".join([chunk async for chunk in stream.iter_chunks()])
    finally:
        await stream.aclose()
    assert stream.status == 200
    assert stream.content_type.startswith("audio/")
    assert len(body) > 200
    partial = await backend.open_media(recording_id, byte_range=(10, 109))
    try:
        piece = b"".join([chunk async for chunk in partial.iter_chunks()])
    finally:
        await partial.aclose()
    assert partial.status == 206
    assert piece == body[10:110]
    with pytest.raises(NotFoundError):
        await backend.open_media(recording_id[:-6] + "abcdef")


async def test_missing_capabilities_raise_unsupported_without_a_request(
    backend: ProviderBackend, sim_server: SimulatorServer
) -> None:
    calls = (await backend.list_calls(PageRequest(5))).items
    call_target = RecordingTarget(provider_call_id=calls[0].provider_call_id)
    before = len(sim_server.simulator.request_log)
    checks = {
        Capability.START_CALL_RECORDING: lambda: backend.start_recording(
            call_target, StartRecordingOptions()
        ),
        Capability.PAUSE_RECORDING: lambda: backend.control_recording(
            call_target, RecordingAction.PAUSE
        ),
        Capability.RESUME_RECORDING: lambda: backend.control_recording(
            call_target, RecordingAction.RESUME
        ),
    }
    for capability, attempt in checks.items():
        if capability in backend.capabilities:
            continue
        with pytest.raises(UnsupportedError):
            await attempt()
    assert len(sim_server.simulator.request_log) == before


async def test_refused_credentials_raise_auth_error_without_leaking_them(
    provider_name: str, sim_server: SimulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    settings = dict(sim_server.account_settings()[0])
    factory = get(provider_name).load_backend()
    secret_keys = secret_fields_of(factory, settings)
    assert secret_keys, "a provider must declare which settings are secret"
    wrong = {k: (v + "-wrong" if k in secret_keys else v) for k, v in settings.items()}
    backend = make_backend(provider_name, wrong)
    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(AuthenticationError) as info:
            await backend.list_recordings(RecordingQuery(), PageRequest(5))
    finally:
        await backend.aclose()
    for key in secret_keys:
        assert wrong[key] not in str(info.value)
        assert wrong[key] not in caplog.text
        assert settings[key] not in caplog.text


def secret_fields_of(factory: object, settings: dict[str, str]) -> set[str]:
    keys = set(factory.secret_keys())  # type: ignore[attr-defined]
    return keys & set(settings)


async def test_server_errors_are_retried_then_reported(
    backend: ProviderBackend, sim_server: SimulatorServer
) -> None:
    await backend.list_recordings(RecordingQuery(), PageRequest(5))  # warm up (auth, if any)
    log = sim_server.simulator.request_log
    sim_server.simulator.faults.outage = FaultKind.SERVER_ERROR
    before = len(log)
    with pytest.raises(UnavailableError):
        await backend.list_recordings(RecordingQuery(), PageRequest(5, None))
    assert len(log) - before == 3  # FAST_OPTIONS.read_retries + 1


async def test_one_rate_limit_is_waited_out(
    backend: ProviderBackend, sim_server: SimulatorServer
) -> None:
    await backend.list_calls(PageRequest(5))
    faults = sim_server.simulator.faults
    faults.retry_after = 0.05
    faults.inject(FaultKind.RATE_LIMIT)
    page = await backend.list_recordings(RecordingQuery(), PageRequest(5))
    assert page.items
    assert [e.status for e in sim_server.simulator.request_log.entries[-2:]] == [429, 200]


@pytest.mark.parametrize("fault", [FaultKind.GARBAGE, FaultKind.WRONG_SHAPE])
async def test_garbage_body_is_a_typed_error(
    backend: ProviderBackend, sim_server: SimulatorServer, fault: FaultKind
) -> None:
    calls = (await backend.list_calls(PageRequest(5))).items
    recordings = (await backend.list_recordings(RecordingQuery(), PageRequest(5))).items
    sim_server.simulator.faults.outage = fault
    attempts = [
        lambda: backend.list_recordings(RecordingQuery(), PageRequest(5)),
        lambda: backend.list_calls(PageRequest(5)),
        lambda: backend.list_conferences(PageRequest(5)),
        lambda: backend.get_recordings([recordings[0].provider_recording_id]),
        lambda: backend.get_calls([calls[0].provider_call_id]),
        lambda: backend.recordings_by_call(list(calls), 2),
    ]
    for attempt in attempts:
        with pytest.raises(MalformedResponseError):
            await attempt()


async def test_hanging_vendor_times_out(provider_name: str, sim_server: SimulatorServer) -> None:
    options = ClientOptions(timeout=0.3, read_retries=0)
    backend = make_backend(provider_name, sim_server.account_settings()[0], options)
    try:
        await backend.list_calls(PageRequest(5))
        sim_server.simulator.faults.hang_seconds = 2
        sim_server.simulator.faults.inject(FaultKind.HANG)
        with pytest.raises(UpstreamTimeoutError) as info:
            await backend.list_recordings(RecordingQuery(), PageRequest(5))
        assert isinstance(info.value, TimeoutError)
    finally:
        await backend.aclose()


def test_secret_settings_are_declared(provider_name: str) -> None:
    factory = get(provider_name).load_backend()
    config_keys = factory.secret_keys()
    assert config_keys
    assert all(isinstance(k, str) for k in config_keys)
