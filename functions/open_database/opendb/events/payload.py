"""Decoding of the raw event bytes that FC passes to the handler."""

from __future__ import annotations

import json
from typing import Any

# Returned by loads() for text that is not JSON, since None is JSON null.
NOT_JSON = object()


class PayloadError(Exception):
    """The raw payload is not UTF-8 text."""


def as_text(raw: bytes | bytearray | memoryview | str) -> str:
    """Return the payload as text.

    Raises PayloadError when it is not UTF-8, and TypeError when it is
    neither bytes nor text.
    """
    if isinstance(raw, str):
        return raw
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected bytes or text, got {type(raw).__name__}")
    data = bytes(raw)
    try:
        # utf-8-sig also drops a byte order mark that some editors write.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PayloadError(
            f"event payload of {len(data)} bytes is not UTF-8 text "
            f"(invalid byte at offset {error.start})"
        ) from None


def loads(text: str) -> Any:
    """Parse JSON text, or return the ``NOT_JSON`` marker when it is not JSON.

    Deeply nested input makes the json module raise RecursionError, which
    counts as "not JSON" here because no trigger sends such a payload.
    """
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return NOT_JSON
