"""``extra`` is a lazy view (``providers._coerce.Leftovers``) that must read exactly like
the dict each mapper used to build eagerly, and never show a secret.

The eager builders below are the mappers' code from before the view, kept as references.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from providers._coerce import Leftovers
from providers.freeclimb import mapping as freeclimb
from providers.kazoo import mapping as kazoo
from providers.signalwire import mapping as signalwire

MISSING = object()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)


def assert_reads_like(view: Mapping[str, Any], eager: Mapping[str, Any], probes: Any) -> None:
    assert view == eager and eager == view
    assert (view != eager) is False
    assert list(view) == list(eager)
    assert list(view.items()) == list(eager.items())
    assert list(view.values()) == list(eager.values())
    assert len(view) == len(eager)
    copied = dict(view)
    assert copied == eager and list(copied) == list(eager)
    for key in [*probes, *eager, "not-there"]:
        assert (key in view) == (key in eager), key
        assert view.get(key, MISSING) == eager.get(key, MISSING), key
        if key not in eager:
            try:
                view[key]
            except KeyError:
                pass
            else:
                raise AssertionError(f"{key!r} readable but not listed")


# -- The view itself -----------------------------------------------------------------------

keys = st.sampled_from(["a", "b", "status", "vendor_source", "auth_token", "url"]) | st.text(
    max_size=4
)


@given(
    st.dictionaries(keys, json_values, max_size=8),
    st.frozensets(keys, max_size=4),
    st.none() | st.dictionaries(keys, json_values, max_size=3),
)
@example({"a": 1, "status": "x", "b": 2}, frozenset({"status"}), {"status": "y"})
@example({"vendor_source": 1, "b": 2}, frozenset(), {"status": None, "vendor_source": 3})
def test_view_equals_filtered_dict_then_tail(
    raw: dict[str, Any], hidden: frozenset[str], tail: dict[str, Any] | None
) -> None:
    eager = {k: v for k, v in raw.items() if k not in hidden} | (tail or {})
    assert_reads_like(Leftovers(raw, hidden, tail), eager, [*raw, *hidden, *(tail or ())])


def test_view_is_read_only_and_has_a_readable_repr() -> None:
    view = Leftovers({"a": 1, "secret": 2}, frozenset({"secret"}), {"b": 3})
    assert repr(view) == "Leftovers({'a': 1, 'b': 3})"
    assert not hasattr(view, "__setitem__") and not hasattr(view, "__dict__")


# -- Every mapper's extra, against the eager code it replaced -------------------------------


def items(base: dict[str, Any], odd_keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """``base`` with some of its fields dropped and vendor-unknown, secret and colliding
    fields added, in any order."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        kept = draw(st.lists(st.sampled_from(list(base)), unique=True))
        added = draw(st.dictionaries(st.sampled_from(odd_keys) | st.text(max_size=5), json_values))
        order = draw(st.permutations(sorted({*kept, *added})))
        return {k: added[k] if k in added else base[k] for k in order}

    return build()


#: The view's own test above explores shapes; these only need each mapper's key sets.
vendor_items = settings(max_examples=50)


def check(
    mapper: Callable[[Any, str], Any],
    eager: Callable[[dict[str, Any]], Mapping[str, Any]],
    raw: dict[str, Any],
    secrets: frozenset[str],
) -> None:
    mapped = mapper(raw, "acct")
    if mapped is None:  # FreeClimb items without an id or a date map to nothing
        return
    view = mapped.extra
    assert_reads_like(view, eager(raw), [*raw, *secrets])
    shown = dict(view)
    assert not secrets & set(shown) and not any(key in view for key in secrets)


# SignalWire ----------------------------------------------------------------------------

SW_SECRETS = signalwire._SECRET_KEYS
SW_ODD = [*SW_SECRETS, "vendor_source", "status", "channel", "trim", "source"]
SW_RECORDING = {
    "sid": "a7c5e3b1",
    "call_sid": "3f9a1c7e",
    "conference_sid": None,
    "channel": "1",
    "channels": "1",
    "date_created": "Mon, 10 Jun 2024 15:59:18 +0000",
    "date_updated": "Mon, 10 Jun 2024 16:00:02 +0000",
    "start_time": "Mon, 10 Jun 2024 15:59:18 +0000",
    "end_time": "Mon, 10 Jun 2024 16:00:00 +0000",
    "duration": 42,
    "price": "-0.0025",
    "price_unit": "USD",
    "source": "StartCallRecordingApi",
    "status": "completed",
    "error_code": None,
    "uri": "/api/laml/2010-04-01/Accounts/x/Recordings/y.json",
    "trim": "do-not-trim",
}
SW_CALL = {
    "sid": "3f9a1c7e",
    "from": "+13125550147",
    "to": "+13125550199",
    "direction": "outbound-dial",
    "status": "completed",
    "start_time": "Mon, 10 Jun 2024 15:58:41 +0000",
    "end_time": "Mon, 10 Jun 2024 16:00:04 +0000",
    "duration": "83",
    "parent_call_sid": None,
    "price": 0.0083,
    "annotation": None,
}
SW_CONFERENCE = {
    "sid": "c",
    "friendly_name": "standup",
    "status": "in-progress",
    "date_created": "Mon, 10 Jun 2024 15:58:41 +0000",
    "date_updated": "Mon, 10 Jun 2024 15:58:41 +0000",
    "region": "us1",
}


def sw_eager(raw: Mapping[str, Any], mapped: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if k not in mapped and k not in SW_SECRETS}


def sw_recording_eager(raw: Mapping[str, Any]) -> dict[str, Any]:
    extra = sw_eager(raw, signalwire._RECORDING_KEYS)
    extra["status"] = raw.get("status")
    source = raw.get("source")
    if isinstance(source, str) and signalwire.recording_source(source) != source:
        extra["vendor_source"] = source
    return extra


@vendor_items
@given(items(SW_RECORDING, SW_ODD))
def test_signalwire_recording_extra(raw: dict[str, Any]) -> None:
    check(signalwire.to_recording, sw_recording_eager, raw, SW_SECRETS)


@vendor_items
@given(items(SW_CALL, SW_ODD))
def test_signalwire_call_extra(raw: dict[str, Any]) -> None:
    def eager(raw: Mapping[str, Any]) -> dict[str, Any]:
        return sw_eager(raw, signalwire._CALL_KEYS | {"parent_call_sid"})

    check(signalwire.to_call, eager, raw, SW_SECRETS)


@vendor_items
@given(items(SW_CONFERENCE, SW_ODD))
def test_signalwire_conference_extra(raw: dict[str, Any]) -> None:
    def eager(raw: Mapping[str, Any]) -> dict[str, Any]:
        return sw_eager(raw, signalwire._CONFERENCE_KEYS)

    check(signalwire.to_conference, eager, raw, SW_SECRETS)


# FreeClimb -----------------------------------------------------------------------------

FC_RECORDING = {
    "uri": "/Accounts/AC1/Recordings/RE1",
    "dateCreated": "Sun, 01 Jun 2025 05:46:33 GMT",
    "dateCreatedISO": "2025-06-01T05:46:33.699Z",
    "recordingId": "RE1",
    "callId": "CA1",
    "conferenceId": None,
    "durationSec": 446,
    "deleted": False,
    "type": "private",
    "mimeType": "audio/wav",
    "downloadUrl": "/Accounts/AC1/Recordings/RE1/Download",
}
FC_CALL = {
    "uri": "/Accounts/AC1/Calls/CA1",
    "callId": "CA1",
    "from": "+13125559631",
    "status": "completed",
    "startTime": "Sun, 01 Jun 2025 05:46:26 GMT",
    "endTimeISO": "2025-06-01T05:57:33.157Z",
    "duration": 666,
    "connectDuration": 660,
    "subresourceUris": {"logs": "/Accounts/AC1/Calls/CA1/Logs"},
}
FC_CONFERENCE = {
    "conferenceId": "CF1",
    "alias": "Sales standup",
    "dateCreated": "Sat, 31 May 2025 06:42:54 GMT",
    "playBeep": "always",
    "record": True,
}
FC_ODD = ["revision", "accountId", "uri", "dateUpdated"]


def fc_eager(known: frozenset[str]) -> Callable[[Mapping[str, Any]], Mapping[str, Any]]:
    return lambda raw: {k: v for k, v in raw.items() if k not in known}


@vendor_items
@given(items(FC_RECORDING, FC_ODD))
def test_freeclimb_recording_extra(raw: dict[str, Any]) -> None:
    check(freeclimb.to_recording, fc_eager(freeclimb._RECORDING_KEYS), raw, frozenset())


@vendor_items
@given(items(FC_CALL, FC_ODD))
def test_freeclimb_call_extra(raw: dict[str, Any]) -> None:
    check(freeclimb.to_call, fc_eager(freeclimb._CALL_KEYS), raw, frozenset())


@vendor_items
@given(items(FC_CONFERENCE, FC_ODD))
def test_freeclimb_conference_extra(raw: dict[str, Any]) -> None:
    check(freeclimb.to_conference, fc_eager(freeclimb._CONFERENCE_KEYS), raw, frozenset())


# Kazoo ---------------------------------------------------------------------------------

KZ_SECRETS = frozenset({"auth_token", "_id", "_rev", "pvt_type", "pvt_created", "pvt_"})
KZ_ODD = [*KZ_SECRETS, "url", "pvt", "_read_only", "bridge_password", "member", "moderator"]
KZ_RECORDING = {
    "id": "202406-5e0f2b8c4a6d1e3f7a9b0c2d4e6f8a1b",
    "content_type": "audio/mpeg",
    "cdr_id": "202406-6f1a3c5e-7b9d-4e2f-a1c3-e5b7d9f1a3c5",
    "start": 63885252651,
    "duration": 94,
    "duration_ms": 94380,
    "origin": "inbound from offnet to account",
    "url": "https://user:pw@store.example.com:8443/r/1.mp3?sig=abc#frag",
    "custom_channel_vars": {"account_id": "4b8c2d1e0f3a5b6c7d8e9f0a1b2c3d4e"},
    "media_source": "recorded",
}
KZ_CDR_ROW = {
    "id": "202406-6f1a3c5e-7b9d-4e2f-a1c3-e5b7d9f1a3c5",
    "duration_seconds": "106",
    "timestamp": "63885252640",
    "caller_id_number": "+13125550147",
    "callee_id_number": "",
    "dialed_number": "2001",
    "direction": "inbound",
    "hangup_cause": "NORMAL_CLEARING",
}
KZ_CDR_DOC = {
    **KZ_CDR_ROW,
    "duration_seconds": 106,
    "timestamp": 63885252746,
    "channel_created_time": 1718033440000000,
    "call_direction": "inbound",
}
KZ_CONFERENCE = {
    "id": "7f6a6f0fb23c6f5da2cec255404e4fb4",
    "name": "Conference 1",
    "member": {"join_muted": False, "pins": ["1234"]},
    "moderator": {"pins": ["98"], "numbers": []},
    "bridge_password": "hunter2",
    "_read_only": {"members": 1, "moderators": 0},
}

KZ_RECORDING_USED = {"id", "cdr_id", "start", "duration", "duration_ms", "content_type", "origin"}
KZ_CDR_USED = {
    "id",
    "caller_id_number",
    "callee_id_number",
    "direction",
    "call_direction",
    "duration_seconds",
    "timestamp",
}


def kz_eager(used: set[str]) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    def extra(doc: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in doc.items():
            if key in used or key.startswith("pvt_") or key in ("_id", "_rev", "auth_token"):
                continue
            out[key] = kazoo._redact_url(value) if key == "url" else value
        return out

    return extra


def kz_conference_eager(raw: Mapping[str, Any]) -> dict[str, Any]:
    out = kz_eager({"id", "name", "bridge_password"})(raw)
    for role in ("member", "moderator"):
        value = out.get(role)
        if isinstance(value, dict):
            out[role] = {k: v for k, v in value.items() if k != "pins"}
    return out


@vendor_items
@given(items(KZ_RECORDING, KZ_ODD))
def test_kazoo_recording_extra(raw: dict[str, Any]) -> None:
    check(kazoo.recording, kz_eager(KZ_RECORDING_USED), raw, KZ_SECRETS)
    url = kazoo.recording(raw, "a").extra.get("url")
    if raw.get("url") == KZ_RECORDING["url"]:
        assert url == "https://store.example.com:8443/r/1.mp3"


@vendor_items
@given(items(KZ_CDR_ROW, KZ_ODD))
def test_kazoo_cdr_row_extra(raw: dict[str, Any]) -> None:
    check(kazoo.call_from_row, kz_eager(KZ_CDR_USED), raw, KZ_SECRETS)


@vendor_items
@given(items(KZ_CDR_DOC, KZ_ODD))
def test_kazoo_cdr_doc_extra(raw: dict[str, Any]) -> None:
    check(kazoo.call_from_doc, kz_eager(KZ_CDR_USED), raw, KZ_SECRETS)


@vendor_items
@given(items(KZ_CONFERENCE, KZ_ODD))
def test_kazoo_conference_extra(raw: dict[str, Any]) -> None:
    check(kazoo.conference, kz_conference_eager, raw, KZ_SECRETS | {"bridge_password"})
