"""Log output: one JSON object per line (``recgw serve``'s default) or readable text.

Everything logs through the standard library (``logging.getLogger(...)``); structlog's
``ProcessorFormatter`` renders each record, so the gateway's, Strawberry's and aiohttp's
lines all come out in the same shape. Keys of a JSON line: ``timestamp`` (UTC, ISO 8601),
``level``, ``logger``, ``event`` (the message), the record's ``extra`` fields (the access
line's ``request_id``, ``status``, ...), and ``exception`` (the formatted traceback) when
the record carries one.
"""

from __future__ import annotations

import logging
import sys
from typing import IO, Any

import orjson
import structlog

FORMATS = ("json", "text")


def _drop_message(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """``record.message`` is the formatted message another formatter may have cached on
    the record; ``event`` already holds it."""
    event_dict.pop("message", None)
    return event_dict


#: ``ExtraAdder`` turns a record's ``extra={...}`` fields into keys of the line.
_PRE_CHAIN: list[Any] = [
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.ExtraAdder(),
    _drop_message,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def _dumps(data: Any, **_: Any) -> str:
    return orjson.dumps(data, default=str).decode()


def formatter(fmt: str) -> logging.Formatter:
    """A formatter for ``fmt`` (``json`` or ``text``)."""
    if fmt == "json":
        renderer: Any = structlog.processors.JSONRenderer(serializer=_dumps)
        last: list[Any] = [structlog.processors.format_exc_info, renderer]
    elif fmt == "text":
        last = [structlog.dev.ConsoleRenderer(colors=False)]
    else:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}")
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_PRE_CHAIN,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *last],
    )


def configure_logging(
    fmt: str = "json", level: str | int = "INFO", stream: IO[str] | None = None
) -> None:
    """Send every logger's records to ``stream`` (stderr) in ``fmt``, from ``level`` up."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(formatter(fmt))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
