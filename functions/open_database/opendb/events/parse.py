"""The entry point: recognise the trigger form of a payload and parse it into notices."""

from __future__ import annotations

from typing import Any

from ..notices import Notice
from . import cloudevents, mns_topic, oss
from .body import BodyError, decode_base64_json
from .common import FieldError, SOURCE_DIRECT, SOURCE_OSS, describe, invalid
from .direct import is_open_request, parameters_from
from .payload import NOT_JSON, PayloadError, as_text, loads


def parse_event(raw: bytes | str | dict | list) -> list[Notice]:
    """Parse the event FC passes to ``handler(event, context)`` into notices.

    Accepts the raw bytes or text, or an already decoded JSON value. Never
    raises for bad input: a payload, record or message that cannot be parsed
    becomes a notice whose ``error`` is an InvalidEvent saying what is wrong
    and where. The list is never empty.

    Forms that carry the same bytes cannot be told apart, and are reported
    as the first in this order: a classic OSS event, a CloudEvent or batch
    of them, an MNS topic event in JSON format, a STREAM-format message with
    attributes, a direct request. A STREAM-format body without attributes is
    the message itself, so a JSON open request sent that way is reported as
    direct, and a Base64 body that is not JSON as an MNS topic message.
    """
    try:
        return _parse(raw)
    except Exception as error:  # noqa: BLE001 - FC would retry a bug that fails the same way every time
        return [invalid(SOURCE_DIRECT, f"event parser failed with {type(error).__name__} on {describe(raw)}")]


def _parse(raw: Any) -> list[Notice]:
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
        return _parse_non_json(text)
    return _parse_value(value)


def _parse_non_json(text: str) -> list[Notice]:
    # The MNS topic trigger in STREAM format passes the message body as the
    # whole payload, and OSS publishes its notifications as Base64 text.
    try:
        decode_base64_json(text)
    except BodyError as error:
        return [invalid(SOURCE_DIRECT, f"event payload of {len(text)} characters {error}")]
    return mns_topic.notices_from_stream(text)


def _parse_value(value: Any) -> list[Notice]:
    if isinstance(value, list):
        if not value:
            return [invalid(SOURCE_DIRECT, "event payload is an empty JSON array")]
        return cloudevents.notices_from_batch(value)

    if not isinstance(value, dict):
        return [invalid(SOURCE_DIRECT, f"event payload is {describe(value)}, which matches no trigger form")]

    if "events" in value:
        return oss.notices_from_notification(value, source=SOURCE_OSS)
    if cloudevents.is_cloud_event(value):
        return cloudevents.notices_from_cloud_event(value)
    if mns_topic.is_topic_envelope(value):
        return mns_topic.notices_from_envelope(value)
    if mns_topic.is_stream_with_attributes(value):
        return mns_topic.notices_from_stream(value["body"])
    if is_open_request(value):
        return _direct_notices(value)
    return [invalid(SOURCE_DIRECT, f"event payload is {describe(value)}, which matches no trigger form")]


def _direct_notices(request: dict) -> list[Notice]:
    try:
        parameters = parameters_from(request, "parameter ")
    except FieldError as error:
        return [invalid(SOURCE_DIRECT, str(error))]
    return [Notice(source=SOURCE_DIRECT, parameters=parameters)]
