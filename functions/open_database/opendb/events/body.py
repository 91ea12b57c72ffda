"""MNS message bodies: a direct open request, or an OSS event notification.

OSS publishes its event notifications to MNS as Base64-encoded JSON (stated
in OSS's event notification page), and other senders may Base64-encode
their bodies too. A body is therefore read as JSON first and decoded from
Base64 only when it is not JSON. A Base64 decoding counts only when it is
UTF-8 JSON of an accepted form, so plain text that happens to be valid
Base64 (such as "abcd") is never taken for an encoded body.
"""

from __future__ import annotations

import base64
from typing import Any, Mapping

from ..notices import Notice
from . import oss
from .common import FieldError, describe, invalid
from .direct import is_open_request, parameters_from
from .payload import NOT_JSON, loads

_ACCEPTED_FORMS = (
    "neither an open request (a JSON object with DBInstanceId, DBName, MigrateTaskId) "
    'nor an OSS event notification ({"events": [...]})'
)
_URL_SAFE_TO_STANDARD = str.maketrans("-_", "+/")


class BodyError(Exception):
    """A message body is not in any accepted form."""


def is_accepted(value: Any) -> bool:
    """Return True for an open request or an OSS event notification."""
    return isinstance(value, dict) and ("events" in value or is_open_request(value))


def base64_bytes(text: str) -> bytes | None:
    """Decode Base64 text, or return None when it is not valid Base64.

    Whitespace and line breaks are ignored, as MIME wraps Base64 in lines.
    The URL-safe alphabet is accepted, and so is missing or partial padding.
    Padding beyond what the length needs is rejected.
    """
    compact = "".join(text.split()).translate(_URL_SAFE_TO_STANDARD)
    unpadded = compact.rstrip("=")
    padding = len(compact) - len(unpadded)
    needed = -len(unpadded) % 4
    if not unpadded or len(unpadded) % 4 == 1 or padding > needed:
        return None
    try:
        return base64.b64decode(unpadded + "=" * needed, validate=True)
    except ValueError:
        # binascii.Error is a ValueError, and so is non-ASCII input.
        return None


def decode_base64_json(text: str) -> dict:
    """Return the accepted JSON object that Base64 text encodes, or raise BodyError."""
    data = base64_bytes(text)
    if data is None:
        raise BodyError("is not JSON and not valid Base64")
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError(f"is not JSON, and its Base64 decoding ({len(data)} bytes) is not UTF-8 text") from None
    value = loads(decoded)
    if value is NOT_JSON:
        raise BodyError("is not JSON, and its Base64 decoding is text but not JSON")
    if not is_accepted(value):
        raise BodyError(f"is Base64 of {describe(value)}, {_ACCEPTED_FORMS}")
    return value


def decode_body(body: Any) -> dict:
    """Return the accepted JSON object in a message body, or raise BodyError."""
    if isinstance(body, dict):
        # EventBridge may hand over a decoded JSON body as an object.
        if not is_accepted(body):
            raise BodyError(f"is {describe(body)}, {_ACCEPTED_FORMS}")
        return body
    if not isinstance(body, str):
        raise BodyError(f"is {describe(body)}, expected text")
    if not body.strip():
        raise BodyError("is empty")

    value = loads(body)
    if value is NOT_JSON:
        return decode_base64_json(body)
    if not is_accepted(value):
        raise BodyError(f"is {describe(value)}, {_ACCEPTED_FORMS}")
    return value


def notices_from_body(
    body: Any,
    *,
    source: str,
    context: str,
    ids: Mapping[str, str] | None = None,
) -> list[Notice]:
    """Turn one message body into notices: one per OSS record, or one open request.

    ``context`` starts every error message and names the message, for
    example ``"MNS message 0B1C...: "``.
    """
    try:
        content = decode_body(body)
    except BodyError as error:
        return [invalid(source, f"{context}body {error}", ids)]

    if "events" in content:
        return oss.notices_from_notification(content, source=source, context=context, ids=ids)

    try:
        parameters = parameters_from(content, f"{context}body parameter ")
    except FieldError as error:
        return [invalid(source, str(error), ids)]
    return [Notice(source=source, ids=dict(ids or {}), parameters=parameters)]
