"""Property tests of the whole handler: any input ends in classified records, never in an unexpected exception.

Each example runs ``Application.handle`` against a fresh in-process emulator.
The only exception allowed out of the handler is RetryInvocation, and then
at least one record must be retryable. Every record has one of the four
outcomes, and a rejected or failed record names an error class from
opendb.errors, never the InternalError wrapper that marks a bug.
"""

from __future__ import annotations

import copy
import json
import types

import httpx
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from opendb_local import samples
from opendb_local.emulator import FAULT_KINDS, IN_PROCESS_OSS_ENDPOINT, IN_PROCESS_RDS_ENDPOINT, Emulator, Faults

from opendb import app, errors, settings as settings_module
from opendb.errors import RetryInvocation
from opendb.retry import Backoff

STS_KEY = "STS.fuzzTestKey000001"
SECRET = "fuzz-test-sts-secret-0001"
TOKEN = "CAISfuzzTestSecurityToken0001"
INSTANCE = samples.REQUEST_PARAMETERS["DBInstanceId"]
DB = samples.REQUEST_PARAMETERS["DBName"]
TASK = samples.REQUEST_PARAMETERS["MigrateTaskId"]
BUCKET = samples.BUCKET
KEY = samples.KEY
FAILURES = "opendb-failures"

OUTCOMES = {"opened", "skipped", "rejected", "failed"}
ERROR_CLASSES = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.OpendbError) and value is not errors.RetryInvocation
}
FAST_POLL = Backoff(base=0.005, cap=0.02, max_attempts=1000)
FAST_RETRY = Backoff(base=0.001, cap=0.005)

OPEN_METADATA = {
    "rds-instance-id": INSTANCE,
    "rds-db-name": DB,
    "rds-migrate-task-id": TASK,
    "rds-check-db-mode": "SyncExecuteDBCheck",
}
STATE = {
    "Region": "cn-hangzhou",
    "AccessKeys": {STS_KEY: {"AccessKeySecret": SECRET, "SecurityToken": TOKEN, "Expiration": "2099-12-31T00:00:00Z"}},
    "Buckets": {
        BUCKET: {
            "Objects": {
                KEY: {"Size": 10, "Metadata": {f"x-oss-meta-{name}": value for name, value in OPEN_METADATA.items()}},
                "backups/readme.txt": {"Size": 10},
            }
        },
        FAILURES: {"Objects": {}},
    },
    "DBInstances": {INSTANCE: {"Engine": "SQLServer", "Status": "Running", "Databases": {DB: {"Status": "Restoring"}}}},
    "MigrateTasks": {
        TASK: {"DBInstanceId": INSTANCE, "DBName": DB, "Status": "Success", "BackupFiles": [{"FileName": KEY}]}
    },
}
CREDENTIALS = types.SimpleNamespace(access_key_id=STS_KEY, access_key_secret=SECRET, security_token=TOKEN)
# With the 0.5 s margin, 0.1 s is left for the work, which keeps examples that wait for readiness short.
SHORT_TIMEOUT = 0.6
SETTINGS = settings_module.load({
    "FC_REGION": "cn-hangzhou",
    "OPENDB_RDS_ENDPOINT": IN_PROCESS_RDS_ENDPOINT,
    "OPENDB_OSS_ENDPOINT": IN_PROCESS_OSS_ENDPOINT,
    "OPENDB_AFTER_OPEN_WAIT": "0",
    "OPENDB_FAILURE_BUCKET": FAILURES,
    "OPENDB_DEADLINE_MARGIN": "0.5",
    "OPENDB_HTTP_TIMEOUT": "0.02",
})

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def handle(payload, faults=None, timeout=SHORT_TIMEOUT):
    """Run the handler once on a fresh emulator and check every record; return the records and the emulator."""
    emulator = Emulator(copy.deepcopy(STATE), faults=faults)
    application = app.Application(SETTINGS, http=httpx.Client(transport=emulator.transport()))
    context = types.SimpleNamespace(
        request_id="fc-fuzz",
        credentials=CREDENTIALS,
        function=types.SimpleNamespace(name="open_database", timeout=timeout),
        region="cn-hangzhou",
    )
    try:
        result = application.handle(payload, context, backoff=FAST_RETRY, poll=FAST_POLL)
    except RetryInvocation as error:
        result = error.result
        # FC retries a record that can succeed later, and a permanent failure whose record was not written.
        assert any(
            record["error"]["retryable"] or "failureRecord" not in record
            for record in result["records"]
            if record["outcome"] in ("rejected", "failed")
        )

    records = result["records"]
    assert records
    assert sum(result["summary"].values()) == len(records)
    for record in records:
        if currently_in_test_context():
            # Shown by --hypothesis-show-statistics, to see which paths the examples reach.
            event(f"{record['outcome']} {record.get('error', {}).get('class', '')}".strip())
        assert record["outcome"] in OUTCOMES
        if record["outcome"] in ("rejected", "failed"):
            assert record["error"]["class"] in ERROR_CLASSES
            assert record["error"]["class"] != "InternalError", record["error"]["message"]
        if record["outcome"] == "opened":
            assert "error" not in record
    assert emulator.open_count(INSTANCE, DB) <= 1
    return records, emulator


def encode(event):
    return event.encode() if isinstance(event, str) else json.dumps(event).encode()


# -- inputs -----------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)
# Names the parsers look for, so that random objects reach past the first check.
FIELD_NAMES = [
    "events", "eventName", "oss", "bucket", "object", "key", "name", "objectMeta", "userMeta", "region",
    "Message", "MessageId", "TopicOwner", "body", "attrs", "data", "messageBody", "specversion", "type",
    "source", "id", "DBInstanceId", "DBName", "MigrateTaskId", "CheckDBMode",
]
shaped_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(FIELD_NAMES), children, max_size=6),
    max_leaves=30,
)

# Values that replace a field: other JSON types, huge and unusual text.
replacements = st.one_of(
    json_scalars,
    st.lists(json_scalars, max_size=3),
    st.dictionaries(st.text(max_size=8), json_scalars, max_size=3),
    st.just("x" * 100_000),
    st.just("\u0000\u200b\ufeff\U0001f600 ../../\r\n"),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=80),
)


def valid_events():
    """One realistic payload of each trigger form, from the sample builders."""
    request = samples.request_body()
    return [
        samples.oss_event(),
        samples.oss_event(meta=OPEN_METADATA),
        samples.oss_event(key="backups/readme.txt"),
        samples.oss_eventbridge_event(),
        samples.oss_eventbridge_event(meta=OPEN_METADATA),
        samples.direct_request(),
        samples.mns_topic_json(request),
        samples.mns_topic_json(samples.oss_notification_body()),
        samples.mns_topic_stream(request),
        samples.mns_topic_stream(request, attributes={"source": "fuzz"}),
        samples.mns_queue_event(samples.request_body(encode=True)),
        samples.mns_queue_batch([request, samples.oss_notification_body()]),
    ]


def paths(value, prefix=()):
    """Every path to a value inside nested dicts and lists, the root included."""
    found = [prefix]
    if isinstance(value, dict):
        for name, child in value.items():
            found += paths(child, prefix + (name,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths(child, prefix + (index,))
    return found


def mutate(data, event):
    """Apply one drawn mutation to a copy of ``event`` and return it."""
    event = copy.deepcopy(event)
    path = data.draw(st.sampled_from([path for path in paths(event) if path]))
    parent = event
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    operation = data.draw(st.sampled_from(["drop", "rename", "replace", "embed"]))

    if operation == "drop":
        del parent[last]
    elif operation == "rename" and isinstance(parent, dict):
        new_name = data.draw(st.sampled_from([str(last).upper(), str(last).lower(), "x-" + str(last)]) | st.text(max_size=10))
        parent[new_name] = parent.pop(last)
    elif operation == "embed" and isinstance(parent[last], str):
        # String fields may carry JSON (MNS bodies): mutate inside it when it parses.
        try:
            inner = json.loads(parent[last])
        except ValueError:
            inner = None
        if isinstance(inner, (dict, list)) and paths(inner)[1:]:
            parent[last] = json.dumps(mutate(data, inner))
        else:
            parent[last] = parent[last] + data.draw(st.text(max_size=20))
    else:
        parent[last] = data.draw(replacements)
    return event


# -- properties ---------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=2048))
def test_handler_random_bytes(payload):
    handle(payload)


@FUZZ
@given(json_values)
def test_handler_random_json(value):
    handle(json.dumps(value).encode())


@FUZZ
@given(shaped_values)
def test_handler_shaped_json(value):
    handle(json.dumps(value).encode())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_handler_mutated_events(data):
    event = data.draw(st.sampled_from(valid_events()))
    if isinstance(event, str):
        position = data.draw(st.integers(0, len(event)))
        mutated = event[:position] + data.draw(st.text(max_size=20)) + event[position:]
    else:
        mutated = mutate(data, event)
        if data.draw(st.booleans()):
            mutated = mutate(data, mutated) if paths(mutated)[1:] else mutated
    handle(encode(mutated))


metadata_values = st.one_of(
    json_scalars,
    st.just("x" * 100_000),
    st.just("\u0000\u200b\ufeff\U0001f600 ../../\r\n"),
    st.sampled_from([INSTANCE.upper(), f" {DB} ", "rm-", TASK + "0" * 30, "master", "AsyncExecuteDBCheck", "syncexecutedbcheck"]),
)


@FUZZ
@given(st.dictionaries(st.sampled_from(sorted(OPEN_METADATA)), metadata_values, min_size=1))
def test_handler_metadata_values(changes):
    metadata = {**OPEN_METADATA, **{name: "" if value is None else str(value) for name, value in changes.items()}}
    handle(encode(samples.oss_eventbridge_event(meta=metadata)))


@FUZZ
@given(st.lists(st.sampled_from(FAULT_KINDS + ("none",)), max_size=8), st.sampled_from(["rds", "oss"]))
def test_handler_fault_sequences(kinds, service):
    faults = Faults(services=frozenset({service}), delay_seconds=0.05)
    faults.push(*kinds)

    records, emulator = handle(encode(samples.oss_event()), faults)

    if records[0]["outcome"] == "opened":
        assert emulator.open_count(INSTANCE, DB) == 1


def test_valid_events_open():
    # The unmutated events reach the emulator and open, so mutations start from working input.
    for sample in valid_events():
        records, emulator = handle(encode(sample), timeout=10)
        outcomes = {record["outcome"] for record in records}
        assert outcomes <= {"opened", "skipped"}
        assert emulator.open_count(INSTANCE, DB) == (1 if "opened" in outcomes else 0)
