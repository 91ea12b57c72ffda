import base64
import json

import structlog

from opendb import failures
from opendb.credentials import Credentials
from opendb.deadline import Deadline
from opendb.errors import ApiError, InvalidEvent, InvalidMetadata, NotReady
from opendb.notices import Notice, ObjectRef
from opendb.outcomes import Outcome


class FakeOss:
    def __init__(self, errors=()):
        self.errors = list(errors)
        self.puts = []

    def put_object(self, ref, body, credentials, content_type="application/json", deadline=None):
        if self.errors:
            raise self.errors.pop(0)
        self.puts.append((ref, body))
        return "OSSREQ"


def recorder(oss, bucket="ops-bucket"):
    return failures.FailureRecorder(
        oss, bucket, "opendb-failures/", Credentials("id", "secret-1234567"), Deadline.after(60), structlog.get_logger()
    )


def upload_notice():
    return Notice(source="oss", ids={"oss_request_id": "R1"}, object=ObjectRef("rds-backups", "sales/x.bak", region="cn-hangzhou", etag="E1"))


def test_needs_record_only_permanent():
    assert failures.needs_record(Outcome("rejected", "n", "oss", error=InvalidMetadata("bad")))
    assert failures.needs_record(Outcome("failed", "n", "oss", error=ApiError("x", service="rds", action="A", status_code=403, code="Forbidden.RAM")))
    assert not failures.needs_record(Outcome("failed", "n", "oss", error=NotReady("wait")))
    assert not failures.needs_record(Outcome("opened", "n", "oss"))
    assert not failures.needs_record(Outcome("skipped", "n", "oss"))


def test_record_written_with_replay_event():
    oss = FakeOss()
    outcome = Outcome("rejected", "R1", "oss", error=InvalidMetadata("bad value", key="k", value="v"))
    key = recorder(oss).record(upload_notice(), outcome, 3, b"{}", "fc-req-9")

    assert key.startswith("opendb-failures/")
    assert key.endswith("/fc-req-9-0003.json")
    ref, body = oss.puts[0]
    assert ref.bucket == "ops-bucket"
    record = json.loads(body)
    assert record["fcRequestId"] == "fc-req-9"
    assert record["outcome"]["error"]["class"] == "InvalidMetadata"
    replay = record["replayEvent"]["events"][0]
    assert replay["eventName"] == "ObjectCreated:PutObject"
    assert replay["oss"]["object"]["key"] == "sales/x.bak"
    assert replay["oss"]["bucket"]["name"] == "rds-backups"


def test_record_keeps_raw_payload_when_unparsed():
    oss = FakeOss()
    notice = Notice(source="direct", error=InvalidEvent("not JSON"))
    outcome = Outcome("rejected", "direct", "direct", error=notice.error)
    recorder(oss).record(notice, outcome, 0, b"\xff\xfegarbage", "fc-1")
    record = json.loads(oss.puts[0][1])
    assert record["replayEvent"] is None
    assert base64.b64decode(record["rawEventBase64"]) == b"\xff\xfegarbage"
    assert record["rawEventTruncated"] is False


def test_direct_parameters_replayed_as_direct_event():
    notice = Notice(source="direct", parameters={"DBInstanceId": "rm-x", "DBName": "A", "MigrateTaskId": "1"})
    event = failures.replay_event(notice)
    assert event == {"DBInstanceId": "rm-x", "DBName": "A", "MigrateTaskId": "1"}


def test_no_bucket_only_logs():
    oss = FakeOss()
    from structlog.testing import capture_logs

    with capture_logs() as logs:
        key = recorder(oss, bucket="").record(upload_notice(), Outcome("rejected", "R1", "oss"), 0, b"{}", "fc")
    assert key is None
    assert oss.puts == []
    assert "OPENDB_FAILURE_BUCKET" in logs[0]["event"]


def test_write_retried_then_given_up():
    throttled = ApiError("t", service="oss", action="PutObject", status_code=503, code="ServiceUnavailable", retryable=True)
    oss = FakeOss(errors=[throttled])
    assert recorder(oss).record(upload_notice(), Outcome("rejected", "R1", "oss"), 0, b"{}", "fc") is not None
    assert len(oss.puts) == 1

    denied = ApiError("d", service="oss", action="PutObject", status_code=403, code="AccessDenied")
    oss = FakeOss(errors=[denied])
    assert recorder(oss).record(upload_notice(), Outcome("rejected", "R1", "oss"), 0, b"{}", "fc") is None
    assert oss.puts == []
