"""The whole path, from trigger bytes to an opened database, against the in-process emulator."""

import copy
import io
import json
import types
from pathlib import Path

import httpx
import pytest
from opendb_local.emulator import IN_PROCESS_OSS_ENDPOINT, IN_PROCESS_RDS_ENDPOINT, Emulator, Faults
from opendb_local import samples

from opendb import app, logs, settings as settings_module
from opendb.errors import RetryInvocation

ROOT = Path(__file__).resolve().parent.parent
STATE = json.loads((ROOT / "local/samples/state.json").read_text())
STS_KEY = "STS.NUemulatorSampleKey0001"
SECRET = STATE["AccessKeys"][STS_KEY]["AccessKeySecret"]
TOKEN = STATE["AccessKeys"][STS_KEY]["SecurityToken"]
INSTANCE = "rm-bp1opendbdemo0001"
BUCKET = "rds-backups"
KEY = "sales/sales_FULL_20240520.bak"


def context(request_id="fc-req-1", timeout=30):
    return types.SimpleNamespace(
        request_id=request_id,
        credentials=types.SimpleNamespace(access_key_id=STS_KEY, access_key_secret=SECRET, security_token=TOKEN),
        function=types.SimpleNamespace(name="open_database", timeout=timeout),
        region="cn-hangzhou",
        tracing=types.SimpleNamespace(span_context="trace123:span:0:1"),
    )


@pytest.fixture
def emulator():
    return Emulator(copy.deepcopy(STATE))


@pytest.fixture
def log_stream():
    stream = io.StringIO()
    logs.configure("debug", stream=stream)
    yield stream
    logs.configure()


def make_app(emulator, **env):
    environ = {
        "FC_REGION": "cn-hangzhou",
        "OPENDB_RDS_ENDPOINT": IN_PROCESS_RDS_ENDPOINT,
        "OPENDB_OSS_ENDPOINT": IN_PROCESS_OSS_ENDPOINT,
        "OPENDB_AFTER_OPEN_WAIT": "0",
        **env,
    }
    settings = settings_module.load(environ)
    return app.Application(settings, http=httpx.Client(transport=emulator.transport()))


def classic_event(key=KEY, event_name="ObjectCreated:PutObject", bucket=BUCKET):
    return json.dumps({
        "events": [{
            "eventName": event_name,
            "eventSource": "acs:oss",
            "eventTime": "2024-05-20T06:45:43.000Z",
            "eventVersion": "1.0",
            "region": "cn-hangzhou",
            "requestParameters": {"sourceIPAddress": "127.0.0.1"},
            "responseElements": {"requestId": "OSSREQ-1"},
            "oss": {
                "bucket": {"name": bucket, "arn": f"acs:oss:cn-hangzhou:1234567890123456:{bucket}", "ownerIdentity": "1234567890123456"},
                "object": {"key": key, "eTag": "E1", "size": 10, "deltaSize": 10},
                "ossSchemaVersion": "1.0",
                "ruleId": "rule",
            },
            "userIdentity": {"principalId": "1234567890123456"},
        }]
    }).encode()


def lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def put_object(emulator, key, metadata):
    emulator.state.buckets[BUCKET].objects  # the bucket must exist
    application = make_app(emulator)
    from opendb.credentials import Credentials
    from opendb.notices import ObjectRef

    application.oss.put_object(ObjectRef(BUCKET, key), b"backup bytes", Credentials(STS_KEY, SECRET, TOKEN), "application/octet-stream")
    # PutObject through our client carries no metadata headers, so set them with the emulator's own writer.
    for name, value in metadata.items():
        emulator.state.buckets[BUCKET].objects[key].metadata[name] = value


@pytest.mark.parametrize("signature_version", ["acs3", "v1"])
def test_upload_opens_database(emulator, log_stream, signature_version):
    application = make_app(emulator, OPENDB_SIGNATURE_VERSION=signature_version)
    result = application.handle(classic_event(), context())

    assert result["summary"] == {"opened": 1}
    record = result["records"][0]
    assert record["outcome"] == "opened"
    assert record["parameters"] == {
        "DBInstanceId": INSTANCE, "DBName": "sales", "MigrateTaskId": "107081", "CheckDBMode": "SyncExecuteDBCheck",
    }
    assert record["object"] == {"bucket": BUCKET, "key": KEY, "eTag": "E1"}
    assert record["rdsRequestId"]
    assert emulator.open_count(INSTANCE, "sales") == 1
    assert emulator.database_status(INSTANCE, "sales") == "Online"

    entries = lines(log_stream)
    steps = [entry.get("step") for entry in entries]
    assert steps[0] == "start"
    assert "resolve" in steps
    assert "readiness" in steps
    assert "open" in steps
    assert steps[-1] == "finish"
    for entry in entries:
        assert entry["fc_request_id"] == "fc-req-1"
        assert entry["trace_id"] == "trace123"
    outcome_line = [entry for entry in entries if entry.get("step") == "outcome"][0]
    assert outcome_line["oss_request_id"] == "OSSREQ-1"
    assert outcome_line["bucket"] == BUCKET
    assert outcome_line["key"] == KEY
    assert outcome_line["etag"] == "E1"
    assert outcome_line["rds_request_id"] == record["rdsRequestId"]
    assert outcome_line["outcome"] == "opened"


def test_duplicate_delivery_opens_once(emulator, log_stream):
    application = make_app(emulator)
    first = application.handle(classic_event(), context("fc-1"))
    second = application.handle(classic_event(), context("fc-2"))
    assert first["records"][0]["outcome"] == "opened"
    assert second["records"][0]["outcome"] == "opened"
    assert first["records"][0]["rdsRequestId"] == second["records"][0]["rdsRequestId"]
    assert emulator.open_count(INSTANCE, "sales") == 1


@pytest.mark.parametrize(
    ("event_name", "key"),
    [
        ("ObjectCreated:UploadPart", KEY),
        ("ObjectCreated:AppendObject", KEY),
        ("ObjectRemoved:DeleteObject", KEY),
        ("ObjectCreated:PutObject", "sales/"),
    ],
)
def test_non_upload_events_skipped(emulator, log_stream, event_name, key):
    result = make_app(emulator).handle(classic_event(key=key, event_name=event_name), context())
    assert result["summary"] == {"skipped": 1}
    assert result["records"][0]["reason"]
    assert emulator.calls.find(service="rds") == []
    assert [e for e in lines(log_stream) if e.get("outcome") == "skipped"]


def test_object_without_metadata_skipped(emulator, log_stream):
    put_object(emulator, "sales/readme.txt", {})
    result = make_app(emulator).handle(classic_event(key="sales/readme.txt"), context())
    assert result["summary"] == {"skipped": 1}
    assert len(emulator.calls.find(service="oss", action="HeadObject")) == 1
    assert emulator.calls.find(service="rds") == []


@pytest.mark.parametrize(
    ("metadata", "key_named"),
    [
        ({"x-oss-meta-rds-db-name": "sales"}, "x-oss-meta-rds-instance-id"),
        ({"x-oss-meta-rds-instance-id": INSTANCE, "x-oss-meta-rds-db-name": "sales", "x-oss-meta-rds-migrate-task-id": "abc"},
         "x-oss-meta-rds-migrate-task-id"),
        ({"x-oss-meta-rds-instance-id": "i-bad", "x-oss-meta-rds-db-name": "sales", "x-oss-meta-rds-migrate-task-id": "107081"},
         "x-oss-meta-rds-instance-id"),
        ({"x-oss-meta-rds-instance-id": INSTANCE, "x-oss-meta-rds-db-name": "sales", "x-oss-meta-rds-migrate-task-id": "107081",
          "x-oss-meta-rds-check-db-mode": "Quick"}, "x-oss-meta-rds-check-db-mode"),
    ],
)
def test_invalid_metadata_rejected_without_rds_call(emulator, log_stream, metadata, key_named):
    put_object(emulator, "sales/log_0002.trn", metadata)
    result = make_app(emulator).handle(classic_event(key="sales/log_0002.trn"), context())
    record = result["records"][0]
    assert record["outcome"] == "rejected"
    assert key_named in record["error"]["message"]
    assert emulator.calls.find(service="rds") == []
    error_lines = [e for e in lines(log_stream) if e["level"] == "error"]
    assert error_lines[0]["error_class"] == "InvalidMetadata"
    assert error_lines[0]["metadata_key"] == key_named


def test_metadata_names_case_insensitive_and_values_trimmed(emulator, log_stream):
    put_object(emulator, "sales/log_0003.trn", {
        "X-Oss-Meta-RDS-Instance-Id": f"  {INSTANCE} ",
        "x-oss-meta-rds-db-name": "sales",
        "x-oss-meta-rds-migrate-task-id": " 107081",
    })
    emulator.state.migrate_tasks["107081"].backup_files.append(
        type(emulator.state.migrate_tasks["107081"].backup_files[0])(
            **{**vars(emulator.state.migrate_tasks["107081"].backup_files[0]), "file_name": "sales/log_0003.trn"}
        )
    )
    result = make_app(emulator).handle(classic_event(key="sales/log_0003.trn"), context())
    assert result["records"][0]["outcome"] == "opened"
    assert result["records"][0]["parameters"]["DBInstanceId"] == INSTANCE


def test_running_task_raises_for_retry(emulator, log_stream):
    emulator.state.migrate_tasks["107081"].status = "Running"
    application = make_app(emulator)
    with pytest.raises(RetryInvocation) as caught:
        application.handle(classic_event(), context(timeout=5))
    assert caught.value.retryable
    assert caught.value.result["records"][0]["error"]["class"] == "NotReady"
    assert emulator.open_count(INSTANCE, "sales") == 0


def test_throttling_retried_then_opened(emulator, log_stream):
    emulator.faults = Faults(services=frozenset({"rds"}), actions=frozenset({"CreateOnlineDatabaseTask"}))
    emulator.faults.push("throttling", "throttling_429", "unavailable")
    result = make_app(emulator).handle(classic_event(), context())
    assert result["records"][0]["outcome"] == "opened"
    assert emulator.open_count(INSTANCE, "sales") == 1
    retries = [e for e in lines(log_stream) if e.get("step") == "retry"]
    assert [e["code"] for e in retries] == ["Throttling.User", "Throttling.User", "ServiceUnavailable"]


def test_wrong_secret_is_permanent_failure(emulator, log_stream):
    application = make_app(emulator, OPENDB_READINESS_CHECK="false")
    bad = context()
    bad.credentials.access_key_secret = "not-the-right-secret"
    result = application.handle(classic_event(key="open/marker"), bad)
    record = result["records"][0]
    assert record["outcome"] == "failed"
    assert record["error"]["retryable"] is False


def test_unparseable_event_rejected(emulator, log_stream):
    result = make_app(emulator).handle(b"\x00not json", context())
    assert result["summary"] == {"rejected": 1}
    assert result["records"][0]["error"]["class"] == "InvalidEvent"


def test_no_secret_in_any_log_line(emulator, log_stream):
    application = make_app(emulator)
    application.handle(classic_event(), context())
    bad = context()
    bad.credentials.access_key_secret = "not-the-right-secret-either"
    application.handle(classic_event(), bad)
    text = log_stream.getvalue()
    assert SECRET not in text
    assert TOKEN not in text
    assert "not-the-right-secret-either" not in text
    assert "Signature=" not in text.replace("Signature=[REDACTED]", "")


def test_direct_invocation_opens(emulator, log_stream):
    expected = {"DBInstanceId": INSTANCE, "DBName": "sales", "MigrateTaskId": "107081", "CheckDBMode": "SyncExecuteDBCheck"}
    result = make_app(emulator).handle(json.dumps(expected).encode(), context())
    assert result["records"][0]["parameters"] == expected
    assert result["records"][0]["outcome"] == "opened"
    assert emulator.open_count(INSTANCE, "sales") == 1


def _add_task(emulator, task_id, db_name, status):
    """Clone the sample task under a new id and database, with the given status."""
    import dataclasses

    template = emulator.state.migrate_tasks["107081"]
    emulator.state.migrate_tasks[task_id] = dataclasses.replace(
        template, task_id=task_id, db_name=db_name, status=status, backup_files=list(template.backup_files)
    )
    database = emulator.state.instances[INSTANCE].databases["sales"]
    emulator.state.instances[INSTANCE].databases[db_name] = dataclasses.replace(database, status="Restoring")


def _request(db_name, task_id):
    return {"DBInstanceId": INSTANCE, "DBName": db_name, "MigrateTaskId": task_id}


def test_batch_mixed_outcomes_then_raise(emulator, log_stream):
    _add_task(emulator, "200001", "hr", "Running")
    bodies = [
        samples.request_body(_request("sales", "107081")),                # opens
        "this is not a request",                                           # rejected: neither form
        samples.request_body(_request("hr", "200001"), encode=True),      # restore still running: retryable
        samples.request_body({**_request("sales", "107081"), "DBName": "tempdb"}),  # rejected: system database
    ]
    event = json.dumps(samples.mns_queue_batch(bodies)).encode()

    with pytest.raises(RetryInvocation) as caught:
        make_app(emulator).handle(event, context(timeout=4))
    records = caught.value.result["records"]

    assert [record["outcome"] for record in records] == ["opened", "rejected", "failed", "rejected"]
    assert records[1]["error"]["class"] == "InvalidEvent"
    assert records[2]["error"]["retryable"] is True
    assert records[3]["error"]["class"] == "InvalidMetadata"
    assert len({record["notice"] for record in records}) == 4
    assert emulator.open_count(INSTANCE, "sales") == 1
    assert emulator.open_count(INSTANCE, "hr") == 0
    outcome_lines = [e for e in lines(log_stream) if e.get("step") == "outcome"]
    assert len(outcome_lines) == 4
    assert len({e["message_id"] for e in outcome_lines}) == 4


def test_batch_with_only_permanent_failures_returns(emulator, log_stream):
    bodies = [
        samples.request_body(_request("sales", "107081")),
        "{\"DBInstanceId\": 5}",
        samples.request_body({**_request("sales", "107081"), "MigrateTaskId": "x1"}),
    ]
    result = make_app(emulator).handle(json.dumps(samples.mns_queue_batch(bodies)).encode(), context())
    assert [record["outcome"] for record in result["records"]] == ["opened", "rejected", "rejected"]
    assert result["summary"] == {"opened": 1, "rejected": 2}


def test_concurrent_invocations_keep_their_own_context(emulator, log_stream):
    import threading
    from collections import Counter

    application = make_app(emulator)
    request_ids = [f"fc-concurrent-{index}" for index in range(8)]
    results = {}
    barrier = threading.Barrier(len(request_ids))

    def invoke(request_id):
        barrier.wait()
        results[request_id] = application.handle(classic_event(), context(request_id))

    threads = [threading.Thread(target=invoke, args=(request_id,)) for request_id in request_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert {request_id: result["requestId"] for request_id, result in results.items()} == {r: r for r in request_ids}
    assert all(result["records"][0]["outcome"] == "opened" for result in results.values())
    assert emulator.open_count(INSTANCE, "sales") == 1

    entries = [entry for entry in lines(log_stream) if entry.get("step") != "initialize"]
    per_request = Counter(entry["fc_request_id"] for entry in entries)
    assert set(per_request) == set(request_ids)
    assert len(set(per_request.values())) == 1
    starts = Counter(entry["fc_request_id"] for entry in entries if entry["step"] == "start")
    assert starts == Counter({request_id: 1 for request_id in request_ids})
