"""TypedDicts of FreeClimb's JSON (camelCase, every key optional, many nullable).

Only the keys we read are declared; FreeClimb adds fields over time (``dateCreatedISO``,
``deleted``, ``mimeType``, ...) and the mappers keep whatever they do not know in ``extra``.
"""

from __future__ import annotations

from typing import TypedDict


class ErrorBody(TypedDict, total=False):
    code: int
    message: str
    url: str
    details: dict[str, object]


class ListEnvelope(TypedDict, total=False):
    total: int
    start: int
    end: int
    page: int
    numPages: int
    pageSize: int
    nextPageUri: str | None


class RecordingResult(TypedDict, total=False):
    uri: str
    dateCreated: str
    dateUpdated: str
    dateCreatedISO: str
    dateUpdatedISO: str
    revision: int
    recordingId: str | None
    accountId: str | None
    callId: str | None
    conferenceId: str | None
    durationSec: int | str | None
    deleted: bool
    type: str
    mimeType: str
    downloadUrl: str


class RecordingList(ListEnvelope, total=False):
    recordings: list[RecordingResult]


class CallResult(TypedDict, total=False):
    uri: str
    dateCreated: str
    dateUpdated: str
    dateCreatedISO: str | None
    dateUpdatedISO: str | None
    revision: int
    callId: str
    parentCallId: str | None
    accountId: str
    # "from" is a keyword: read it with ``call["from"]`` through the functional form below.
    to: str
    phoneNumberId: str
    status: str
    startTime: str
    startTimeISO: str | None
    connectTime: str
    connectTimeISO: str | None
    endTime: str
    endTimeISO: str | None
    duration: int | str | None
    connectDuration: int | str | None
    direction: str
    answeredBy: str | None
    callerName: str
    webRTC: bool
    applicationId: str


class CallList(ListEnvelope, total=False):
    calls: list[CallResult]


class ConferenceResult(TypedDict, total=False):
    uri: str
    dateCreated: str
    dateUpdated: str
    dateCreatedISO: str | None
    dateUpdatedISO: str | None
    revision: int
    conferenceId: str
    accountId: str
    alias: str
    playBeep: str
    record: bool
    status: str
    waitUrl: str
    actionUrl: str
    statusCallbackUrl: str


class ConferenceList(ListEnvelope, total=False):
    conferences: list[ConferenceResult]


class RecordingWebhook(TypedDict, total=False):
    """``record``, ``callStatus`` and ``conferenceRecordingStatus`` bodies."""

    requestType: str
    accountId: str
    callId: str | None
    conferenceId: str | None
    queueId: str | None
    parentCallId: str | None
    callStatus: str
    status: str
    direction: str
    recordingId: str | None
    recordingUrl: str | None
    recordingSize: str | int | None
    recordingFormat: str | None
    recordingDurationSec: int | str | None
    termReason: str | None
    privacyMode: bool | None
