"""The FC MNS topic trigger, in its JSON and STREAM event formats.

JSON format: an envelope with TopicOwner, TopicName, Subscriber,
SubscriptionName, MessageId, Message, MessageMD5 and PublishTime, and the
message attributes merged into the top level. STREAM format: the message
body itself, or ``{"body": ..., "attrs": {...}}`` when the message has
attributes. Published examples: Function Compute's MNS topic trigger page.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..notices import Notice
from .body import notices_from_body
from .common import SOURCE_MNS_TOPIC, id_text, text_or_none

_ENVELOPE_KEYS = ("TopicOwner", "TopicName", "Subscriber", "SubscriptionName", "MessageId", "MessageMD5")


def is_topic_envelope(value: Any) -> bool:
    """Return True for a JSON-format envelope: Message plus at least one envelope key."""
    if not isinstance(value, dict) or "Message" not in value:
        return False
    return any(name in value for name in _ENVELOPE_KEYS)


def is_stream_with_attributes(value: Any) -> bool:
    """Return True for the STREAM format of a message with attributes."""
    return isinstance(value, dict) and set(value) == {"body", "attrs"}


class TopicMessage:
    """One MNS topic message in the JSON-format envelope."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    @property
    def message_id(self) -> str | None:
        return id_text(self.raw.get("MessageId"))

    @property
    def topic_name(self) -> str | None:
        return text_or_none(self.raw.get("TopicName"))

    @property
    def subscription_name(self) -> str | None:
        return text_or_none(self.raw.get("SubscriptionName"))

    @property
    def publish_time(self) -> int | None:
        """Milliseconds since the epoch: published examples send a number or a digit string."""
        value = self.raw.get("PublishTime")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.isdigit():
            return int(value)
        return None

    @property
    def message(self) -> Any:
        return self.raw.get("Message")

    @property
    def ids(self) -> dict[str, str]:
        ids = {}
        if self.message_id:
            ids["message_id"] = self.message_id
        if self.topic_name:
            ids["topic"] = self.topic_name
        if self.subscription_name:
            ids["subscription"] = self.subscription_name
        return ids


def notices_from_envelope(raw: Mapping[str, Any]) -> list[Notice]:
    """Turn a JSON-format topic event into notices for its message body."""
    message = TopicMessage(raw)
    name = f"MNS message {message.message_id}" if message.message_id else "MNS message"
    return notices_from_body(message.message, source=SOURCE_MNS_TOPIC, context=f"{name}: ", ids=message.ids)


def notices_from_stream(body: Any) -> list[Notice]:
    """Turn a STREAM-format message body into notices. The format carries no ids."""
    return notices_from_body(body, source=SOURCE_MNS_TOPIC, context="MNS message: ")
