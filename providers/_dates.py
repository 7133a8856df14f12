"""Fast paths for the date shapes vendors actually send.

``email.utils.parsedate_to_datetime`` accepts a zoo of RFC 822 variants and costs a few
microseconds; vendors send one shape. :func:`rfc1123_utc` reads only that shape and
returns ``None`` for anything else, and callers then run their general parser, so a fast
path changes speed, never results (``tests/providers/test_mapping_speedups.py`` holds each
one to the parser it shortcuts).
"""

from __future__ import annotations

import re
from datetime import datetime

_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {name: f"{number:02d}" for number, name in enumerate(_MONTH_NAMES, 1)}
#: ``Sun, 01 Jun 2025 11:52:05 +0000`` (SignalWire) or ``... GMT`` (FreeClimb). The
#: weekday is not checked (neither does ``email.utils``); the year starts with 1-9 because
#: ``email.utils`` reads ``0050`` as 2050; hours, minutes and seconds are range-checked
#: here so that ``datetime.fromisoformat`` never sees what it might read differently
#: (``24:00``, a leap second) than ``datetime()`` does. Only the twelve English month
#: abbreviations match, so the month needs no second check.
_match_rfc1123_utc = re.compile(
    r"[A-Za-z]{3}, ((?:0[1-9]|[12][0-9]|3[01])) (" + "|".join(_MONTH_NAMES) + r") "
    r"([1-9][0-9]{3}) ((?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]) (?:\+0000|GMT)"
).fullmatch
_fromisoformat = datetime.fromisoformat


def rfc1123_utc(value: str) -> datetime | None:
    """``Sun, 01 Jun 2025 11:52:05 +0000`` or ``... GMT`` -> aware UTC datetime.

    ``None`` for any other shape, and for dates that do not exist (``31 Jun``): the
    caller's general parser decides those.
    """
    match = _match_rfc1123_utc(value)
    if match is None:
        return None
    day, month_name, year, clock = match.groups()
    try:
        # The "+00:00" makes fromisoformat attach datetime.UTC itself.
        return _fromisoformat(f"{year}-{_MONTHS[month_name]}-{day}T{clock}+00:00")
    except ValueError:
        return None
