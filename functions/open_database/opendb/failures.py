"""Failure records: where a permanent failure ends up for an operator to fix and replay.

A retryable failure makes the invocation raise, so FC retries it and, after
its last retry, sends the event to the function's asynchronous failure
destination. A permanent failure does not raise, because a retry would fail
the same way. Instead, each one is written as a JSON object to
OPENDB_FAILURE_BUCKET under OPENDB_FAILURE_PREFIX. The record contains the
error and a ``replayEvent`` that, once the cause is fixed, can be sent to the
function again as it is (``s invoke --event-file``). Only when that write
fails does the handler raise for a permanent failure, so the event is not lost.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from .credentials import Credentials
from .deadline import Deadline
from .errors import OpendbError
from .notices import Notice, ObjectRef
from .oss import OssClient
from .outcomes import FAILED, REJECTED, Outcome
from .retry import Backoff, run_with_retries

# Raw payloads kept in a record are cut to this many bytes so one huge
# malformed event cannot make an oversized object.
MAX_RAW_BYTES = 256 * 1024


def needs_record(outcome: Outcome) -> bool:
    return outcome.status in (REJECTED, FAILED) and not outcome.retryable


def replay_event(notice: Notice) -> dict[str, Any] | None:
    """Return an event that repeats this notice's work through the handler, or None."""
    if notice.object is not None:
        # A classic OSS trigger event: the replay reads the metadata afresh, so
        # fixing the object's metadata and replaying is enough.
        record: dict[str, Any] = {
            "eventName": "ObjectCreated:PutObject",
            "eventSource": "acs:oss",
            "oss": {
                "bucket": {"name": notice.object.bucket},
                "object": {"key": notice.object.key},
            },
        }
        if notice.object.region:
            record["region"] = notice.object.region
        if notice.object.etag:
            record["oss"]["object"]["eTag"] = notice.object.etag
        return {"events": [record]}
    if notice.parameters is not None:
        return {str(name): str(value) for name, value in notice.parameters.items()}
    return None


def build_record(notice: Notice, outcome: Outcome, raw_event: Any, fc_request_id: str | None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "fcRequestId": fc_request_id,
        "recordedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "outcome": outcome.to_dict(),
        "ids": dict(notice.ids),
        "replayEvent": replay_event(notice),
    }
    if record["replayEvent"] is None:
        # Nothing could be parsed, so keep the payload itself for the operator.
        raw = raw_event if isinstance(raw_event, (bytes, bytearray)) else str(raw_event).encode("utf-8")
        record["rawEventBase64"] = base64.b64encode(bytes(raw[:MAX_RAW_BYTES])).decode("ascii")
        record["rawEventTruncated"] = len(raw) > MAX_RAW_BYTES
    return record


class FailureRecorder:
    """Writes failure records to OSS with retries, and logs where each one went."""

    def __init__(self, oss: OssClient, bucket: str, prefix: str, credentials: Credentials, deadline: Deadline, log: Any) -> None:
        self.oss = oss
        self.bucket = bucket
        self.prefix = prefix
        self.credentials = credentials
        self.deadline = deadline
        self.log = log

    def key_for(self, fc_request_id: str | None, index: int) -> str:
        # The same invocation retried by FC keeps its request id, so its records overwrite rather than pile up.
        day = time.strftime("%Y-%m-%d", time.gmtime())
        return f"{self.prefix}{day}/{fc_request_id or 'no-request-id'}-{index:04d}.json"

    def record(self, notice: Notice, outcome: Outcome, index: int, raw_event: Any, fc_request_id: str | None) -> str | None:
        """Write the record and return its key, or None when no bucket is set or the write failed."""
        log = self.log.bind(**notice.log_fields())
        if not self.bucket:
            log.warning(
                "Permanent failure not recorded: OPENDB_FAILURE_BUCKET is not set; only this log keeps it",
                step="failure_record",
            )
            return None

        key = self.key_for(fc_request_id, index)
        body = json.dumps(build_record(notice, outcome, raw_event, fc_request_id), ensure_ascii=False, indent=2).encode("utf-8")
        try:
            run_with_retries(
                lambda: self.oss.put_object(ObjectRef(self.bucket, key), body, self.credentials, deadline=self.deadline),
                deadline=self.deadline,
                backoff=Backoff(max_attempts=3),
            )
        except OpendbError as error:
            log.error("Failure record could not be written", step="failure_record", record_key=key, **error.log_fields())
            return None
        log.info("Failure recorded for replay", step="failure_record", record_bucket=self.bucket, record_key=key)
        return key
