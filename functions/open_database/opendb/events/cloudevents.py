"""CloudEvents from EventBridge: the FC 3.0 OSS trigger and the MNS queue trigger.

The OSS form carries one OSS record as ``data`` (type ``oss:ObjectCreated:...``,
source ``acs.oss``). The queue form carries ``data.messageBody`` (type
``mns:Queue:SendMessage``, source ``acs:mns`` or ``MNS-<function>-<trigger>``
when FC created the event stream). Published examples: the DataWorks event
trigger page for OSS, and EventBridge's MNS event source page for queues.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..notices import Notice
from . import oss
from .body import notices_from_body
from .common import (
    SOURCE_DIRECT,
    SOURCE_MNS_QUEUE,
    SOURCE_OSS_EVENTBRIDGE,
    describe,
    id_text,
    invalid,
    text_or_none,
)
from .payload import loads

OSS_EVENT_SOURCE = "acs.oss"
QUEUE_TYPE_PREFIX = "mns:Queue:"
QUEUE_SEND_MESSAGE = "mns:Queue:SendMessage"


def is_cloud_event(value: Any) -> bool:
    """Return True for a JSON object with the CloudEvents attributes opendb reads."""
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        return False
    return "data" in value and ("specversion" in value or "source" in value)


class CloudEvent:
    """One CloudEvent, with typed access to its attributes and data."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    @property
    def id(self) -> str | None:
        return id_text(self.raw.get("id"))

    @property
    def type(self) -> str:
        return self.raw.get("type") or ""

    @property
    def source(self) -> str | None:
        return text_or_none(self.raw.get("source"))

    @property
    def subject(self) -> str | None:
        return text_or_none(self.raw.get("subject"))

    @property
    def data(self) -> Any:
        """The ``data`` attribute, parsed when a sender wrote it as a JSON string."""
        data = self.raw.get("data")
        if isinstance(data, str):
            parsed = loads(data)
            if isinstance(parsed, dict):
                return parsed
        return data

    @property
    def is_oss(self) -> bool:
        return self.type.startswith(oss.EVENT_NAME_PREFIX) or self.source == OSS_EVENT_SOURCE

    @property
    def is_queue(self) -> bool:
        return self.type.startswith(QUEUE_TYPE_PREFIX)


class QueueMessageEvent(CloudEvent):
    """A ``mns:Queue:SendMessage`` CloudEvent, with the message's own fields."""

    @property
    def message_id(self) -> str | None:
        data = self.data
        return id_text(data.get("messageId")) if isinstance(data, dict) else None

    @property
    def message_body(self) -> Any:
        data = self.data
        return data.get("messageBody") if isinstance(data, dict) else None

    @property
    def queue_name(self) -> str | None:
        # The subject is acs:mns:REGION:ACCOUNT:queues/NAME.
        subject = self.subject or ""
        _, separator, name = subject.rpartition(":queues/")
        if not separator or not name:
            return None
        return name

    @property
    def ids(self) -> dict[str, str]:
        ids = {}
        if self.id:
            ids["event_id"] = self.id
        if self.message_id:
            ids["message_id"] = self.message_id
        if self.queue_name:
            ids["queue"] = self.queue_name
        return ids


def _oss_notices(event: CloudEvent, context: str) -> list[Notice]:
    ids = {"event_id": event.id} if event.id else {}
    data = event.data
    if not isinstance(data, dict):
        return [invalid(SOURCE_OSS_EVENTBRIDGE, f"{context}data is {describe(data)}, expected one OSS event record", ids)]

    event_name = None
    if event.type.startswith(oss.EVENT_NAME_PREFIX):
        event_name = oss.strip_event_prefix(event.type)
    return [
        oss.notice_from_record(
            data,
            source=SOURCE_OSS_EVENTBRIDGE,
            where=f"{context}data",
            ids=ids,
            event_name=event_name,
        )
    ]


def _queue_notices(event: QueueMessageEvent, context: str) -> list[Notice]:
    ids = event.ids
    if event.type != QUEUE_SEND_MESSAGE:
        return [Notice(source=SOURCE_MNS_QUEUE, ids=ids, skip_reason=f"CloudEvent type {event.type} is not a sent message")]

    data = event.data
    if not isinstance(data, dict):
        return [invalid(SOURCE_MNS_QUEUE, f"{context}data is {describe(data)}, expected a JSON object with messageBody", ids)]
    if "messageBody" not in data:
        return [invalid(SOURCE_MNS_QUEUE, f"{context}data.messageBody is missing", ids)]

    name = f"MNS message {event.message_id}" if event.message_id else "MNS message"
    return notices_from_body(event.message_body, source=SOURCE_MNS_QUEUE, context=f"{context}{name}: ", ids=ids)


def notices_from_cloud_event(raw: Mapping[str, Any], context: str = "") -> list[Notice]:
    """Turn one CloudEvent into notices, or an InvalidEvent for an unsupported type.

    ``context`` starts every error message and names the event within a batch.
    """
    event = CloudEvent(raw)
    if event.is_oss:
        return _oss_notices(event, context)
    if event.is_queue:
        return _queue_notices(QueueMessageEvent(raw), context)

    ids = {"event_id": event.id} if event.id else {}
    return [
        invalid(
            SOURCE_DIRECT,
            f"{context}CloudEvent type {event.type!r} from source {event.source!r} "
            "is neither an OSS event nor an MNS queue message",
            ids,
        )
    ]


def notices_from_batch(items: list) -> list[Notice]:
    """Turn a JSON array of CloudEvents into notices, one outcome per item at least."""
    notices: list[Notice] = []
    for index, item in enumerate(items):
        context = f"batch item {index}: "
        if is_cloud_event(item):
            notices.extend(notices_from_cloud_event(item, context))
        else:
            notices.append(invalid(SOURCE_DIRECT, f"{context}is {describe(item)}, expected a CloudEvent object"))
    return notices
