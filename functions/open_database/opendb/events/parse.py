"""The entry point: recognise the trigger form of a payload and parse it into notices."""

from __future__ import annotations

from typing import Any

from ..notices import Notice
from . import oss
from .common import SOURCE_DIRECT, SOURCE_OSS, describe, invalid
from .payload import NOT_JSON, PayloadError, as_text, loads


def parse_event(raw: bytes | str | dict | list) -> list[Notice]:
    """Parse the event FC passes to ``handler(event, context)`` into notices.

    Accepts the raw bytes or text, or an already decoded JSON value. Never
    raises for bad input: a payload, record or message that cannot be parsed
    becomes a notice whose ``error`` is an InvalidEvent saying what is wrong
    and where. The list is never empty.
    """
    if isinstance(raw, (dict, list)):
        return _parse_value(raw)

    try:
        text = as_text(raw)
    except PayloadError as error:
        return [invalid(SOURCE_DIRECT, str(error))]
    except TypeError:
        return [invalid(SOURCE_DIRECT, f"event payload is a Python {type(raw).__name__}, expected bytes or text")]

    if not text.strip():
        return [invalid(SOURCE_DIRECT, "event payload is empty")]

    value = loads(text)
    if value is NOT_JSON:
        return [invalid(SOURCE_DIRECT, f"event payload of {len(text)} characters is not JSON")]
    return _parse_value(value)


def _parse_value(value: Any) -> list[Notice]:
    if isinstance(value, dict) and "events" in value:
        return oss.notices_from_notification(value, source=SOURCE_OSS)
    return [invalid(SOURCE_DIRECT, f"event payload is {describe(value)}, which matches no trigger form")]
