"""Names and helpers shared by the event parsers of every trigger form."""

from __future__ import annotations

from typing import Any, Mapping

from ..errors import InvalidEvent
from ..notices import Notice

SOURCE_OSS = "oss"
SOURCE_OSS_EVENTBRIDGE = "oss-eventbridge"
SOURCE_MNS_TOPIC = "mns-topic"
SOURCE_MNS_QUEUE = "mns-queue"
# A payload that matches no trigger form is reported under "direct", because
# FC hands it to the function exactly as it hands over a direct invocation.
SOURCE_DIRECT = "direct"

# Parameters of the RDS API CreateOnlineDatabaseTask that an open request may carry.
API_PARAMETER_NAMES = ("DBInstanceId", "DBName", "MigrateTaskId", "CheckDBMode")

USER_METADATA_PREFIX = "x-oss-meta-"

# The max number of top-level keys that an error message lists.
_MAX_KEYS_LISTED = 12

_JSON_TYPE_NAMES = {
    dict: "JSON object",
    list: "JSON array",
    str: "JSON string",
    bool: "JSON boolean",
    int: "JSON number",
    float: "JSON number",
    type(None): "JSON null",
}


class FieldError(Exception):
    """A field of one record or message is missing or has the wrong type."""


def describe(value: Any) -> str:
    """Name the JSON type of a value and its top-level keys, never its content."""
    name = _JSON_TYPE_NAMES.get(type(value), type(value).__name__)
    if isinstance(value, dict):
        keys = [str(key) for key in value]
        if not keys:
            return "an empty JSON object"
        listed = ", ".join(keys[:_MAX_KEYS_LISTED])
        if len(keys) > _MAX_KEYS_LISTED:
            listed += f", ... ({len(keys)} keys)"
        return f"a {name} with keys {listed}"
    if isinstance(value, list):
        return f"a {name} of {len(value)} items"
    return f"a {name}"


def invalid(source: str, message: str, ids: Mapping[str, str] | None = None) -> Notice:
    """Build the notice for a payload or message that cannot be parsed."""
    return Notice(source=source, ids=dict(ids or {}), error=InvalidEvent(message))


def text_or_none(value: Any) -> str | None:
    """Return a non-empty string field, or None when it is absent or not a string."""
    if isinstance(value, str) and value:
        return value
    return None


def id_text(value: Any) -> str | None:
    """Return an id as a string, converting a number that a hand-written test event may carry."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return str(value)
    return text_or_none(value)


def scalar_text(value: Any, where: str) -> str:
    """Return a parameter or metadata value as a string, or raise FieldError.

    Strings pass untouched. Numbers become their decimal text because JSON
    senders often write an id such as 1234 without quotes. Booleans, null,
    arrays and objects are rejected, since no API parameter takes them.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise FieldError(f"{where} is {describe(value)}, expected a string")


def normalise_metadata(raw: Any, where: str) -> dict[str, str]:
    """Turn user metadata into names lower-cased and without ``x-oss-meta-``.

    Raises FieldError when ``raw`` is not an object, a value is not a string
    or number, or two names differ only in case or prefix but carry
    different values.
    """
    if not isinstance(raw, dict):
        raise FieldError(f"{where} is {describe(raw)}, expected a JSON object")
    metadata: dict[str, str] = {}
    original_names: dict[str, str] = {}
    for raw_name, raw_value in raw.items():
        name = str(raw_name).strip().lower()
        if name.startswith(USER_METADATA_PREFIX):
            name = name[len(USER_METADATA_PREFIX):]
        value = scalar_text(raw_value, f"{where}[{raw_name!r}]")
        if name in metadata and metadata[name] != value:
            raise FieldError(
                f"{where} names {original_names[name]!r} and {raw_name!r} both mean "
                f"metadata {name!r} but carry different values"
            )
        metadata[name] = value
        original_names[name] = str(raw_name)
    return metadata
