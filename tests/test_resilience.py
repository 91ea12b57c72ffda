"""Readiness rules, retry and permanent error classes, deadlines and endpoint rules, through the emulator.

Every test drives ``Application.handle`` end to end against the in-process
emulator, with the emulator's own state, faults and call log as the oracle.
"""

from __future__ import annotations

import io
import json
import time
import types

import httpx
import pytest
from opendb_local import samples
from opendb_local.emulator import IN_PROCESS_OSS_ENDPOINT, IN_PROCESS_RDS_ENDPOINT, Emulator, Faults, StateError

from opendb import app, logs, settings as settings_module
from opendb.errors import RetryInvocation
from opendb.retry import Backoff

STS_KEY = "STS.resilienceTestKey0001"
SECRET = "resilience-test-sts-secret-0001"
TOKEN = "CAISresilienceTestSecurityToken0001"
INSTANCE = "rm-resilience0001"
DB = "sales"
TASK = "300001"
BUCKET = "rds-backups"
KEY = "sales/sales_full.bak"
FAILURES = "opendb-failures"
MARGIN = 0.5

# Short waits keep the tests fast. The number of attempts is the production default.
FAST_POLL = Backoff(base=0.01, cap=0.05, max_attempts=1000)
FAST_RETRY = Backoff(base=0.001, cap=0.01)

OPEN_METADATA = {
    "x-oss-meta-rds-instance-id": INSTANCE,
    "x-oss-meta-rds-db-name": DB,
    "x-oss-meta-rds-migrate-task-id": TASK,
}


def make_state(
    *,
    task_status="Success",
    file_status="Restored",
    file_name=KEY,
    instance=None,
    access_key=None,
    metadata=OPEN_METADATA,
):
    return {
        "Region": "cn-hangzhou",
        "AccessKeys": {
            STS_KEY: {
                "AccessKeySecret": SECRET,
                "SecurityToken": TOKEN,
                "Expiration": "2099-12-31T00:00:00Z",
                **(access_key or {}),
            }
        },
        "Buckets": {
            BUCKET: {"Objects": {KEY: {"Size": 10, "Metadata": dict(metadata)}}},
            FAILURES: {"Objects": {}},
        },
        "DBInstances": {
            INSTANCE: {
                "Engine": "SQLServer",
                "Status": "Running",
                "Databases": {DB: {"Status": "Restoring"}},
                **(instance or {}),
            }
        },
        "MigrateTasks": {
            TASK: {
                "DBInstanceId": INSTANCE,
                "DBName": DB,
                "Status": task_status,
                "BackupFiles": [{"FileName": file_name, "Status": file_status}],
            }
        },
    }


def context(request_id="fc-1", timeout=10.0, secret=SECRET, access_key_id=STS_KEY):
    return types.SimpleNamespace(
        request_id=request_id,
        credentials=types.SimpleNamespace(access_key_id=access_key_id, access_key_secret=secret, security_token=TOKEN),
        function=types.SimpleNamespace(name="open_database", timeout=timeout),
        region="cn-hangzhou",
    )


def make_settings(**env):
    environ = {
        "FC_REGION": "cn-hangzhou",
        "OPENDB_RDS_ENDPOINT": IN_PROCESS_RDS_ENDPOINT,
        "OPENDB_OSS_ENDPOINT": IN_PROCESS_OSS_ENDPOINT,
        "OPENDB_AFTER_OPEN_WAIT": "0",
        "OPENDB_FAILURE_BUCKET": FAILURES,
        "OPENDB_DEADLINE_MARGIN": str(MARGIN),
        "OPENDB_HTTP_TIMEOUT": "2",
        **env,
    }
    return settings_module.load({name: value for name, value in environ.items() if value is not None})


class RecordingTransport(httpx.BaseTransport):
    """Pass requests to another transport and keep every URL."""

    def __init__(self, inner):
        self.inner = inner
        self.urls = []

    def handle_request(self, request):
        self.urls.append(request.url)
        return self.inner.handle_request(request)


def make_app(emulator, **env):
    transport = RecordingTransport(emulator.transport())
    application = app.Application(make_settings(**env), http=httpx.Client(transport=transport))
    application.transport = transport
    return application


def handle(application, event, *, timeout=10.0, request_id="fc-1", **context_options):
    payload = event if isinstance(event, bytes) else json.dumps(event).encode()
    return application.handle(
        payload, context(request_id, timeout, **context_options), backoff=FAST_RETRY, poll=FAST_POLL
    )


def upload_event(key=KEY, bucket=BUCKET, **record):
    return samples.oss_event(bucket=bucket, key=key, **record)


def direct_event(**parameters):
    return samples.direct_request({"DBInstanceId": INSTANCE, "DBName": DB, "MigrateTaskId": TASK, **parameters})


def failure_records(emulator):
    objects = emulator.state.buckets[FAILURES].objects
    return [json.loads(stored.body) for stored in objects.values()]


def rds_actions(emulator):
    return [call.action for call in emulator.calls.find(service="rds")]


@pytest.fixture
def log_stream():
    stream = io.StringIO()
    logs.configure("debug", stream=stream)
    yield stream
    logs.configure()


def log_lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


# -- readiness --------------------------------------------------------------


@pytest.mark.parametrize("status", ["NoStart", "Running"])
def test_readiness_waits_for_task(status):
    emulator = Emulator(make_state(task_status=status, file_status="Restoring"))
    emulator.schedule_task_status(TASK, "Success", after_calls=2, file_status="Restored")

    result = handle(make_app(emulator), upload_event())

    assert result["summary"] == {"opened": 1}
    assert emulator.open_count(INSTANCE, DB) == 1
    # The first two status reads see the old status; the open follows the third.
    assert rds_actions(emulator) == [
        "DescribeMigrateTaskById",
        "DescribeMigrateTaskById",
        "DescribeMigrateTaskById",
        "DescribeOssDownloads",
        "CreateOnlineDatabaseTask",
    ]


@pytest.mark.parametrize("status", ["NoStart", "Running"])
def test_readiness_not_ready_retries_invocation(status):
    emulator = Emulator(make_state(task_status=status, file_status="Restoring"))
    application = make_app(emulator)

    started = time.monotonic()
    with pytest.raises(RetryInvocation) as caught:
        handle(application, upload_event(), timeout=1.0)
    elapsed = time.monotonic() - started

    record = caught.value.result["records"][0]
    assert record["outcome"] == "failed"
    assert record["error"]["class"] == "NotReady"
    assert record["error"]["retryable"] is True
    assert "CreateOnlineDatabaseTask" not in rds_actions(emulator)
    assert elapsed < 1.0 - MARGIN + 0.3
    assert failure_records(emulator) == []

    emulator.schedule_task_status(TASK, "Success", after_calls=0, file_status="Restored")
    result = handle(application, upload_event(), request_id="fc-2")
    assert result["summary"] == {"opened": 1}
    assert emulator.open_count(INSTANCE, DB) == 1


@pytest.mark.parametrize(
    ("task_status", "file_status"),
    [("Failed", "Restoring"), ("Success", "RestoreFailed")],
)
def test_readiness_failed_is_permanent(task_status, file_status):
    emulator = Emulator(make_state(task_status=task_status, file_status=file_status))

    result = handle(make_app(emulator), upload_event())

    record = result["records"][0]
    assert record["outcome"] == "failed"
    assert record["error"]["code"] == "MigrateTaskFailed"
    assert record["error"]["retryable"] is False
    assert record["failureRecord"].startswith(f"oss://{FAILURES}/")
    assert "CreateOnlineDatabaseTask" not in rds_actions(emulator)
    stored = failure_records(emulator)
    assert len(stored) == 1
    assert stored[0]["outcome"]["error"]["code"] == "MigrateTaskFailed"
    assert stored[0]["replayEvent"]["events"][0]["oss"]["object"]["key"] == KEY


def test_readiness_waits_for_file():
    emulator = Emulator(make_state(task_status="Waiting", file_status="Restoring"))
    emulator.schedule_task_status(TASK, "Waiting", after_calls=2, file_status="Restored")

    result = handle(make_app(emulator), upload_event())

    assert result["summary"] == {"opened": 1}
    assert emulator.open_count(INSTANCE, DB) == 1
    # The file turns Restored when the second status read returns, so the second listing shows it.
    assert rds_actions(emulator).count("DescribeOssDownloads") == 2
    assert rds_actions(emulator)[-1] == "CreateOnlineDatabaseTask"


def test_readiness_file_not_listed(log_stream):
    emulator = Emulator(make_state(file_name="sales/another_full.bak"))

    with pytest.raises(RetryInvocation) as caught:
        handle(make_app(emulator), upload_event(), timeout=1.0)

    error = caught.value.result["records"][0]["error"]
    assert error["retryable"] is True
    assert emulator.open_count(INSTANCE, DB) == 0
    checks = [line for line in log_lines(log_stream) if line.get("step") == "readiness"]
    assert checks
    for line in checks:
        assert line["ready"] is False
        assert "not yet listed" in line["message"]


def test_readiness_downloads_unsupported(log_stream):
    emulator = Emulator(make_state(file_status="Restoring", instance={"OssDownloadsSupported": False}))

    result = handle(make_app(emulator), upload_event())

    assert result["summary"] == {"opened": 1}
    assert emulator.open_count(INSTANCE, DB) == 1
    downloads = emulator.calls.find(action="DescribeOssDownloads")
    assert [call.code for call in downloads] == ["UnsupportedOperation"]
    warnings = [line for line in log_lines(log_stream) if line["level"] == "warning"]
    assert [line["code"] for line in warnings] == ["UnsupportedOperation"]


def test_emulator_downloads_flag_validated():
    state = make_state(instance={"OssDownloadsSupported": "no"})
    with pytest.raises(StateError, match="OssDownloadsSupported"):
        Emulator(state)


# -- retryable faults -------------------------------------------------------

# Fault kind, the error class the function raises for it, and its Code.
RDS_RETRY_FAULTS = [
    ("throttling", "ApiError", "Throttling.User"),
    ("throttling_429", "ApiError", "Throttling.User"),
    ("unavailable", "ApiError", "ServiceUnavailable"),
    ("internal_error", "ApiError", "InternalError"),
    ("html_body", "ApiError", "HTTP502"),
    ("empty_body", "ApiError", "HTTP500"),
    ("delay", "TransportError", None),
    ("drop", "TransportError", None),
    ("lost_response", "TransportError", None),
]
# HeadObject responses have no body: the Code comes from the x-oss-err header
# when OSS sends one, and from the status alone when a gateway's page or an
# empty response replaces OSS's.
OSS_RETRY_FAULTS = [
    ("throttling", "ApiError", "ServiceUnavailable"),
    ("throttling_429", "ApiError", "ServiceUnavailable"),
    ("unavailable", "ApiError", "ServiceUnavailable"),
    ("internal_error", "ApiError", "InternalError"),
    ("html_body", "ApiError", "HTTP502"),
    ("empty_body", "ApiError", "HTTP500"),
    ("delay", "TransportError", None),
    ("drop", "TransportError", None),
    ("lost_response", "TransportError", None),
]


def faulty_emulator(service, action, **state_options):
    faults = Faults(services=frozenset({service}), actions=frozenset({action}), delay_seconds=0.3)
    return Emulator(make_state(**state_options), faults=faults)


@pytest.mark.parametrize(("kind", "error_class", "code"), RDS_RETRY_FAULTS)
def test_rds_fault_retried(log_stream, kind, error_class, code):
    emulator = faulty_emulator("rds", "CreateOnlineDatabaseTask")
    emulator.faults.push(kind)

    result = handle(make_app(emulator, OPENDB_HTTP_TIMEOUT="0.1"), upload_event())

    assert result["summary"] == {"opened": 1}
    assert emulator.open_count(INSTANCE, DB) == 1
    retries = [line for line in log_lines(log_stream) if line.get("step") == "retry"]
    assert [line["error_class"] for line in retries] == [error_class]
    assert [line.get("code") for line in retries] == [code]
    assert [call.fault for call in emulator.calls.find(action="CreateOnlineDatabaseTask")][0] == kind


@pytest.mark.parametrize(("kind", "error_class", "code"), OSS_RETRY_FAULTS)
def test_oss_fault_retried(log_stream, kind, error_class, code):
    emulator = faulty_emulator("oss", "HeadObject")
    emulator.faults.push(kind)

    result = handle(make_app(emulator, OPENDB_HTTP_TIMEOUT="0.1"), upload_event())

    assert result["summary"] == {"opened": 1}
    retries = [line for line in log_lines(log_stream) if line.get("step") == "retry"]
    assert [line["error_class"] for line in retries] == [error_class]
    assert [line.get("code") for line in retries] == [code]
    assert [call.fault for call in emulator.calls.find(action="HeadObject")][0] == kind


@pytest.mark.parametrize(("kind", "error_class", "code"), RDS_RETRY_FAULTS)
def test_rds_fault_persists(kind, error_class, code):
    emulator = faulty_emulator("rds", "CreateOnlineDatabaseTask")
    emulator.faults.push(*[kind] * FAST_RETRY.max_attempts)
    application = make_app(emulator, OPENDB_HTTP_TIMEOUT="0.1")

    with pytest.raises(RetryInvocation) as caught:
        handle(application, upload_event())

    error = caught.value.result["records"][0]["error"]
    assert error["class"] == error_class
    assert error.get("code") == code
    assert error["retryable"] is True
    assert len(emulator.calls.find(action="CreateOnlineDatabaseTask")) == FAST_RETRY.max_attempts
    assert failure_records(emulator) == []

    # FC delivers the event again: the ClientToken makes a lost open count once.
    result = handle(application, upload_event(), request_id="fc-2")
    assert result["summary"] == {"opened": 1}
    assert emulator.open_count(INSTANCE, DB) == 1


@pytest.mark.parametrize(
    ("state_options", "code"),
    [
        ({"instance": {"Status": "Restarting"}}, "IncorrectDBInstanceState"),
        ({"access_key": {"Expiration": "2020-01-01T00:00:00Z"}}, "InvalidSecurityToken.Expired"),
    ],
)
def test_rds_state_retried(state_options, code):
    emulator = Emulator(make_state(**state_options))

    with pytest.raises(RetryInvocation) as caught:
        handle(make_app(emulator), direct_event())

    error = caught.value.result["records"][0]["error"]
    assert error["code"] == code
    assert error["retryable"] is True
    assert emulator.open_count(INSTANCE, DB) == 0


# -- permanent failures -----------------------------------------------------


@pytest.mark.parametrize(
    ("faults", "kind", "code"),
    [
        (Faults(html_status=403), "html_body", "HTTP403"),
        (Faults(empty_body_status=400), "empty_body", "HTTP400"),
        (Faults(html_status=404), "html_body", "HTTP404"),
    ],
)
def test_raw_error_body_permanent(faults, kind, code):
    faults.services = frozenset({"rds"})
    faults.actions = frozenset({"CreateOnlineDatabaseTask"})
    faults.push(kind)
    emulator = Emulator(make_state(), faults=faults)

    result = handle(make_app(emulator), upload_event())

    record = result["records"][0]
    assert record["outcome"] == "failed"
    assert record["error"]["class"] == "ApiError"
    assert record["error"]["code"] == code
    assert record["error"]["retryable"] is False
    assert len(emulator.calls.find(action="CreateOnlineDatabaseTask")) == 1
    assert len(failure_records(emulator)) == 1


@pytest.mark.parametrize(
    ("event", "state_options", "code"),
    [
        (direct_event(MigrateTaskId="999999"), {}, "InvalidMigrateTaskId.NotFound"),
        (direct_event(DBInstanceId="rm-unknown00001"), {}, "InvalidDBInstanceId.NotFound"),
        (direct_event(DBName="crm"), {}, "InvalidDBName.NotFound"),
        (
            direct_event(),
            {"access_key": {"AllowedActions": ["rds:DescribeMigrateTaskById", "rds:DescribeOssDownloads", "oss:*"]}},
            "Forbidden.RAM",
        ),
        (upload_event(key="sales/missing_full.bak"), {}, "NoSuchKey"),
        (upload_event(), {"access_key": {"AllowedActions": ["rds:*", "oss:PutObject"]}}, "AccessDenied"),
    ],
)
def test_api_error_permanent(event, state_options, code):
    emulator = Emulator(make_state(**state_options))

    result = handle(make_app(emulator), event)

    record = result["records"][0]
    assert record["outcome"] == "failed"
    assert record["error"]["code"] == code
    assert record["error"]["retryable"] is False
    assert emulator.open_count(INSTANCE, DB) == 0
    stored = failure_records(emulator)
    assert [item["outcome"]["error"]["code"] for item in stored] == [code]


@pytest.mark.parametrize(
    ("context_options", "code"),
    [
        ({"secret": "not-the-sts-secret"}, "SignatureDoesNotMatch"),
        ({"access_key_id": "STS.unknownKey000001"}, "InvalidAccessKeyId.NotFound"),
    ],
)
def test_credentials_error_unrecorded(context_options, code):
    emulator = Emulator(make_state())

    # The failure record is signed with the same credentials, so OSS refuses it too, and FC must retry.
    with pytest.raises(RetryInvocation) as caught:
        handle(make_app(emulator), direct_event(), **context_options)

    record = caught.value.result["records"][0]
    assert record["outcome"] == "failed"
    assert record["error"]["code"] == code
    assert record["error"]["retryable"] is False
    assert "failureRecord" not in record
    assert failure_records(emulator) == []


def test_failure_record_lost_then_written():
    faults = Faults(services=frozenset({"oss"}), actions=frozenset({"PutObject"}))
    faults.push("unavailable", "drop", "internal_error")
    emulator = Emulator(make_state(task_status="Failed"), faults=faults)
    application = make_app(emulator)

    with pytest.raises(RetryInvocation) as caught:
        handle(application, upload_event())

    record = caught.value.result["records"][0]
    assert record["outcome"] == "failed"
    assert record["error"]["retryable"] is False
    assert "failureRecord" not in record
    assert failure_records(emulator) == []

    result = handle(application, upload_event(), request_id="fc-2")
    assert result["records"][0]["failureRecord"].startswith(f"oss://{FAILURES}/")
    assert len(failure_records(emulator)) == 1


def test_failure_record_optional():
    emulator = Emulator(make_state(task_status="Failed"))

    result = handle(make_app(emulator, OPENDB_FAILURE_BUCKET=None), upload_event())

    record = result["records"][0]
    assert record["outcome"] == "failed"
    assert "failureRecord" not in record


def test_invalid_metadata_rejected():
    metadata = {**OPEN_METADATA, "x-oss-meta-rds-migrate-task-id": "task-1"}
    emulator = Emulator(make_state(metadata=metadata))

    result = handle(make_app(emulator), upload_event())

    record = result["records"][0]
    assert record["outcome"] == "rejected"
    assert record["error"]["class"] == "InvalidMetadata"
    assert rds_actions(emulator) == []
    assert len(failure_records(emulator)) == 1


# -- deadline ---------------------------------------------------------------


@pytest.mark.parametrize("action", ["HeadObject", "DescribeMigrateTaskById", "CreateOnlineDatabaseTask"])
def test_long_delay_stops_at_deadline(action):
    service = "oss" if action == "HeadObject" else "rds"
    faults = Faults(services=frozenset({service}), actions=frozenset({action}), delay=1.0, delay_seconds=30.0)
    emulator = Emulator(make_state(), faults=faults)
    # One request may take 10 s, far longer than the 1.5 s the function has.
    application = make_app(emulator, OPENDB_HTTP_TIMEOUT="10")

    started = time.monotonic()
    with pytest.raises(RetryInvocation) as caught:
        handle(application, upload_event(), timeout=1.5)
    elapsed = time.monotonic() - started

    error = caught.value.result["records"][0]["error"]
    assert error["class"] in ("TransportError", "DeadlineExceeded")
    assert error["retryable"] is True
    assert elapsed < 1.5 - MARGIN + 0.3


# -- endpoints and allow-lists ----------------------------------------------

HOSTILE_BUCKETS = [
    "evil.example.com#",
    "attacker.example.com/x?",
    "a@evil.example.com",
    "evil.example.com:443",
    "Evil-Example",
    "rds-backups\n",
]
HOSTILE_REGIONS = [
    "x.evil.example.com/",
    "cn-hangzhou.evil.example.com#",
    "cn-hangzhou@evil.example.com",
    "cn-hangzhou:443",
]
HOSTILE_KEYS = [
    "http://evil.example.com/x.bak",
    "//evil.example.com/x.bak",
    "@evil.example.com/x.bak",
    "../../evil.example.com/x.bak",
    "a?host=evil.example.com#x.bak",
    "%2F%2Fevil.example.com%2Fx.bak",
]


def hostile_events():
    events = [upload_event(bucket=bucket) for bucket in HOSTILE_BUCKETS]
    events += [upload_event(region=region) for region in HOSTILE_REGIONS]
    events += [upload_event(key=key) for key in HOSTILE_KEYS]
    events.append(samples.oss_eventbridge_event(bucket="evil.example.com#", key=KEY))
    events.append(direct_event(Endpoint="http://evil.example.com", RegionId="evil.example.com"))
    return events


@pytest.mark.parametrize("event", hostile_events())
def test_event_cannot_change_emulator_host(event):
    emulator = Emulator(make_state())
    application = make_app(emulator)

    result = handle(application, event)

    assert result["records"]
    configured = {httpx.URL(IN_PROCESS_RDS_ENDPOINT).netloc, httpx.URL(IN_PROCESS_OSS_ENDPOINT).netloc}
    assert application.transport.urls
    for url in application.transport.urls:
        assert url.scheme == "http"
        assert url.netloc in configured
    for call in emulator.calls.all():
        if call.service == "oss":
            assert call.parameters["bucket"] in (BUCKET, FAILURES)


@pytest.mark.parametrize("event", hostile_events())
def test_event_cannot_change_default_host(event):
    seen = []

    def refuse(request):
        seen.append(request.url)
        return httpx.Response(403, text="<Error><Code>AccessDenied</Code></Error>")

    # Default endpoints, and a transport that responds to every request itself, so nothing leaves the process.
    settings = settings_module.load({"FC_REGION": "cn-hangzhou", "OPENDB_FAILURE_BUCKET": FAILURES, "OPENDB_AFTER_OPEN_WAIT": "0"})
    application = app.Application(settings, http=httpx.Client(transport=httpx.MockTransport(refuse)))

    try:
        result = handle(application, event)
    except RetryInvocation as error:
        result = error.result

    assert result["records"]
    allowed_hosts = {
        "rds.aliyuncs.com",
        f"{BUCKET}.oss-cn-hangzhou-internal.aliyuncs.com",
        f"{FAILURES}.oss-cn-hangzhou-internal.aliyuncs.com",
    }
    for url in seen:
        assert url.scheme == "https"
        assert url.host in allowed_hosts
        assert "evil" not in url.host


@pytest.mark.parametrize("bucket", HOSTILE_BUCKETS)
def test_hostile_bucket_rejected(bucket):
    emulator = Emulator(make_state())

    result = handle(make_app(emulator), upload_event(bucket=bucket))

    record = result["records"][0]
    assert record["outcome"] == "rejected"
    assert record["error"]["class"] == "InvalidEvent"
    assert emulator.calls.find(action="HeadObject") == []
    assert rds_actions(emulator) == []


def test_other_region_bucket_host():
    seen = []

    def refuse(request):
        seen.append(request.url)
        return httpx.Response(403)

    settings = settings_module.load({"FC_REGION": "cn-hangzhou", "OPENDB_AFTER_OPEN_WAIT": "0"})
    application = app.Application(settings, http=httpx.Client(transport=httpx.MockTransport(refuse)))

    handle(application, upload_event(region="cn-beijing"))

    assert [url.host for url in seen] == [f"{BUCKET}.oss-cn-beijing.aliyuncs.com"]


@pytest.mark.parametrize(
    ("env", "event"),
    [
        ({"OPENDB_ALLOWED_BUCKETS": "other-backups"}, upload_event()),
        ({"OPENDB_ALLOWED_PREFIXES": "crm/,hr/"}, upload_event()),
        ({"OPENDB_ALLOWED_INSTANCES": "rm-other000001"}, upload_event()),
        ({"OPENDB_ALLOWED_INSTANCES": "rm-other000001"}, direct_event()),
    ],
)
def test_allow_list_rejects(env, event):
    emulator = Emulator(make_state())

    result = handle(make_app(emulator, **env), event)

    record = result["records"][0]
    assert record["outcome"] == "rejected"
    assert record["error"]["class"] == "NotAllowed"
    assert rds_actions(emulator) == []
    assert emulator.open_count(INSTANCE, DB) == 0
    assert len(failure_records(emulator)) == 1


@pytest.mark.parametrize("env", [{"OPENDB_ALLOWED_BUCKETS": "other-backups"}, {"OPENDB_ALLOWED_PREFIXES": "crm/"}])
def test_allow_list_unrelated_upload(env):
    # An upload without opendb metadata is no open request, wherever it is, so it is skipped without a record.
    emulator = Emulator(make_state(metadata={}))

    result = handle(make_app(emulator, **env), upload_event())

    assert result["summary"] == {"skipped": 1}
    assert rds_actions(emulator) == []
    assert failure_records(emulator) == []


def test_allow_list_admits():
    env = {
        "OPENDB_ALLOWED_BUCKETS": f"other-backups,{BUCKET}",
        "OPENDB_ALLOWED_PREFIXES": "crm/,sales/",
        "OPENDB_ALLOWED_INSTANCES": f"rm-other000001,{INSTANCE}",
    }
    emulator = Emulator(make_state())

    result = handle(make_app(emulator, **env), upload_event())

    assert result["summary"] == {"opened": 1}
    assert emulator.open_count(INSTANCE, DB) == 1


def test_dot_segment_key_exact():
    key = "sales/../sales/./sales_full.bak"
    state = make_state(file_name=key)
    state["Buckets"][BUCKET]["Objects"] = {key: {"Size": 10, "Metadata": OPEN_METADATA}}
    emulator = Emulator(state)

    result = handle(make_app(emulator), upload_event(key=key))

    assert result["summary"] == {"opened": 1}
    assert [call.parameters["key"] for call in emulator.calls.find(action="HeadObject")] == [key]


def test_bucket_rule_matches_oss():
    # Names OSS accepts must still work: 3 and 63 characters, digits, inner hyphens.
    for bucket in ("abc", "a" * 63, "backup-2024", "0db"):
        seen = []

        def refuse(request):
            seen.append(request.url)
            return httpx.Response(404)

        settings = settings_module.load({"FC_REGION": "cn-hangzhou", "OPENDB_AFTER_OPEN_WAIT": "0"})
        application = app.Application(settings, http=httpx.Client(transport=httpx.MockTransport(refuse)))
        handle(application, upload_event(bucket=bucket))
        assert [url.host for url in seen] == [f"{bucket}.oss-cn-hangzhou-internal.aliyuncs.com"]
