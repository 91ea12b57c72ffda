"""OSS event records: the classic FC OSS trigger and the records inside other forms.

The classic trigger sends ``{"events": [record, ...]}``. The same record
shape is the ``data`` of an EventBridge OSS CloudEvent, and the decoded body
of an event notification that OSS publishes to MNS. Published examples:
the OSS trigger sample in FC's "trigger event format" page, and the
EventBridge OSS event sample in DataWorks' "event trigger" page.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..errors import InvalidEvent
from ..notices import UPLOAD_EVENT_NAMES, Notice, ObjectRef
from .common import (
    FieldError,
    describe,
    invalid,
    normalise_metadata,
    text_or_none,
)

EVENT_NAME_PREFIX = "oss:"


def strip_event_prefix(name: str) -> str:
    """Drop the ``oss:`` prefix that EventBridge puts before OSS event names."""
    if name.startswith(EVENT_NAME_PREFIX):
        return name[len(EVENT_NAME_PREFIX):]
    return name


def _child(raw: Any, name: str) -> Any:
    return raw.get(name) if isinstance(raw, dict) else None


class OssRecord:
    """One OSS event record, with typed access to the fields opendb reads."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    @property
    def event_name(self) -> str | None:
        name = text_or_none(self.raw.get("eventName"))
        return strip_event_prefix(name) if name else None

    @property
    def event_time(self) -> str | None:
        return text_or_none(self.raw.get("eventTime"))

    @property
    def _bucket(self) -> Any:
        return _child(self.raw.get("oss"), "bucket")

    @property
    def _object(self) -> Any:
        return _child(self.raw.get("oss"), "object")

    @property
    def bucket_name(self) -> str | None:
        return text_or_none(_child(self._bucket, "name"))

    @property
    def key(self) -> str | None:
        return text_or_none(_child(self._object, "key"))

    @property
    def region(self) -> str | None:
        region = text_or_none(self.raw.get("region"))
        if region:
            return region
        # The bucket ARN is acs:oss:REGION:ACCOUNT:BUCKET.
        arn = text_or_none(_child(self._bucket, "arn"))
        parts = arn.split(":") if arn else []
        if len(parts) >= 3 and parts[0] == "acs" and parts[2]:
            return parts[2]
        return None

    @property
    def etag(self) -> str | None:
        return text_or_none(_child(self._object, "eTag"))

    @property
    def size(self) -> int | None:
        size = _child(self._object, "size")
        if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
            return size
        if isinstance(size, str) and size.isdigit():
            return int(size)
        return None

    @property
    def request_id(self) -> str | None:
        return text_or_none(_child(self.raw.get("responseElements"), "requestId"))

    @property
    def has_user_metadata(self) -> bool:
        object_meta = _child(self._object, "objectMeta")
        return isinstance(object_meta, dict) and "userMeta" in object_meta

    @property
    def user_metadata(self) -> Any:
        """The raw ``oss.object.objectMeta.userMeta`` value, or None when absent.

        NOTE: the published samples show ``objectMeta`` with ``mimeType`` only.
        The ``userMeta`` name and its object shape are an assumption, so an
        event without it leaves the metadata to HeadObject.
        """
        object_meta = _child(self._object, "objectMeta")
        return _child(object_meta, "userMeta")


def notice_from_record(
    record: Any,
    *,
    source: str,
    where: str,
    ids: Mapping[str, str] | None = None,
    event_name: str | None = None,
) -> Notice:
    """Turn one OSS record into a notice: an upload, a skip or an error.

    ``where`` names the record in error messages, for example ``events[0]``.
    ``event_name`` overrides the record's own name (EventBridge carries it
    in the CloudEvent ``type`` as well).
    """
    merged_ids = dict(ids or {})
    if not isinstance(record, dict):
        return invalid(source, f"{where} is {describe(record)}, expected an OSS event record object", merged_ids)

    wrapped = OssRecord(record)
    if wrapped.request_id:
        merged_ids.setdefault("oss_request_id", wrapped.request_id)

    name = event_name or wrapped.event_name
    if not name:
        return invalid(source, f"{where}.eventName is missing or not a string", merged_ids)

    bucket = wrapped.bucket_name
    key = wrapped.key
    ref = None
    if bucket and key:
        ref = ObjectRef(
            bucket=bucket,
            key=key,
            region=wrapped.region,
            etag=wrapped.etag,
            size=wrapped.size,
            event_name=name,
            event_time=wrapped.event_time,
        )

    if name not in UPLOAD_EVENT_NAMES:
        return Notice(
            source=source,
            ids=merged_ids,
            object=ref,
            skip_reason=f"event {name} is not a finished upload of a whole object",
        )
    if not bucket:
        return invalid(source, f"{where}.oss.bucket.name is missing or not a string", merged_ids)
    if not key:
        return invalid(source, f"{where}.oss.object.key is missing or not a string", merged_ids)
    if ref is not None and ref.is_folder:
        return Notice(
            source=source,
            ids=merged_ids,
            object=ref,
            skip_reason=f"key {key!r} ends with '/' and is a folder placeholder",
        )

    metadata = None
    if wrapped.has_user_metadata:
        try:
            metadata = normalise_metadata(wrapped.user_metadata, f"{where}.oss.object.objectMeta.userMeta")
        except FieldError as error:
            return Notice(source=source, ids=merged_ids, object=ref, error=InvalidEvent(str(error)))

    return Notice(source=source, ids=merged_ids, object=ref, metadata=metadata)


def notices_from_notification(
    payload: Mapping[str, Any],
    *,
    source: str,
    context: str = "",
    ids: Mapping[str, str] | None = None,
) -> list[Notice]:
    """Turn ``{"events": [...]}`` into one notice per record.

    ``context`` starts every error message, so that a record inside an MNS
    message is named by its message.
    """
    events = payload.get("events")
    if not isinstance(events, list):
        return [invalid(source, f"{context}events is {describe(events)}, expected a JSON array of OSS records", ids)]
    if not events:
        return [invalid(source, f"{context}events is an empty JSON array, so the notification names no object", ids)]
    return [
        notice_from_record(record, source=source, where=f"{context}events[{index}]", ids=ids)
        for index, record in enumerate(events)
    ]
