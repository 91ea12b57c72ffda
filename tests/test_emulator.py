"""The emulator against the official SDKs (aliyun-python-sdk-core, alibabacloud_rds20140815, oss2).

The SDKs sign every request here, so a passing test means that the emulator
accepts requests as the official SDKs sign them. Tampered requests are signed by the SDKs too,
then changed, so that the rejection comes from the emulator's own check.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import httpx
import oss2
import pytest
from alibabacloud_rds20140815 import models as rds_models
from alibabacloud_rds20140815.client import Client as TeaRdsClient
from alibabacloud_tea_openapi import exceptions as tea_exceptions
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi.utils import Utils as TeaUtils
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.composer import rpc_signature_composer
from aliyunsdkcore.auth.credentials import AccessKeyCredential, StsTokenCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkrds.request.v20140815.CreateMigrateTaskRequest import CreateMigrateTaskRequest
from aliyunsdkrds.request.v20140815.CreateOnlineDatabaseTaskRequest import CreateOnlineDatabaseTaskRequest
from aliyunsdkrds.request.v20140815.DescribeMigrateTaskByIdRequest import DescribeMigrateTaskByIdRequest

from opendb_local.emulator import (
    IN_PROCESS_OSS_ENDPOINT,
    IN_PROCESS_RDS_ENDPOINT,
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
    assert "9801" in response.text
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
        assert endpoints["rds_endpoint"].startswith("http://127.0.0.1:")
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


# RDS: request builders. The SDKs compute every signature.


def core_client(access_key_id: str = STS_ID, secret: str = STS_SECRET, token: str | None = STS_TOKEN) -> AcsClient:
    credential = StsTokenCredential(access_key_id, secret, token) if token else AccessKeyCredential(access_key_id, secret)
    return AcsClient(region_id="cn-hangzhou", credential=credential, auto_retry=False)


def core_call(endpoint: str, request, client: AcsClient | None = None) -> dict:
    request.set_endpoint(endpoint.split("//", 1)[1])
    request.set_protocol_type("http")
    return json.loads((client or core_client()).do_action_with_exception(request))


def core_open(db_name: str = "sales", task: str = TASK, mode: str = "SyncExecuteDBCheck", instance: str = INSTANCE):
    request = CreateOnlineDatabaseTaskRequest()
    request.set_DBInstanceId(instance)
    request.set_DBName(db_name)
    request.set_MigrateTaskId(task)
    request.set_CheckDBMode(mode)
    return request


def core_describe(task: str = TASK, instance: str = INSTANCE):
    request = DescribeMigrateTaskByIdRequest()
    request.set_DBInstanceId(instance)
    request.set_MigrateTaskId(task)
    return request


def core_error(endpoint: str, request, client: AcsClient | None = None) -> ServerException:
    with pytest.raises(ServerException) as caught:
        core_call(endpoint, request, client)
    return caught.value


def tea_client(endpoint: str, access_key_id: str = STS_ID, secret: str = STS_SECRET, token: str | None = STS_TOKEN) -> TeaRdsClient:
    config = open_api_models.Config(
        access_key_id=access_key_id,
        access_key_secret=secret,
        security_token=token,
        endpoint=endpoint.split("//", 1)[1],
        protocol="http",
    )
    return TeaRdsClient(config)


def tea_open(client_token: str | None = None, db_name: str = "sales", task: str = TASK, mode: str = "SyncExecuteDBCheck"):
    return rds_models.CreateOnlineDatabaseTaskRequest(
        dbinstance_id=INSTANCE, dbname=db_name, migrate_task_id=task, check_dbmode=mode, client_token=client_token
    )


def utc_now(offset: float = 0.0) -> str:
    return datetime.fromtimestamp(time.time() + offset, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def rpc_signed(action: str, parameters: dict[str, str], *, method: str = "POST", secret: str = STS_SECRET, **common: str) -> dict[str, str]:
    """Return RPC v1 parameters signed by aliyun-python-sdk-core's composer. ``common`` overrides common parameters."""
    signed = {
        "Action": action,
        "Version": "2014-08-15",
        "Format": "JSON",
        "AccessKeyId": STS_ID,
        "SecurityToken": STS_TOKEN,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": str(uuid.uuid4()),
        "Timestamp": utc_now(),
        **parameters,
        **common,
    }
    compose = getattr(rpc_signature_composer, "__compose_string_to_sign")
    sign = getattr(rpc_signature_composer, "__get_signature")
    signed["Signature"] = sign(compose(method, signed), secret)
    return signed


def rpc_post(emulator: Emulator, parameters: dict[str, str], **options) -> httpx.Response:
    client = httpx.Client(transport=emulator.transport(), **options)
    return client.post(f"{IN_PROCESS_RDS_ENDPOINT}/", data=parameters)


def acs3_signed(
    action: str,
    query: dict[str, str],
    *,
    secret: str = STS_SECRET,
    nonce: str | None = None,
    date: str | None = None,
    form: bytes | None = None,
) -> dict[str, str]:
    """Return ACS3 headers for a POST to the in-process RDS endpoint, signed by alibabacloud_tea_openapi."""
    payload = hashlib.sha256(form or b"").hexdigest()
    headers = {
        "host": "127.0.0.1:9801",
        "x-acs-action": action,
        "x-acs-version": "2014-08-15",
        "x-acs-date": date or utc_now(),
        "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        "x-acs-content-sha256": payload,
        "x-acs-accesskey-id": STS_ID,
        "x-acs-security-token": STS_TOKEN,
    }
    if form is not None:
        headers["content-type"] = "application/x-www-form-urlencoded"
    request = SimpleNamespace(method="POST", pathname="/", query=query, headers=headers)
    headers["Authorization"] = TeaUtils.get_authorization(request, "ACS3-HMAC-SHA256", payload, STS_ID, secret)
    return headers


def acs3_post(emulator: Emulator, query: dict[str, str], headers: dict[str, str]) -> httpx.Response:
    return httpx.Client(transport=emulator.transport()).post(f"{IN_PROCESS_RDS_ENDPOINT}/", params=query, headers=headers)


OPEN_PARAMETERS = {"DBInstanceId": INSTANCE, "DBName": "sales", "MigrateTaskId": TASK, "CheckDBMode": "SyncExecuteDBCheck"}


# RDS with the official SDKs


def test_core_sdk_describe_task(served):
    body = core_call(served.rds_endpoint, core_describe())
    assert body["Status"] == "Success"
    assert body["MigrateTaskId"] == TASK
    assert body["DBInstanceName"] == INSTANCE
    assert body["DBName"] == "sales"
    assert body["BackupMode"] == "FULL"
    assert body["RequestId"]


def test_core_sdk_opens_database(emulator, served):
    body = core_call(served.rds_endpoint, core_open())
    assert set(body) == {"RequestId"}
    assert emulator.database_status(INSTANCE, "sales") == "Online"
    assert emulator.open_count(INSTANCE, "sales") == 1
    assert emulator.opens[0].check_db_mode == "SyncExecuteDBCheck"
    assert emulator.opens[0].request_id == body["RequestId"]


def test_core_sdk_get_method(emulator, served):
    request = core_describe()
    request.set_method("GET")
    body = core_call(served.rds_endpoint, request)
    assert body["Status"] == "Success"
    assert emulator.calls.all()[-1].status == 200


def test_core_sdk_long_term_key(served):
    client = core_client(PLAIN_ID, PLAIN_SECRET, token=None)
    body = core_call(served.rds_endpoint, core_describe(), client)
    assert body["Status"] == "Success"


def test_core_sdk_create_migrate_task(emulator, served):
    request = CreateMigrateTaskRequest()
    request.set_DBInstanceId(INSTANCE)
    request.set_DBName("finance")
    request.set_BackupMode("FULL")
    request.set_IsOnlineDB("False")
    request.set_OssObjectPositions(f"oss-cn-hangzhou.aliyuncs.com:{BUCKET}:finance/finance_FULL.bak")
    created = core_call(served.rds_endpoint, request)
    described = core_call(served.rds_endpoint, core_describe(task=created["MigrateTaskId"]))
    assert created["DBName"] == "finance"
    assert created["BackupMode"] == "FULL"
    assert created["TaskId"]
    assert described["Status"] == "Running"
    assert emulator.database_status(INSTANCE, "finance") == "Restoring"


def test_tea_sdk_opens_database(emulator, served):
    response = tea_client(served.rds_endpoint).create_online_database_task(tea_open(client_token="token-1"))
    assert response.status_code == 200
    assert response.body.request_id
    assert emulator.open_count(INSTANCE, "sales") == 1
    assert emulator.calls.all()[-1].parameters["ClientToken"] == "token-1"


def test_tea_sdk_describe_task(served):
    request = rds_models.DescribeMigrateTaskByIdRequest(dbinstance_id=INSTANCE, migrate_task_id="1002")
    body = tea_client(served.rds_endpoint).describe_migrate_task_by_id(request).body
    assert body.status == "Running"
    assert body.backup_mode == "UPDF"
    assert body.dbname == "hr"


def test_tea_sdk_oss_downloads(served):
    request = rds_models.DescribeOssDownloadsRequest(dbinstance_id=INSTANCE, migrate_task_id="1002")
    body = tea_client(served.rds_endpoint).describe_oss_downloads(request).body
    files = {item.file_name: item.status for item in body.items.oss_download}
    assert files == {"hr/hr_FULL.bak": "Restored", "hr/hr_LOG_1.bak": "Restoring"}
    assert body.migrate_task_id == "1002"
    assert body.dbinstance_id == INSTANCE


def test_acs3_in_process(emulator):
    query = {"DBInstanceId": INSTANCE, "MigrateTaskId": TASK}
    response = acs3_post(emulator, query, acs3_signed("DescribeMigrateTaskById", query))
    assert response.status_code == 200
    assert response.json()["Status"] == "Success"
    assert response.headers["x-acs-request-id"] == response.json()["RequestId"]


def test_acs3_form_body(emulator):
    form = b"DBInstanceId=rm-test0001&MigrateTaskId=1001"
    headers = acs3_signed("DescribeMigrateTaskById", {}, form=form)
    client = httpx.Client(transport=emulator.transport())
    response = client.post(f"{IN_PROCESS_RDS_ENDPOINT}/", headers=headers, content=form)
    assert response.status_code == 200
    assert response.json()["MigrateTaskId"] == TASK


def test_rpc_in_process(emulator):
    response = rpc_post(emulator, rpc_signed("CreateOnlineDatabaseTask", OPEN_PARAMETERS))
    assert response.status_code == 200
    assert emulator.open_count(INSTANCE, "sales") == 1


def test_calls_recorded_without_secrets(emulator):
    rpc_post(emulator, rpc_signed("DescribeMigrateTaskById", {"DBInstanceId": INSTANCE, "MigrateTaskId": TASK}))
    call = emulator.calls.find(service="rds")[-1]
    assert call.action == "DescribeMigrateTaskById"
    assert call.parameters == {"DBInstanceId": INSTANCE, "MigrateTaskId": TASK}
    assert call.access_key_id == STS_ID
    assert call.code is None
    assert call.effect is False


# RDS: tampered and invalid requests


def error_body(response: httpx.Response) -> dict:
    body = response.json()
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
    return body


def test_rpc_changed_parameter(emulator):
    parameters = rpc_signed("CreateOnlineDatabaseTask", OPEN_PARAMETERS)
    parameters["DBName"] = "hr"
    response = rpc_post(emulator, parameters)
    body = error_body(response)
    assert response.status_code == 400
    assert body["Code"] == "SignatureDoesNotMatch"
    assert "server string to sign is:POST&%2F&" in body["Message"]
    assert emulator.open_count(INSTANCE, "hr") == 0


def test_rpc_wrong_secret(emulator, served):
    error = core_error(served.rds_endpoint, core_open(), core_client(secret="wrong-secret"))
    assert error.get_http_status() == 400
    assert emulator.calls.all()[-1].code == "SignatureDoesNotMatch"
    # The SDK renames the error when the server's echoed string to sign equals
    # its own, which shows that the emulator canonicalised the request alike.
    assert error.get_error_code() == "InvalidAccessKeySecret"


def test_acs3_wrong_secret(served):
    with pytest.raises(tea_exceptions.ClientException) as caught:
        tea_client(served.rds_endpoint, secret="wrong-secret").create_online_database_task(tea_open())
    assert caught.value.code == "SignatureDoesNotMatch"
    assert caught.value.status_code == 400


def test_acs3_changed_parameter(emulator):
    query = {"DBInstanceId": INSTANCE, "MigrateTaskId": TASK}
    headers = acs3_signed("DescribeMigrateTaskById", query)
    response = acs3_post(emulator, {**query, "MigrateTaskId": "1002"}, headers)
    assert response.status_code == 400
    assert error_body(response)["Code"] == "SignatureDoesNotMatch"


def test_acs3_changed_action_header(emulator):
    query = {"DBInstanceId": INSTANCE, "MigrateTaskId": TASK}
    headers = acs3_signed("DescribeMigrateTaskById", query)
    headers["x-acs-action"] = "DescribeOssDownloads"
    assert error_body(acs3_post(emulator, query, headers))["Code"] == "SignatureDoesNotMatch"


def test_acs3_unsigned_header(emulator):
    query = {"DBInstanceId": INSTANCE, "MigrateTaskId": TASK}
    headers = acs3_signed("DescribeMigrateTaskById", query)
    headers["x-acs-extra"] = "added after signing"
    response = acs3_post(emulator, query, headers)
    assert response.status_code == 400
    assert error_body(response)["Code"] == "IncompleteSignature"


def test_acs3_body_changed(emulator):
    query = {"DBInstanceId": INSTANCE, "MigrateTaskId": TASK}
    headers = acs3_signed("DescribeMigrateTaskById", query)
    client = httpx.Client(transport=emulator.transport())
    response = client.post(f"{IN_PROCESS_RDS_ENDPOINT}/", params=query, headers=headers, content=b"MigrateTaskId=1002")
    assert error_body(response)["Code"] == "SignatureDoesNotMatch"


def test_rpc_replayed_nonce(emulator):
    parameters = rpc_signed("DescribeMigrateTaskById", {"DBInstanceId": INSTANCE, "MigrateTaskId": TASK})
    first = rpc_post(emulator, parameters)
    second = rpc_post(emulator, parameters)
    assert first.status_code == 200
    assert second.status_code == 400
    assert error_body(second)["Code"] == "SignatureNonceUsed"


def test_acs3_replayed_nonce(emulator):
    query = {"DBInstanceId": INSTANCE, "MigrateTaskId": TASK}
    headers = acs3_signed("DescribeMigrateTaskById", query, nonce="fixed-nonce")
    first = acs3_post(emulator, query, headers)
    second = acs3_post(emulator, query, headers)
    assert first.status_code == 200
    assert error_body(second)["Code"] == "SignatureNonceUsed"


def test_forged_request_keeps_nonce(emulator):
    forged = rpc_signed("DescribeMigrateTaskById", {"DBInstanceId": INSTANCE, "MigrateTaskId": TASK}, secret="x", SignatureNonce="n-1")
    genuine = rpc_signed("DescribeMigrateTaskById", {"DBInstanceId": INSTANCE, "MigrateTaskId": TASK}, SignatureNonce="n-1")
    assert error_body(rpc_post(emulator, forged))["Code"] == "SignatureDoesNotMatch"
    assert rpc_post(emulator, genuine).status_code == 200


def test_core_sdk_stale_timestamp(emulator, served):
    emulator.clock = lambda: time.time() + 20 * 60
    error = core_error(served.rds_endpoint, core_open())
    assert error.get_error_code() == "InvalidTimeStamp.Expired"
    assert emulator.open_count(INSTANCE, "sales") == 0


def test_tea_sdk_stale_timestamp(emulator, served):
    emulator.clock = lambda: time.time() - 20 * 60
    with pytest.raises(tea_exceptions.ClientException) as caught:
        tea_client(served.rds_endpoint).create_online_database_task(tea_open())
    assert caught.value.code == "InvalidTimeStamp.Expired"


def test_timestamp_inside_window(emulator):
    parameters = rpc_signed("DescribeMigrateTaskById", {"DBInstanceId": INSTANCE, "MigrateTaskId": TASK}, Timestamp=utc_now(-14 * 60))
    assert rpc_post(emulator, parameters).status_code == 200


def test_timestamp_bad_format(emulator):
    parameters = rpc_signed("DescribeMigrateTaskById", {"DBInstanceId": INSTANCE, "MigrateTaskId": TASK}, Timestamp="2024/05/20 06:45")
    assert error_body(rpc_post(emulator, parameters))["Code"] == "InvalidTimeStamp.Format"


def test_acs3_bad_date_format(emulator):
    query = {"DBInstanceId": INSTANCE, "MigrateTaskId": TASK}
    headers = acs3_signed("DescribeMigrateTaskById", query, date="Mon, 20 May 2024 06:45:43 GMT")
    assert error_body(acs3_post(emulator, query, headers))["Code"] == "InvalidTimeStamp.Format"


def test_sts_key_without_token(served):
    error = core_error(served.rds_endpoint, core_open(), core_client(token=None))
    assert error.get_error_code() == "MissingSecurityToken"


def test_tea_sdk_without_token(served):
    with pytest.raises(tea_exceptions.ClientException) as caught:
        tea_client(served.rds_endpoint, token=None).create_online_database_task(tea_open())
    assert caught.value.code == "MissingSecurityToken"


def test_wrong_security_token(served):
    error = core_error(served.rds_endpoint, core_open(), core_client(token="CAISforged"))
    assert error.get_error_code() == "InvalidSecurityToken.MismatchWithAccessKey"


def test_expired_security_token(served):
    error = core_error(served.rds_endpoint, core_open(), core_client(EXPIRED_ID, "expired-secret", "expired-token"))
    assert error.get_http_status() == 403
    assert error.get_error_code() == "InvalidSecurityToken.Expired"


def test_unknown_access_key(served):
    error = core_error(served.rds_endpoint, core_open(), core_client("LTAIunknown", "x", None))
    assert error.get_http_status() == 404
    assert error.get_error_code() == "InvalidAccessKeyId.NotFound"


def test_missing_signature(emulator):
    parameters = rpc_signed("DescribeMigrateTaskById", {"DBInstanceId": INSTANCE, "MigrateTaskId": TASK})
    del parameters["Signature"]
    assert error_body(rpc_post(emulator, parameters))["Code"] == "IncompleteSignature"


def test_missing_common_parameter(emulator):
    parameters = rpc_signed("DescribeMigrateTaskById", {"DBInstanceId": INSTANCE, "MigrateTaskId": TASK})
    del parameters["SignatureNonce"]
    body = error_body(rpc_post(emulator, parameters))
    assert body["Code"] == "MissingParameter"
    assert "SignatureNonce" in body["Message"]


def test_unsupported_signature_method(emulator):
    parameters = rpc_signed("DescribeMigrateTaskById", {"DBInstanceId": INSTANCE, "MigrateTaskId": TASK}, SignatureMethod="HMAC-SHA256")
    assert error_body(rpc_post(emulator, parameters))["Code"] == "InvalidSignatureMethod"


def test_not_allowed_action(served):
    client = core_client(RESTRICTED_ID, "restricted-secret", None)
    allowed = core_call(served.rds_endpoint, core_describe(), client)
    error = core_error(served.rds_endpoint, core_open(), client)
    assert allowed["Status"] == "Success"
    assert error.get_http_status() == 403
    assert error.get_error_code() == "Forbidden.RAM"


def test_wrong_version(emulator):
    parameters = rpc_signed("DescribeMigrateTaskById", {"DBInstanceId": INSTANCE, "MigrateTaskId": TASK}, Version="2020-01-01")
    assert error_body(rpc_post(emulator, parameters))["Code"] == "InvalidVersion"


def test_unknown_action(emulator):
    response = rpc_post(emulator, rpc_signed("DeleteDBInstance", {"DBInstanceId": INSTANCE}))
    assert response.status_code == 404
    assert error_body(response)["Code"] == "InvalidAction.NotFound"


def test_error_body_shape(emulator):
    response = rpc_post(emulator, rpc_signed("CreateOnlineDatabaseTask", {**OPEN_PARAMETERS, "MigrateTaskId": "9999"}))
    body = error_body(response)
    assert body["HostId"] == "rds.aliyuncs.com"
    assert body["RequestId"] == response.headers["x-acs-request-id"]
    assert body["Recommend"].endswith(f"requestId={body['RequestId']}")
    assert response.headers["Content-Type"].startswith("application/json")


# RDS: CreateOnlineDatabaseTask rules


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"CheckDBMode": None}, 400, "MissingParameter"),
        ({"DBName": None}, 400, "MissingParameter"),
        ({"CheckDBMode": "FastCheck"}, 400, "InvalidParameter"),
        ({"DBInstanceId": "rm-nosuch0001"}, 400, "InvalidDBInstanceId.NotFound"),
        ({"DBInstanceId": "rm-stopped0001", "MigrateTaskId": "2001"}, 403, "IncorrectDBInstanceState"),
        ({"DBInstanceId": "rm-mysql00001", "MigrateTaskId": "3001", "DBName": "shop"}, 400, "EngineNotSupported"),
        ({"MigrateTaskId": "9999"}, 404, "InvalidMigrateTaskId.NotFound"),
        ({"MigrateTaskId": "2001"}, 404, "InvalidMigrateTaskId.NotFound"),
        ({"DBName": "hr"}, 400, "InvalidDBName.NotFound"),
        ({"DBName": "hr", "MigrateTaskId": "1002"}, 403, "IncorrectMigrateTaskState"),
        ({"DBName": "ops", "MigrateTaskId": "1003"}, 403, "IncorrectDBState"),
        ({"ClientToken": "x" * 65}, 400, "InvalidParameter"),
        ({"ClientToken": "tökén"}, 400, "InvalidParameter"),
    ],
)
def test_open_rejects(emulator, change, status, code):
    parameters = {**OPEN_PARAMETERS, **change}
    parameters = {name: value for name, value in parameters.items() if value is not None}
    response = rpc_post(emulator, rpc_signed("CreateOnlineDatabaseTask", parameters))
    assert response.status_code == status
    assert error_body(response)["Code"] == code
    assert emulator.opens == []


def test_open_waiting_task(emulator):
    emulator.schedule_task_status("1002", "Waiting", after_calls=0)
    parameters = {**OPEN_PARAMETERS, "DBName": "hr", "MigrateTaskId": "1002", "CheckDBMode": "AsyncExecuteDBCheck"}
    response = rpc_post(emulator, rpc_signed("CreateOnlineDatabaseTask", parameters))
    assert response.status_code == 200
    assert emulator.database_status(INSTANCE, "hr") == "Online"


def test_open_twice_without_token(emulator):
    first = rpc_post(emulator, rpc_signed("CreateOnlineDatabaseTask", OPEN_PARAMETERS))
    second = rpc_post(emulator, rpc_signed("CreateOnlineDatabaseTask", OPEN_PARAMETERS))
    assert first.status_code == 200
    assert error_body(second)["Code"] == "IncorrectDBState"
    assert emulator.open_count(INSTANCE, "sales") == 1


# RDS: ClientToken contract


def test_client_token_replay(emulator, served):
    client = tea_client(served.rds_endpoint)
    first = client.create_online_database_task(tea_open(client_token="opendb-abc"))
    second = client.create_online_database_task(tea_open(client_token="opendb-abc"))
    calls = emulator.calls.find(action="CreateOnlineDatabaseTask")
    assert second.body.request_id == first.body.request_id
    assert emulator.open_count(INSTANCE, "sales") == 1
    assert [call.effect for call in calls] == [True, False]


def test_client_token_mismatch(emulator, served):
    client = tea_client(served.rds_endpoint)
    client.create_online_database_task(tea_open(client_token="opendb-abc"))
    with pytest.raises(tea_exceptions.ClientException) as caught:
        client.create_online_database_task(tea_open(client_token="opendb-abc", mode="AsyncExecuteDBCheck"))
    assert caught.value.code == "IdempotentParameterMismatch"
    assert caught.value.status_code == 400
    assert emulator.open_count(INSTANCE, "sales") == 1


def test_client_token_after_failure(emulator):
    parameters = {**OPEN_PARAMETERS, "DBName": "hr", "MigrateTaskId": "1002", "ClientToken": "opendb-hr"}
    refused = rpc_post(emulator, rpc_signed("CreateOnlineDatabaseTask", parameters))
    emulator.schedule_task_status("1002", "Waiting", after_calls=0)
    accepted = rpc_post(emulator, rpc_signed("CreateOnlineDatabaseTask", parameters))
    assert error_body(refused)["Code"] == "IncorrectMigrateTaskState"
    assert accepted.status_code == 200
    assert emulator.open_count(INSTANCE, "hr") == 1


def test_client_token_per_action(emulator):
    opened = rpc_post(emulator, rpc_signed("CreateOnlineDatabaseTask", {**OPEN_PARAMETERS, "ClientToken": "same"}))
    created = rpc_post(
        emulator,
        rpc_signed(
            "CreateMigrateTask",
            {
                "DBInstanceId": INSTANCE,
                "DBName": "finance",
                "BackupMode": "FULL",
                "IsOnlineDB": "False",
                "OssObjectPositions": "oss-cn-hangzhou.aliyuncs.com:b:k.bak",
                "ClientToken": "same",
            },
        ),
    )
    assert opened.status_code == 200
    assert created.status_code == 200


# RDS: readiness polling


def test_task_status_changes_after_calls(emulator, served):
    emulator.schedule_task_status("1002", "Waiting", after_calls=2, file_status="Restored")
    statuses = [core_call(served.rds_endpoint, core_describe(task="1002"))["Status"] for _ in range(4)]
    request = rds_models.DescribeOssDownloadsRequest(dbinstance_id=INSTANCE, migrate_task_id="1002")
    files = tea_client(served.rds_endpoint).describe_oss_downloads(request).body.items.oss_download
    assert statuses == ["Running", "Running", "Waiting", "Waiting"]
    assert [item.status for item in files] == ["Restored", "Restored"]


def test_schedule_rejects_unknown_task(emulator):
    with pytest.raises(KeyError):
        emulator.schedule_task_status("9999", "Success", after_calls=1)


def test_schedule_rejects_bad_status(emulator):
    with pytest.raises(ValueError, match="task status"):
        emulator.schedule_task_status(TASK, "Done", after_calls=1)


# RDS: fault injection


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("throttling", 400, "Throttling.User"),
        ("throttling_429", 429, "Throttling.User"),
        ("unavailable", 503, "ServiceUnavailable"),
        ("internal_error", 500, "InternalError"),
    ],
)
def test_fault_error_codes(emulator, kind, status, code):
    emulator.faults.push(kind)
    response = rpc_post(emulator, rpc_signed("CreateOnlineDatabaseTask", OPEN_PARAMETERS))
    assert response.status_code == status
    assert error_body(response)["Code"] == code
    assert emulator.open_count(INSTANCE, "sales") == 0
    assert emulator.calls.all()[-1].fault == kind


def test_fault_429_retry_after(emulator):
    emulator.faults = Faults(retry_after_seconds=3)
    emulator.faults.push("throttling_429")
    response = rpc_post(emulator, rpc_signed("CreateOnlineDatabaseTask", OPEN_PARAMETERS))
    assert response.headers["Retry-After"] == "3"


def test_fault_html_body(emulator):
    emulator.faults.push("html_body")
    response = rpc_post(emulator, rpc_signed("CreateOnlineDatabaseTask", OPEN_PARAMETERS))
    assert response.status_code == 502
    assert response.headers["Content-Type"] == "text/html"
    assert response.text.startswith("<html>")
    assert emulator.open_count(INSTANCE, "sales") == 0


def test_fault_empty_body(emulator):
    emulator.faults.push("empty_body")
    response = rpc_post(emulator, rpc_signed("CreateOnlineDatabaseTask", OPEN_PARAMETERS))
    assert response.status_code == 500
    assert response.content == b""


def test_fault_drop_in_process(emulator):
    emulator.faults.push("drop")
    with pytest.raises(httpx.RemoteProtocolError):
        rpc_post(emulator, rpc_signed("CreateOnlineDatabaseTask", OPEN_PARAMETERS))
    assert emulator.open_count(INSTANCE, "sales") == 0
    assert emulator.calls.all()[-1].fault == "drop"


def test_fault_drop_over_socket(emulator, served):
    emulator.faults.push("drop")
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(f"{served.rds_endpoint}/", data=rpc_signed("CreateOnlineDatabaseTask", OPEN_PARAMETERS))
    assert emulator.open_count(INSTANCE, "sales") == 0


def test_fault_lost_response_then_replay(emulator):
    emulator.faults.push("lost_response")
    parameters = {**OPEN_PARAMETERS, "ClientToken": "opendb-lost"}
    with pytest.raises(httpx.RemoteProtocolError):
        rpc_post(emulator, rpc_signed("CreateOnlineDatabaseTask", parameters))
    retry = rpc_post(emulator, rpc_signed("CreateOnlineDatabaseTask", parameters))
    first, second = emulator.calls.find(action="CreateOnlineDatabaseTask")
    assert retry.status_code == 200
    assert retry.json()["RequestId"] == first.request_id
    assert second.effect is False
    assert emulator.open_count(INSTANCE, "sales") == 1


def test_fault_delay_in_process_times_out(emulator):
    emulator.faults = Faults(delay_seconds=5.0)
    emulator.faults.push("delay")
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        rpc_post(emulator, rpc_signed("CreateOnlineDatabaseTask", OPEN_PARAMETERS), timeout=0.2)
    elapsed = time.monotonic() - started
    assert 0.2 <= elapsed < 2.0
    # The server went on with the request after the client gave up, as a real one does.
    assert emulator.open_count(INSTANCE, "sales") == 1


def test_fault_delay_within_timeout(emulator):
    emulator.faults = Faults(delay_seconds=0.1)
    emulator.faults.push("delay")
    response = rpc_post(emulator, rpc_signed("CreateOnlineDatabaseTask", OPEN_PARAMETERS), timeout=5.0)
    assert response.status_code == 200


def test_fault_delay_over_socket(emulator, served):
    emulator.faults = Faults(delay_seconds=1.0)
    emulator.faults.push("delay")
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{served.rds_endpoint}/", data=rpc_signed("DescribeMigrateTaskById", {"DBInstanceId": INSTANCE, "MigrateTaskId": TASK}), timeout=0.2)


def test_fault_rate_through_sdk(emulator, served):
    emulator.faults = Faults(seed=3, unavailable=0.5, actions=frozenset({"DescribeMigrateTaskById"}))
    codes = []
    for _ in range(20):
        try:
            core_call(served.rds_endpoint, core_describe())
            codes.append(None)
        except ServerException as error:
            codes.append(error.get_error_code())
    assert codes.count("ServiceUnavailable") > 0
    assert codes.count(None) > 0
    assert set(codes) == {None, "ServiceUnavailable"}
