"""Notices: one upload or one message, parsed out of a trigger payload.

Every trigger form (classic OSS trigger, EventBridge, MNS, direct invocation)
is parsed into the same ``Notice``, so that everything after parsing is shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from .errors import OpendbError

# Event names of a finished upload, without the "oss:" prefix that the
# EventBridge form adds. Multipart parts, appends and deletes are not uploads
# of a whole backup file, so every other name is skipped.
UPLOAD_EVENT_NAMES = frozenset(
    {
        "ObjectCreated:PutObject",
        "ObjectCreated:PostObject",
        "ObjectCreated:CompleteMultipartUpload",
    }
)


@dataclass(frozen=True)
class ObjectRef:
    """An OSS object named by an event, with the key exactly as the event sent it."""

    bucket: str
    key: str
    region: str | None = None
    etag: str | None = None
    size: int | None = None
    event_name: str | None = None
    event_time: str | None = None

    @property
    def is_folder(self) -> bool:
        return self.key.endswith("/")


@dataclass(frozen=True)
class Notice:
    """One upload or message to act on.

    Exactly one of these describes what to open:
    - ``object``: an uploaded object. ``metadata`` contains its user metadata when
      the event carried it (names lower-cased, without ``x-oss-meta-``), and
      is None when the metadata must be read with HeadObject.
    - ``parameters``: API parameters sent directly (direct invocation, CLI,
      or an MNS message body with the parameters).
    - ``error``: the payload or message could not be parsed.

    ``ids`` are the trigger's own ids (OSS requestId, MNS MessageId, CloudEvent
    id), logged with every line about this notice.
    """

    source: str
    ids: Mapping[str, str] = field(default_factory=dict)
    object: ObjectRef | None = None
    metadata: Mapping[str, str] | None = None
    parameters: Mapping[str, str] | None = None
    error: OpendbError | None = None
    skip_reason: str | None = None

    @property
    def label(self) -> str:
        """A short, stable name for this notice in results and logs."""
        for name in ("message_id", "event_id", "oss_request_id"):
            if name in self.ids:
                return self.ids[name]
        if self.object is not None:
            return f"oss://{self.object.bucket}/{self.object.key}"
        return self.source

    def log_fields(self) -> dict[str, object]:
        """Correlation fields for every log line about this notice."""
        fields: dict[str, object] = {"trigger": self.source}
        fields.update(self.ids)
        if self.object is not None:
            fields["bucket"] = self.object.bucket
            fields["key"] = self.object.key
            if self.object.etag:
                fields["etag"] = self.object.etag
        return fields
