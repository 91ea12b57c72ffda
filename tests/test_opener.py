"""Opener logic against fake RDS and OSS clients and a fake clock."""

import random

import pytest
import structlog
from structlog.testing import capture_logs

from opendb.credentials import Credentials
from opendb.deadline import Deadline
from opendb.errors import ApiError, TransportError
from opendb.notices import Notice, ObjectRef
from opendb.opener import Opener
from opendb.retry import Backoff
from opendb.settings import load
from fakes import FakeClock

GOOD_META = {
    "rds-instance-id": "rm-bp1abc123def456",
    "rds-db-name": "Sales",
    "rds-migrate-task-id": "107081",
}



class FakeRds:
    def __init__(self, statuses=("Success",), downloads=None, open_errors=(), download_error=None):
        self.statuses = list(statuses)
        self.downloads = downloads if downloads is not None else []
        self.open_errors = list(open_errors)
        self.download_error = download_error
        self.calls = []

    def call(self, action, params, credentials, deadline=None):
        self.calls.append((action, dict(params)))
        if action == "DescribeMigrateTaskById":
            status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
            return {"RequestId": "R-task", "Status": status}
        if action == "DescribeOssDownloads":
            if self.download_error:
                raise self.download_error
            return {"RequestId": "R-dl", "Items": {"OssDownload": self.downloads}}
        if action == "CreateOnlineDatabaseTask":
            if self.open_errors:
                raise self.open_errors.pop(0)
            return {"RequestId": "R-open"}
        raise AssertionError(action)

    def count(self, action):
        return sum(1 for name, _ in self.calls if name == action)


class FakeOss:
    def __init__(self, metadata=None, error=None):
        self.metadata = metadata or {}
        self.error = error
        self.heads = 0

    def head_object(self, ref, credentials, deadline=None):
        self.heads += 1
        if self.error:
            raise self.error
        return dict(self.metadata)


def make_opener(rds, oss=None, timeout=60.0, **env):
    clock = FakeClock()
    settings = load({"FC_REGION": "cn-hangzhou", "OPENDB_AFTER_OPEN_WAIT": "5", **env})
    opener = Opener(
        settings,
        rds,
        oss or FakeOss(),
        Credentials("STS.id", "secret-value-1", "token-value-1"),
        Deadline(timeout, clock),
        structlog.get_logger(),
        backoff=Backoff(rng=random.Random(1)),
        poll=Backoff(base=1.0, cap=4.0, max_attempts=1000, rng=random.Random(2)),
        sleep=clock.sleep,
    )
    return opener, clock


def upload(key="sales/log_0003.trn", metadata=GOOD_META):
    return Notice(source="oss", ids={"oss_request_id": "OSSREQ"}, object=ObjectRef("rds-backups", key), metadata=metadata)


def test_opens_when_ready():
    rds = FakeRds(statuses=["Waiting", "Success"], downloads=[{"FileName": "log_0003.trn", "Status": "Restored"}])
    opener, _ = make_opener(rds)
    with capture_logs() as logs:
        outcome = opener.process(upload())
    assert outcome.status == "opened"
    assert outcome.rds_request_id == "R-open"
    assert rds.count("CreateOnlineDatabaseTask") == 1
    sent = dict(rds.calls[[n for n, _ in rds.calls].index("CreateOnlineDatabaseTask")][1])
    assert sent["ClientToken"].startswith("opendb-")
    assert sent["CheckDBMode"] == "AsyncExecuteDBCheck"
    assert [entry["step"] for entry in logs][-1] == "outcome"


def test_waits_for_running_task_then_opens():
    rds = FakeRds(statuses=["Running", "Running", "Waiting"], downloads=[{"FileName": "log_0003.trn", "Status": "Restored"}])
    opener, clock = make_opener(rds)
    outcome = opener.process(upload())
    assert outcome.status == "opened"
    assert rds.count("DescribeMigrateTaskById") >= 3
    assert clock.now > 0


def test_not_ready_before_deadline_is_retryable():
    rds = FakeRds(statuses=["Running"])
    opener, clock = make_opener(rds, timeout=30.0)
    outcome = opener.process(upload())
    assert outcome.status == "failed"
    assert outcome.retryable
    assert type(outcome.error).__name__ == "NotReady"
    assert rds.count("CreateOnlineDatabaseTask") == 0
    assert clock.now < 30.0


def test_backup_file_not_restored_waits():
    rds = FakeRds(statuses=["Waiting"], downloads=[{"FileName": "log_0003.trn", "Status": "Restoring"}])
    opener, _ = make_opener(rds, timeout=10.0)
    outcome = opener.process(upload())
    assert outcome.status == "failed"
    assert outcome.retryable
    assert rds.count("CreateOnlineDatabaseTask") == 0


def test_failed_task_is_permanent():
    rds = FakeRds(statuses=["Failed"])
    opener, _ = make_opener(rds)
    outcome = opener.process(upload())
    assert outcome.status == "failed"
    assert not outcome.retryable
    assert rds.count("CreateOnlineDatabaseTask") == 0


def test_unsupported_downloads_api_falls_back_to_status():
    error = ApiError("x", service="rds", action="DescribeOssDownloads", status_code=400, code="UnsupportedOperation")
    rds = FakeRds(statuses=["Success"], download_error=error)
    opener, _ = make_opener(rds)
    with capture_logs() as logs:
        outcome = opener.process(upload())
    assert outcome.status == "opened"
    assert any("not supported" in entry["event"] for entry in logs)


def test_marker_object_skips_file_check():
    rds = FakeRds(statuses=["Success"])
    opener, _ = make_opener(rds)
    outcome = opener.process(upload(key="open/marker"))
    assert outcome.status == "opened"
    assert rds.count("DescribeOssDownloads") == 0


def test_throttled_open_retried_with_same_token():
    throttled = ApiError("t", service="rds", action="CreateOnlineDatabaseTask", status_code=400, code="Throttling.User", retryable=True)
    rds = FakeRds(statuses=["Success"], open_errors=[throttled, TransportError("reset", service="rds", action="X")])
    opener, _ = make_opener(rds, OPENDB_READINESS_CHECK="false")
    outcome = opener.process(upload(key="open/marker"))
    assert outcome.status == "opened"
    tokens = {params["ClientToken"] for name, params in rds.calls if name == "CreateOnlineDatabaseTask"}
    assert rds.count("CreateOnlineDatabaseTask") == 3
    assert len(tokens) == 1


def test_permanent_api_error_not_retried():
    denied = ApiError("d", service="rds", action="CreateOnlineDatabaseTask", status_code=403, code="Forbidden.RAM", retryable=False)
    rds = FakeRds(open_errors=[denied])
    opener, _ = make_opener(rds, OPENDB_READINESS_CHECK="false")
    outcome = opener.process(upload())
    assert outcome.status == "failed"
    assert not outcome.retryable
    assert outcome.to_dict()["error"]["code"] == "Forbidden.RAM"
    assert rds.count("CreateOnlineDatabaseTask") == 1


def test_no_metadata_skipped():
    rds = FakeRds()
    oss = FakeOss(metadata={"owner": "dba"})
    opener, _ = make_opener(rds, oss)
    outcome = opener.process(upload(metadata=None))
    assert outcome.status == "skipped"
    assert oss.heads == 1
    assert rds.calls == []


def test_head_object_metadata_used_when_event_has_none():
    rds = FakeRds(statuses=["Success"])
    oss = FakeOss(metadata=GOOD_META)
    opener, _ = make_opener(rds, oss)
    outcome = opener.process(upload(key="open/marker", metadata=None))
    assert outcome.status == "opened"
    assert outcome.parameters["DBName"] == "Sales"


def test_partial_metadata_rejected_without_rds_call():
    rds = FakeRds()
    opener, _ = make_opener(rds)
    with capture_logs() as logs:
        outcome = opener.process(upload(metadata={"rds-db-name": "Sales"}))
    assert outcome.status == "rejected"
    assert rds.calls == []
    error_lines = [entry for entry in logs if entry["log_level"] == "error"]
    assert error_lines[0]["error_class"] == "InvalidMetadata"
    assert error_lines[0]["metadata_key"] == "x-oss-meta-rds-instance-id"


def test_key_pattern_supplies_parameters():
    rds = FakeRds(statuses=["Success"])
    opener, _ = make_opener(rds, FakeOss(), OPENDB_KEY_PATTERN="open/{DBInstanceId}/{DBName}/{MigrateTaskId}")
    outcome = opener.process(upload(key="open/rm-bp1abc123def456/Sales/107081", metadata=None))
    assert outcome.status == "opened"
    assert outcome.parameters["MigrateTaskId"] == "107081"


def test_key_pattern_conflict_rejected():
    rds = FakeRds(statuses=["Success"])
    opener, _ = make_opener(rds, FakeOss(), OPENDB_KEY_PATTERN="open/{DBInstanceId}/{DBName}/{MigrateTaskId}")
    outcome = opener.process(upload(key="open/rm-bp1abc123def456/Other/107081"))
    assert outcome.status == "rejected"
    assert "conflicts" in outcome.error.message


def test_direct_parameters_unknown_key_rejected():
    rds = FakeRds()
    opener, _ = make_opener(rds)
    notice = Notice(source="direct", parameters={"DBInstanceId": "rm-bp1abc123def456", "DBName": "Sales", "MigrateTaskId": "1", "Force": "yes"})
    outcome = opener.process(notice)
    assert outcome.status == "rejected"
    assert "Force" in outcome.error.message


def test_unexpected_exception_becomes_failed_outcome():
    class Broken(FakeRds):
        def call(self, action, params, credentials, deadline=None):
            raise ZeroDivisionError("boom")

    opener, _ = make_opener(Broken())
    outcome = opener.process(upload())
    assert outcome.status == "failed"
    assert type(outcome.error).__name__ == "InternalError"
    assert not outcome.retryable


def test_after_open_watch_bounded_by_setting():
    rds = FakeRds(statuses=["Success"])
    opener, clock = make_opener(rds, timeout=600.0)
    outcome = opener.process(upload(key="open/marker"))
    assert outcome.status == "opened"
    assert outcome.details["taskStatus"] == "Success"
    assert clock.now <= 5.0 + 1e-9
