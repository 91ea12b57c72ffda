"""The emulator against the official SDKs (aliyun-python-sdk-core, alibabacloud_rds20140815, oss2).

The SDKs sign every request here, so a passing test means that the emulator
accepts what the cloud accepts. Tampered requests are signed by the SDKs too,
then changed, so that the rejection comes from the emulator's own check.
"""

from __future__ import annotations

import base64
import copy
import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from urllib.parse import quote

import httpx
import oss2
import pytest

from opendb_local.emulator import (
    IN_PROCESS_OSS_ENDPOINT,
    Emulator,
    Faults,
    State,
    StateError,
)

REPO = Path(__file__).resolve().parent.parent
SAMPLE_STATE = REPO / "local" / "samples" / "state.json"

STS_ID = "STS.NUtestKey0001"
STS_SECRET = "sts-secret-0001"
STS_TOKEN = "CAIStestSecurityToken0001"
PLAIN_ID = "LTAItestPlainKey01"
PLAIN_SECRET = "plain-secret-01"
EXPIRED_ID = "STS.NUexpiredKey01"
RESTRICTED_ID = "LTAIrestrictedKey1"

BUCKET = "rds-backups"
KEY = "sales/sales_FULL_20240520.bak"
INSTANCE = "rm-test0001"
TASK = "1001"


def make_state() -> dict:
    return {
        "Region": "cn-hangzhou",
        "AccountId": "1234567890123456",
        "AccessKeys": {
            STS_ID: {"AccessKeySecret": STS_SECRET, "SecurityToken": STS_TOKEN, "Expiration": "2099-01-01T00:00:00Z"},
            PLAIN_ID: {"AccessKeySecret": PLAIN_SECRET},
            EXPIRED_ID: {"AccessKeySecret": "expired-secret", "SecurityToken": "expired-token", "Expiration": "2020-01-01T00:00:00Z"},
            RESTRICTED_ID: {"AccessKeySecret": "restricted-secret", "AllowedActions": ["rds:DescribeMigrateTaskById"]},
        },
        "Buckets": {
            BUCKET: {
                "Objects": {
                    KEY: {
                        "Body": "backup bytes",
                        "ContentType": "application/octet-stream",
                        "Metadata": {"x-oss-meta-rds-db-name": "sales", "x-oss-meta-rds-migrate-task-id": TASK},
                    },
                    "big/only-size.bak": {"Size": 5368709120},
                }
            }
        },
        "DBInstances": {
            INSTANCE: {
                "Engine": "SQLServer",
                "Status": "Running",
                "Databases": {"sales": {"Status": "Restoring"}, "hr": {"Status": "Restoring"}, "ops": {"Status": "Online"}},
            },
            "rm-stopped0001": {"Status": "Stopped", "Databases": {"sales": {}}},
            "rm-mysql00001": {"Engine": "MySQL", "Databases": {"shop": {}}},
        },
        "MigrateTasks": {
            TASK: {
                "DBInstanceId": INSTANCE,
                "DBName": "sales",
                "Status": "Success",
                "BackupFiles": [{"FileName": KEY, "Status": "Restored", "FileSize": "12"}],
            },
            "1002": {
                "DBInstanceId": INSTANCE,
                "DBName": "hr",
                "Status": "Running",
                "BackupMode": "UPDF",
                "BackupFiles": [
                    {"FileName": "hr/hr_FULL.bak", "Status": "Restored"},
                    {"FileName": "hr/hr_LOG_1.bak", "Status": "Restoring"},
                ],
            },
            "1003": {"DBInstanceId": INSTANCE, "DBName": "ops", "Status": "Success"},
            "2001": {"DBInstanceId": "rm-stopped0001", "DBName": "sales"},
            "3001": {"DBInstanceId": "rm-mysql00001", "DBName": "shop"},
        },
    }


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(make_state())


@pytest.fixture
def served(emulator: Emulator):
    with emulator.serve() as endpoints:
        yield endpoints


def sts_bucket(endpoint: str, *, secret: str = STS_SECRET, token: str = STS_TOKEN) -> oss2.Bucket:
    return oss2.Bucket(oss2.StsAuth(STS_ID, secret, token), endpoint, BUCKET)


def plain_bucket(endpoint: str, access_key_id: str = PLAIN_ID, secret: str = PLAIN_SECRET, bucket: str = BUCKET) -> oss2.Bucket:
    return oss2.Bucket(oss2.Auth(access_key_id, secret), endpoint, bucket)


def oss2_signed(method: str, bucket: str, key: str, headers: dict[str, str] | None = None, data: bytes = b"") -> tuple[str, dict[str, str]]:
    """Sign a request for the in-process OSS endpoint with oss2's own signer and return its URL and headers."""
    url = f"{IN_PROCESS_OSS_ENDPOINT}/{bucket}/{quote(key, safe='/')}"
    request = oss2.http.Request(method, url, data=data, headers=dict(headers or {}))
    oss2.StsAuth(STS_ID, STS_SECRET, STS_TOKEN)._sign_request(request, bucket, key)
    return url, {name: value for name, value in request.headers.items() if value is not None}


# State


def test_sample_state_has_ready_task():
    emulator = Emulator.from_file(SAMPLE_STATE)
    task = emulator.state.migrate_tasks["107081"]
    instance = emulator.state.instances[task.instance_id]
    sts_keys = [key for key in emulator.state.access_keys.values() if key.is_sts]
    assert task.status == "Success"
    assert instance.databases[task.db_name].status == "Restoring"
    assert sts_keys
    assert "rds-backups" in emulator.state.buckets


def test_state_rejects_unknown_instance():
    data = make_state()
    data["MigrateTasks"]["9"] = {"DBInstanceId": "rm-missing", "DBName": "sales"}
    with pytest.raises(StateError, match="rm-missing"):
        State.from_dict(data)


def test_state_rejects_unknown_status():
    data = make_state()
    data["MigrateTasks"][TASK]["Status"] = "Done"
    with pytest.raises(StateError, match=r"MigrateTasks\.1001\.Status"):
        State.from_dict(data)


def test_state_rejects_non_meta_header():
    data = make_state()
    data["Buckets"][BUCKET]["Objects"][KEY]["Metadata"] = {"rds-db-name": "sales"}
    with pytest.raises(StateError, match="x-oss-meta-"):
        State.from_dict(data)


# OSS with oss2


def test_oss2_sts_put_then_head(emulator, served):
    bucket = sts_bucket(served.oss_endpoint)
    put = bucket.put_object("new/file.bak", b"0123456789", headers={"x-oss-meta-rds-db-name": "hr"})
    head = bucket.head_object("new/file.bak")
    stored = emulator.state.buckets[BUCKET].objects["new/file.bak"]
    assert put.status == 200
    assert head.headers["x-oss-meta-rds-db-name"] == "hr"
    assert head.content_length == 10
    assert head.etag == put.etag
    assert head.headers["x-oss-request-id"] == head.request_id
    assert stored.metadata == {"x-oss-meta-rds-db-name": "hr"}
    assert stored.body == b"0123456789"


def test_oss2_plain_auth_head(served):
    head = plain_bucket(served.oss_endpoint).head_object(KEY)
    assert head.status == 200
    assert head.headers["x-oss-meta-rds-migrate-task-id"] == TASK
    assert head.headers["Last-Modified"].endswith("GMT")


def test_oss2_head_size_only_object(served):
    head = plain_bucket(served.oss_endpoint).head_object("big/only-size.bak")
    assert head.content_length == 5368709120


def test_oss2_unusual_key_roundtrip(emulator, served):
    key = "dir with space/ünïcödé+plus%percent?.bak"
    bucket = sts_bucket(served.oss_endpoint)
    bucket.put_object(key, b"x", headers={"x-oss-meta-note": "unusual"})
    head = bucket.head_object(key)
    assert head.headers["x-oss-meta-note"] == "unusual"
    assert key in emulator.state.buckets[BUCKET].objects


def test_oss2_head_missing_key(served):
    with pytest.raises(oss2.exceptions.NoSuchKey) as caught:
        plain_bucket(served.oss_endpoint).head_object("missing.bak")
    assert caught.value.status == 404
    assert caught.value.ec == "0026-00000001"
    assert caught.value.request_id


def test_oss2_get_missing_key_xml(served):
    with pytest.raises(oss2.exceptions.NoSuchKey) as caught:
        plain_bucket(served.oss_endpoint).get_object("missing.bak")
    details = caught.value.details
    assert details["Code"] == "NoSuchKey"
    assert details["Message"] == "The specified key does not exist."
    assert details["RequestId"] == caught.value.request_id
    assert details["HostId"] == f"{BUCKET}.oss-cn-hangzhou.aliyuncs.com"
    assert details["EC"] == "0026-00000001"


def test_oss2_missing_bucket(served):
    with pytest.raises(oss2.exceptions.NoSuchBucket) as caught:
        plain_bucket(served.oss_endpoint, bucket="no-such-bucket").get_object(KEY)
    assert caught.value.status == 404
    assert caught.value.details["BucketName"] == "no-such-bucket"


def test_oss2_wrong_secret(served):
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        sts_bucket(served.oss_endpoint, secret="wrong").get_object(KEY)
    assert caught.value.status == 403
    assert caught.value.code == "SignatureDoesNotMatch"
    assert caught.value.details["StringToSign"].endswith(f"/{BUCKET}/{KEY}")


def test_oss2_unknown_access_key(served):
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        plain_bucket(served.oss_endpoint, access_key_id="LTAIunknown", secret="x").get_object(KEY)
    assert caught.value.status == 403
    assert caught.value.code == "InvalidAccessKeyId"


def test_oss2_sts_key_without_token(served):
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        plain_bucket(served.oss_endpoint, access_key_id=STS_ID, secret=STS_SECRET).get_object(KEY)
    assert caught.value.code == "InvalidAccessKeyId"


def test_oss2_wrong_token(served):
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        sts_bucket(served.oss_endpoint, token="CAISforged").get_object(KEY)
    assert caught.value.code == "InvalidSecurityToken"


def test_oss2_expired_token(served):
    auth = oss2.StsAuth(EXPIRED_ID, "expired-secret", "expired-token")
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        oss2.Bucket(auth, served.oss_endpoint, BUCKET).get_object(KEY)
    assert caught.value.code == "SecurityTokenExpired"


def test_oss2_skewed_clock(emulator, served):
    emulator.clock = lambda: time.time() + 20 * 60
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        plain_bucket(served.oss_endpoint).get_object(KEY)
    assert caught.value.status == 403
    assert caught.value.code == "RequestTimeTooSkewed"


def test_oss2_not_allowed_action(served):
    bucket = plain_bucket(served.oss_endpoint, access_key_id=RESTRICTED_ID, secret="restricted-secret")
    with pytest.raises(oss2.exceptions.AccessDenied) as caught:
        bucket.head_object(KEY)
    assert caught.value.status == 403


def test_oss_anonymous_head_has_error_headers(emulator):
    client = httpx.Client(transport=emulator.transport())
    response = client.head(f"{IN_PROCESS_OSS_ENDPOINT}/{BUCKET}/{KEY}")
    document = ElementTree.fromstring(base64.b64decode(response.headers["x-oss-err"]))
    assert response.status_code == 403
    assert response.content == b""
    assert response.headers["x-oss-ec"] == "0003-00000001"
    assert document.findtext("Code") == "AccessDenied"
    assert document.findtext("RequestId") == response.headers["x-oss-request-id"]


def test_oss_tampered_metadata(emulator):
    url, headers = oss2_signed("PUT", BUCKET, "t.bak", {"x-oss-meta-rds-db-name": "sales"}, b"abc")
    headers["x-oss-meta-rds-db-name"] = "master"
    response = httpx.Client(transport=emulator.transport()).put(url, headers=headers, content=b"abc")
    document = ElementTree.fromstring(response.content)
    assert response.status_code == 403
    assert document.findtext("Code") == "SignatureDoesNotMatch"
    assert "t.bak" not in emulator.state.buckets[BUCKET].objects


def test_oss_signed_in_process_put(emulator):
    url, headers = oss2_signed("PUT", BUCKET, "t.bak", {"x-oss-meta-rds-db-name": "sales"}, b"abc")
    response = httpx.Client(transport=emulator.transport()).put(url, headers=headers, content=b"abc")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"900150983CD24FB0D6963F7D28E17F72"'
    assert emulator.state.buckets[BUCKET].objects["t.bak"].metadata["x-oss-meta-rds-db-name"] == "sales"


def test_oss_bad_content_md5(emulator):
    url, headers = oss2_signed("PUT", BUCKET, "t.bak", {"Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="}, b"abc")
    response = httpx.Client(transport=emulator.transport()).put(url, headers=headers, content=b"abc")
    assert response.status_code == 400
    assert ElementTree.fromstring(response.content).findtext("Code") == "InvalidDigest"


def test_oss_calls_recorded_without_secrets(emulator, served):
    sts_bucket(served.oss_endpoint).put_object("r.bak", b"1", headers={"x-oss-meta-a": "b"})
    call = emulator.calls.find(service="oss", action="PutObject")[-1]
    assert call.parameters == {"bucket": BUCKET, "key": "r.bak", "x-oss-meta-a": "b"}
    assert call.status == 200
    assert call.access_key_id == STS_ID
    assert call.effect is True
    assert STS_TOKEN not in json.dumps(call.parameters)


# Transport


def test_transport_unknown_port_is_502(emulator):
    response = httpx.Client(transport=emulator.transport()).get("http://127.0.0.1:9999/")
    assert response.status_code == 502
    assert "9802" in response.text


def test_transport_other_host_is_502(emulator):
    response = httpx.Client(transport=emulator.transport()).get("http://example.com:9802/")
    assert response.status_code == 502


# Faults on OSS


def test_oss_fault_unavailable(emulator, served):
    emulator.faults.push("unavailable")
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        plain_bucket(served.oss_endpoint).get_object(KEY)
    assert caught.value.status == 503
    assert caught.value.code == "ServiceUnavailable"
    assert emulator.calls.all()[-1].fault == "unavailable"


def test_oss_fault_drop_over_socket(emulator, served):
    emulator.faults.push("drop")
    url = f"{served.oss_endpoint}/{BUCKET}/{KEY}"
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(url, headers=dict(oss2_signed("GET", BUCKET, KEY)[1]))


def test_faults_seeded_sequence_repeats():
    first = Faults(seed=7, throttling=0.3, unavailable=0.3)
    second = Faults(seed=7, throttling=0.3, unavailable=0.3)
    draws = [first.choose("rds", "CreateOnlineDatabaseTask") for _ in range(200)]
    assert draws == [second.choose("rds", "CreateOnlineDatabaseTask") for _ in range(200)]
    assert 30 < draws.count("throttling") < 90
    assert 30 < draws.count("unavailable") < 90
    assert None in draws


def test_faults_filter_service_and_action():
    faults = Faults(throttling=1.0, services=frozenset({"rds"}), actions=frozenset({"CreateOnlineDatabaseTask"}))
    assert faults.choose("oss", "HeadObject") is None
    assert faults.choose("rds", "DescribeMigrateTaskById") is None
    assert faults.choose("rds", "CreateOnlineDatabaseTask") == "throttling"


def test_faults_queue_comes_first():
    faults = Faults(throttling=1.0)
    faults.push("none", "drop")
    assert faults.choose("rds", "X") is None
    assert faults.choose("rds", "X") == "drop"
    assert faults.choose("rds", "X") == "throttling"


def test_faults_from_spec():
    faults = Faults.from_spec("throttling=0.25, delay=0.5,delay_seconds=3", seed=4)
    assert faults.throttling == 0.25
    assert faults.delay == 0.5
    assert faults.delay_seconds == 3.0
    assert faults.seed == 4


@pytest.mark.parametrize("spec", ["throttling", "bogus=0.1", "throttling=2", "throttling=0.6,unavailable=0.6"])
def test_faults_from_spec_rejects(spec):
    with pytest.raises(ValueError):
        Faults.from_spec(spec)


def test_faults_push_rejects_unknown_kind():
    with pytest.raises(ValueError, match="unknown fault kind"):
        Faults().push("explode")


# Command line


def test_cli_prints_endpoints_and_serves(tmp_path):
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps(make_state()), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "opendb_local.emulator", "--state", str(state_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PYTHONPATH": str(REPO / "local"), "PATH": "/usr/bin:/bin"},
    )
    try:
        endpoints = json.loads(process.stdout.readline())
        head = plain_bucket(endpoints["oss_endpoint"]).head_object(KEY)
        assert endpoints["oss_endpoint"].startswith("http://127.0.0.1:")
        assert head.status == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0


def test_cli_rejects_bad_state(tmp_path):
    state_file = tmp_path / "state.json"
    broken = copy.deepcopy(make_state())
    broken["MigrateTasks"][TASK]["Status"] = "Done"
    state_file.write_text(json.dumps(broken), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "opendb_local.emulator", "--state", str(state_file)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO / "local"), "PATH": "/usr/bin:/bin"},
        timeout=30,
    )
    assert result.returncode == 2
    assert "MigrateTasks.1001.Status" in result.stderr
