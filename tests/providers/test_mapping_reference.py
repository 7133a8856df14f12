"""Each vendor mapper returns exactly what it returned before the per-row speed-ups.

The reference is the old code itself, kept verbatim in ``mapping_reference/`` (commit
b0fb331): a reference runs on any input, where golden outputs recorded from the
simulators would cover only the shapes the simulators happen to send. Rows are the
simulators' own seeded rows with fields overwritten, and rows built from scratch; every
field is missing, as the vendor writes it, one of the odd values vendors are known to
send (numbers as strings, ``""``, ``null``), or any JSON-ish value at all. Outcomes are
compared field by field by type and ``repr`` (so a tz object or a ``Decimal``'s exponent
counts), ``extra`` item by item, plus equality and hash (loaders key on models); an
exception is an outcome too.
"""

from __future__ import annotations

import dataclasses
import email.utils
import functools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.mapping import cases
from providers.freeclimb import mapping as freeclimb
from providers.kazoo import mapping as kazoo
from providers.signalwire import mapping as signalwire

from .mapping_reference import freeclimb as freeclimb_before
from .mapping_reference import kazoo as kazoo_before
from .mapping_reference import signalwire as signalwire_before

Mapper = Callable[[Any, str], Any]


def describe(value: Any) -> Any:
    """Everything observable about a mapper's result, as comparable plain data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return (
            type(value).__name__,
            tuple((f.name, describe(getattr(value, f.name))) for f in fields),
        )
    if isinstance(value, Mapping):
        return (type(value).__name__, tuple((k, describe(v)) for k, v in value.items()))
    return (type(value).__name__, repr(value))


def outcome(mapper: Mapper, row: dict[str, Any]) -> tuple[Any, Any]:
    try:
        result = mapper(dict(row), "acct")
        return ("ok", describe(result)), result
    except Exception as exc:  # the exception type is the result here
        return ("raised", type(exc).__name__), None


def same(new: Mapper, old: Mapper, row: dict[str, Any]) -> None:
    got, got_result = outcome(new, row)
    want, want_result = outcome(old, row)
    assert got == want, row
    # Equal (and so hashed alike: loaders key on models) exactly when two runs of the old
    # code are: never with a NaN price, as Decimal NaNs are unequal.
    equal = got_result == want_result
    assert equal == (outcome(old, row)[1] == want_result), row
    if equal and want_result is not None:
        assert hash(got_result) == hash(want_result)


# -- values ----------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)
recent = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
zoned = st.datetimes(
    min_value=datetime(2, 1, 1),
    max_value=datetime(9999, 12, 30),
    timezones=st.builds(
        timezone, st.integers(-23 * 60, 23 * 60).map(lambda m: timedelta(minutes=m))
    ),
)
rfc_like = st.from_regex(
    r"[A-Za-z]{3}, [0-9]{2} [A-Za-z]{3,4} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} "
    r"(\+0000|-0000|GMT|UT|[+-][0-9]{4})",
    fullmatch=True,
)
iso_text = st.one_of(
    recent.map(lambda m: m.strftime("%Y-%m-%dT%H:%M:%S.") + f"{m.microsecond // 1000:03d}Z"),
    zoned.map(datetime.isoformat),
    zoned.map(lambda m: m.replace(tzinfo=None).isoformat()),
)
numbers = st.one_of(
    st.integers(-(10**18), 10**18),
    st.integers(0, 10**6).map(str),
    st.integers(0, 10**17).map(lambda n: f"{n:018d}"),
    st.floats(),
    st.floats(allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["", " ", " 12", "12 ", "1e3", "1_000", "\u0663", "0.0100", "-0.0100", "-0"]),
)
#: What any vendor field may hold in a hostile or badly documented response.
odd = st.one_of(
    st.none(),
    st.booleans(),
    numbers,
    st.text(max_size=8),
    st.sampled_from(["", " ", "null", "None", "0"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers() | st.text(max_size=3), max_size=2),
)
ids = st.text("abcdef0123456789-", min_size=1, max_size=12)
phones = st.from_regex(r"\+1[0-9]{10}", fullmatch=True)
unknown_keys = st.dictionaries(
    st.one_of(
        st.text(max_size=6),
        st.sampled_from(["auth_token", "password", "pvt_type", "_rev", "url", "notes"]),
    ),
    odd,
    max_size=3,
)


def row_of(fields: Mapping[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """A row whose every known field is missing, plausible or odd, plus unknown fields."""
    known = st.fixed_dictionaries(
        {}, optional={key: st.one_of(value, value, odd) for key, value in fields.items()}
    )
    return st.builds(lambda a, b: {**b, **a}, known, unknown_keys)


@functools.cache
def simulated(name: str) -> list[dict[str, Any]]:
    """The simulators' own rows for the bench case ``name`` (a few per kind)."""
    for case in cases(recordings=40):
        if case.name == name:
            return case.rows
    raise KeyError(name)


def sim_row(
    name: str, fields: Mapping[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """A simulator row with some fields overwritten (odd or plausible) or dropped."""
    changes = row_of(fields)
    dropped = st.lists(st.sampled_from(sorted(fields)), max_size=3)

    def build(row: dict[str, Any], changed: dict[str, Any], drop: list[str]) -> dict[str, Any]:
        out = {**row, **changed}
        for key in drop:
            out.pop(key, None)
        return out

    return st.builds(build, st.sampled_from(simulated(name)), changes, dropped)


def rows(name: str, fields: Mapping[str, st.SearchStrategy[Any]]) -> Any:
    return st.one_of(sim_row(name, fields), row_of(fields))


SETTINGS = settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])

# -- SignalWire ------------------------------------------------------------------------

sw_date = st.one_of(
    moments.map(signalwire.format_date), zoned.map(email.utils.format_datetime), rfc_like, iso_text
)
SW_RECORDING = {
    "sid": ids,
    "call_sid": ids,
    "conference_sid": ids,
    "channels": st.sampled_from(["1", "2", 1, 2, "0", 0]),
    "channel": st.sampled_from(["1", "2", 1, 2]),
    "date_created": sw_date,
    "date_updated": sw_date,
    "start_time": sw_date,
    "end_time": sw_date,
    "duration": numbers,
    "price": numbers,
    "price_unit": st.sampled_from(["USD", "EUR", ""]),
    "source": st.sampled_from(
        [
            *signalwire.SOURCES.values(),
            "OutBoundApi",
            "StartCallRecordingApi",
            "StartConferenceRecording",
            "start-call_recording-api",
            "DIALVERB",
            "Mystery",
            "",
        ]
    ),
    "status": st.sampled_from([*signalwire.STATUSES, " Completed ", "IN-PROGRESS", "odd"]),
    "error_code": st.one_of(st.integers(0, 99999), st.text(max_size=5)),
}
SW_CALL = {
    "sid": ids,
    "from": phones,
    "to": phones,
    "direction": st.sampled_from(["inbound", "outbound-api", "outbound-dial"]),
    "status": st.sampled_from(["completed", "in-progress", "ringing"]),
    "start_time": sw_date,
    "end_time": sw_date,
    "duration": numbers,
    "parent_call_sid": ids,
}


@SETTINGS
@given(rows("signalwire to_recording", SW_RECORDING))
def test_signalwire_recording(row: dict[str, Any]) -> None:
    same(signalwire.to_recording, signalwire_before.to_recording, row)


@SETTINGS
@given(rows("signalwire to_recording", SW_RECORDING))
def test_signalwire_recording_same_dates(row: dict[str, Any]) -> None:
    """date_created, date_updated and start_time often share one string (parsed once)."""
    for key in ("date_created", "date_updated"):
        if "start_time" in row:
            row[key] = row["start_time"]
    same(signalwire.to_recording, signalwire_before.to_recording, row)


@SETTINGS
@given(rows("signalwire to_call", SW_CALL))
def test_signalwire_call(row: dict[str, Any]) -> None:
    same(signalwire.to_call, signalwire_before.to_call, row)


# -- FreeClimb -------------------------------------------------------------------------

fc_gmt = st.one_of(moments.map(lambda m: m.strftime("%a, %d %b %Y %H:%M:%S GMT")), rfc_like)
FC_DATES = {
    f"{name}{suffix}": (iso_text if suffix else fc_gmt)
    for name in ("dateCreated", "dateUpdated", "startTime", "endTime")
    for suffix in ("", "ISO")
}
FC_RECORDING = {
    "recordingId": ids,
    "callId": ids,
    "conferenceId": ids,
    "durationSec": numbers,
    "deleted": st.booleans(),
    "mimeType": st.sampled_from(["audio/wav", "audio/mpeg", ""]),
    **FC_DATES,
}
FC_CALL = {
    "callId": ids,
    "from": phones,
    "to": phones,
    "direction": st.sampled_from(["inbound", "outboundAPI"]),
    "status": st.sampled_from(["completed", "inProgress", "ringing", ""]),
    "duration": numbers,
    "parentCallId": ids,
    **FC_DATES,
}


@SETTINGS
@given(rows("freeclimb to_recording", FC_RECORDING))
def test_freeclimb_recording(row: dict[str, Any]) -> None:
    same(freeclimb.to_recording, freeclimb_before.to_recording, row)


@SETTINGS
@given(rows("freeclimb to_recording", FC_RECORDING))
def test_freeclimb_recording_same_dates(row: dict[str, Any]) -> None:
    """dateUpdated(ISO) usually repeats dateCreated(ISO) (parsed once)."""
    for key in ("dateUpdated", "dateUpdatedISO"):
        if key.replace("Updated", "Created") in row:
            row[key] = row[key.replace("Updated", "Created")]
    same(freeclimb.to_recording, freeclimb_before.to_recording, row)


@SETTINGS
@given(rows("freeclimb to_call", FC_CALL))
def test_freeclimb_call(row: dict[str, Any]) -> None:
    same(freeclimb.to_call, freeclimb_before.to_call, row)


# -- Kazoo -----------------------------------------------------------------------------

gregorian = st.integers(kazoo.GREGORIAN_OFFSET - 10, kazoo.GREGORIAN_OFFSET + 2 * 10**11)
kz_time = st.one_of(gregorian, gregorian.map(str), gregorian.map(float))
KZ_RECORDING = {
    "id": st.one_of(ids, st.from_regex(r"20[0-9]{4}-[0-9a-f]{8}", fullmatch=True)),
    "cdr_id": ids,
    "start": kz_time,
    "duration": numbers,
    "duration_ms": numbers,
    "content_type": st.sampled_from(["audio/mpeg", "audio/x-wav", ""]),
    "origin": st.text(max_size=8),
    "custom_channel_vars": st.fixed_dictionaries({}, optional={"conference_id": odd}),
    "_read_only": st.fixed_dictionaries({}, optional={"content_types": st.lists(odd, max_size=2)}),
    "url": st.sampled_from(["https://user:pw@store.example.com:8443/a?sig=1", "ftp://h/p", 7]),
}
KZ_CALL = {
    "id": ids,
    "uuid": ids,
    "timestamp": kz_time,
    "duration_seconds": numbers,
    "channel_created_time": st.one_of(st.integers(0, 2 * 10**15), numbers),
    "caller_id_number": phones,
    "callee_id_number": phones,
    "dialed_number": phones,
    "from": st.text(max_size=8),
    "to": st.text(max_size=8),
    "username": st.text(max_size=8),
    "destination": phones,
    "direction": st.sampled_from(["inbound", "outbound", ""]),
    "call_direction": st.sampled_from(["inbound", "outbound", ""]),
    "answered": st.booleans(),
}


@SETTINGS
@given(rows("kazoo recording", KZ_RECORDING))
def test_kazoo_recording(row: dict[str, Any]) -> None:
    same(kazoo.recording, kazoo_before.recording, row)


@SETTINGS
@given(rows("kazoo call_from_any", KZ_CALL))
def test_kazoo_call_from_any(row: dict[str, Any]) -> None:
    same(kazoo.call_from_any, kazoo_before.call_from_any, row)


@SETTINGS
@given(rows("kazoo call_from_doc", KZ_CALL))
def test_kazoo_call_from_doc(row: dict[str, Any]) -> None:
    same(kazoo.call_from_doc, kazoo_before.call_from_doc, row)


@SETTINGS
@given(
    row_of({"sid": ids, "friendly_name": ids, "status": ids, "date_created": sw_date}),
    row_of({"conferenceId": ids, "alias": ids, "status": ids, **FC_DATES}),
    row_of(
        {
            "id": ids,
            "name": ids,
            "member": st.fixed_dictionaries({}, optional={"pins": odd, "x": odd}),
            "_read_only": st.fixed_dictionaries({}, optional={"members": numbers}),
        }
    ),
)
def test_conferences(sw: dict[str, Any], fc: dict[str, Any], kz: dict[str, Any]) -> None:
    """Not sped up, but they share the date and number readers that were."""
    same(signalwire.to_conference, signalwire_before.to_conference, sw)
    same(freeclimb.to_conference, freeclimb_before.to_conference, fc)
    same(kazoo.conference, kazoo_before.conference, kz)


def test_every_simulated_row_maps_as_before() -> None:
    """All of the bench's rows, not a sample: the shapes that matter most."""
    before: dict[str, Mapper] = {
        "freeclimb to_recording": freeclimb_before.to_recording,
        "freeclimb to_call": freeclimb_before.to_call,
        "signalwire to_recording": signalwire_before.to_recording,
        "signalwire to_call": signalwire_before.to_call,
        "kazoo recording": kazoo_before.recording,
        "kazoo call_from_any": kazoo_before.call_from_any,
        "kazoo call_from_doc": kazoo_before.call_from_doc,
    }
    for case in cases():
        for row in case.rows:
            same(case.mapper, before[case.name], row)
