"""The mappers' fast paths return exactly what the general code they shortcut returns.

Each fast date parser (and Kazoo's Gregorian seconds, and the lenient numbers) is held
to the slow code it falls back to, kept as the reference: over values as the vendor
writes them, near misses of that shape, and arbitrary input. Results are compared by
``repr`` so that the tzinfo object counts too, and an exception counts as a result.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from providers._coerce import number, whole_number
from providers.freeclimb import mapping as freeclimb
from providers.kazoo import mapping as kazoo
from providers.signalwire import mapping as signalwire


def outcome(parse: Callable[[Any], Any], value: Any) -> tuple[str, str]:
    try:
        return ("ok", repr(parse(value)))
    except Exception as exc:  # the exception type is the result here
        return ("raised", type(exc).__name__)


def same(fast: Callable[[Any], Any], slow: Callable[[Any], Any], value: Any) -> None:
    assert outcome(fast, value) == outcome(slow, value), value


moments = st.datetimes(
    min_value=datetime(1, 1, 1),
    max_value=datetime(9999, 12, 30),
    timezones=st.just(UTC),
)
offsets = st.builds(
    timezone, st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timedelta(minutes=m))
)
zoned = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9999, 12, 30), timezones=offsets
)
#: The RFC 1123 skeleton with every field free: years below 100, hour 24, day 00 or 39,
#: unknown and lower-case months, other zones.
near_rfc1123 = st.from_regex(
    r"[A-Za-z]{3}, [0-9]{2} [A-Za-z]{3,4} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} "
    r"(\+0000|-0000|GMT|UT|[+-][0-9]{4})",
    fullmatch=True,
)
anything = st.one_of(st.none(), st.integers(), st.floats(), st.text(), st.binary())


def mutate(text: str, data: st.DataObject) -> str:
    """One to three single-character edits from an alphabet of look-alikes."""
    alphabet = st.sampled_from(list("0159 ,:+-GMTZz\t\u00a0\u0663\u00b2aJ"))
    chars = list(text)
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(chars)))
        edit = data.draw(st.sampled_from(["replace", "insert", "delete"]))
        if edit == "insert" or at == len(chars):
            chars.insert(at, data.draw(alphabet))
        elif edit == "replace":
            chars[at] = data.draw(alphabet)
        else:
            del chars[at]
    return "".join(chars)


# -- SignalWire: RFC 2822 with a numeric zone -------------------------------------------


@given(moments)
@example(datetime(2025, 6, 1, 11, 52, 5, tzinfo=UTC))
@example(datetime(99, 1, 1, tzinfo=UTC))
@example(datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC))
def test_signalwire_dates_as_signalwire_writes_them(moment: datetime) -> None:
    text = signalwire.format_date(moment)
    same(signalwire.parse_date, signalwire._parse_date_slow, text)
    if moment.year >= 1000:
        assert signalwire.parse_date(text) == moment.replace(microsecond=0)


@given(zoned)
def test_signalwire_dates_with_other_zones(moment: datetime) -> None:
    same(signalwire.parse_date, signalwire._parse_date_slow, email.utils.format_datetime(moment))


@given(near_rfc1123)
@example("Sun, 01 Jun 0050 11:52:05 +0000")
@example("Sun, 01 Jun 2025 24:00:00 +0000")
@example("Sun, 01 Jun 2025 23:59:60 +0000")
@example("Sun, 31 Jun 2025 11:52:05 +0000")
@example("Sun, 00 Jun 2025 11:52:05 +0000")
@example("Mon, 24 Sept 2018 10:00:00 +0000")
@example("Sun, 01 jun 2025 11:52:05 +0000")
def test_signalwire_dates_near_the_shape(text: str) -> None:
    same(signalwire.parse_date, signalwire._parse_date_slow, text)


@settings(max_examples=300)
@given(moments, st.data())
def test_signalwire_dates_one_edit_away(moment: datetime, data: st.DataObject) -> None:
    text = mutate(signalwire.format_date(moment), data)
    same(signalwire.parse_date, signalwire._parse_date_slow, text)


@given(anything)
@example(" Sun, 01 Jun 2025 11:52:05 +0000")
@example("Sun, 01 Jun 2025 11:52:05 +0000\n")
@example("2024-06-10T16:00:00Z")
def test_signalwire_dates_anything(value: Any) -> None:
    same(signalwire.parse_date, signalwire._parse_date_slow, value)


# -- FreeClimb: RFC 1123 GMT and the ISO twin ---------------------------------------------


def freeclimb_gmt(moment: datetime) -> str:
    """As the simulator (and FreeClimb) writes it."""
    return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")


def freeclimb_iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@given(moments)
@example(datetime(2025, 6, 1, 5, 46, 33, 699000, tzinfo=UTC))
def test_freeclimb_dates_as_freeclimb_writes_them(moment: datetime) -> None:
    same(freeclimb.parse_rfc1123, freeclimb._parse_rfc1123_slow, freeclimb_gmt(moment))
    same(freeclimb.parse_iso, freeclimb._parse_iso_slow, freeclimb_iso(moment))
    same(freeclimb.parse_iso, freeclimb._parse_iso_slow, moment.isoformat())


@given(zoned)
def test_freeclimb_iso_with_other_zones(moment: datetime) -> None:
    same(freeclimb.parse_iso, freeclimb._parse_iso_slow, moment.isoformat())
    same(freeclimb.parse_iso, freeclimb._parse_iso_slow, moment.replace(tzinfo=None).isoformat())


@given(near_rfc1123)
@example("Sun, 01 Jun 0050 11:52:05 GMT")
@example("Sun, 01 Jun 2025 24:00:00 GMT")
def test_freeclimb_rfc1123_near_the_shape(text: str) -> None:
    same(freeclimb.parse_rfc1123, freeclimb._parse_rfc1123_slow, text)


@settings(max_examples=300)
@given(moments, st.data())
def test_freeclimb_dates_one_edit_away(moment: datetime, data: st.DataObject) -> None:
    gmt = mutate(freeclimb_gmt(moment), data)
    same(freeclimb.parse_rfc1123, freeclimb._parse_rfc1123_slow, gmt)
    iso = mutate(freeclimb_iso(moment), data)
    same(freeclimb.parse_iso, freeclimb._parse_iso_slow, iso)


@given(anything)
@example(" 2025-06-01T05:46:33.699Z")
@example("2025-06-01T05:46:33.699Z\u00a0")
@example("2025-06-01T05:46:33 Z")
@example("   ")
def test_freeclimb_dates_anything(value: Any) -> None:
    same(freeclimb.parse_rfc1123, freeclimb._parse_rfc1123_slow, value)
    same(freeclimb.parse_iso, freeclimb._parse_iso_slow, value)


# -- Kazoo: Gregorian seconds --------------------------------------------------------------

gregorian = st.integers(kazoo.GREGORIAN_OFFSET - 10, kazoo.GREGORIAN_OFFSET + 2 * 10**11)


@given(st.one_of(gregorian, gregorian.map(str), gregorian.map(float), st.integers()))
@example(63915967751)
@example("63915967751")
@example(" 63915967751")
@example("063915967751")
@example("63_915_967_751")
@example(kazoo.GREGORIAN_OFFSET - 1)
@example(kazoo.GREGORIAN_OFFSET)
@example(kazoo.GREGORIAN_OFFSET + 253402300799)  # 9999-12-31T23:59:59
@example(kazoo.GREGORIAN_OFFSET + 253402300800)  # one second past datetime.max
@example(10**40)
@example(True)
def test_kazoo_gregorian_seconds(value: Any) -> None:
    same(kazoo.from_gregorian, kazoo._from_gregorian_slow, value)


@given(anything)
def test_kazoo_gregorian_anything(value: Any) -> None:
    same(kazoo.from_gregorian, kazoo._from_gregorian_slow, value)


# -- Lenient numbers -----------------------------------------------------------------------


def number_before(value: Any) -> float | None:
    """``providers._coerce.number`` before its int/float fast path."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str) and value.strip():
        try:
            result = float(value)
        except ValueError:
            return None
    else:
        return None
    return result if math.isfinite(result) else None


@given(st.one_of(anything, st.booleans(), st.integers().map(str), st.floats().map(str)))
@example(2**1100)
@example(math.inf)
@example(math.nan)
def test_number_fast_path(value: Any) -> None:
    same(number, number_before, value)


def whole_number_before(value: Any) -> int | None:
    result = number_before(value)
    return None if result is None or result != int(result) else int(result)


@given(
    st.one_of(
        anything,
        st.integers(0, 10**17).map(str),
        st.integers(0, 10**17).map(lambda n: f"{n:020d}"),
        st.floats().map(str),
    )
)
@example("2")
@example("0002")
@example("٢")
@example("9007199254740993")
@example(" 2")
def test_whole_number_fast_path(value: Any) -> None:
    same(whole_number, whole_number_before, value)
