"""Tests for opendb.signing against Alibaba's published example and the official SDKs.

The SDK clients never reach the network here: DaraCore.do_action, the one call
that would send the request, is replaced by a function that records the signed
request and raises.
"""

from __future__ import annotations

import hashlib
import string
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, unquote, urlsplit

import oss2
import pytest
from aliyunsdkcore.auth.algorithm import sha_hmac1
from aliyunsdkcore.auth.composer import rpc_signature_composer
from alibabacloud_openapi_util.client import Client as OpenApiUtil
from alibabacloud_rds20140815 import models as rds_models
from alibabacloud_rds20140815.client import Client as RdsClient
from alibabacloud_tea_openapi import utils_models as openapi_models
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.utils import Utils as OpenApiUtils
from darabonba.core import DaraCore
from darabonba.exceptions import UnretryableException
from darabonba.request import DaraRequest
from darabonba.runtime import RuntimeOptions
from hypothesis import given, settings
from hypothesis import strategies as st

from opendb import signing
from opendb.credentials import Credentials

# Alibaba Cloud's RPC signature example: DescribeRegions signed with AccessKey
# testid / testsecret, from the ECS API reference page "Sign signatures", also
# reprinted at developer.aliyun.com/ask/210168. The page uses the old parameter name
# TimeStamp.
PUBLISHED_PARAMS = {
    "TimeStamp": "2016-02-23T12:46:24Z",
    "Format": "XML",
    "AccessKeyId": "testid",
    "Action": "DescribeRegions",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    "Version": "2014-05-26",
    "SignatureVersion": "1.0",
}
PUBLISHED_SECRET = "testsecret"
# Copied as the page prints it. The page shows the separators inside the third,
# encoded field as "&", but the published signature below only reproduces with
# them encoded as "%26", which is also what both official SDKs produce.
PUBLISHED_STRING_TO_SIGN = (
    "GET&%2F&AccessKeyId%3Dtestid&Action%3DDescribeRegions&Format%3DXML"
    "&SignatureMethod%3DHMAC-SHA1&SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"
    "&SignatureVersion%3D1.0&TimeStamp%3D2016-02-23T12%253A46%253A24Z&Version%3D2014-05-26"
)
PUBLISHED_SIGNATURE = "CT9X0VtwR86fNWSnsc6v8YGOjuE="

# The request example on the CreateOnlineDatabaseTask API page
# (help.aliyun.com/en/rds/api-open-the-database-to-which-backup-data-is-migrated), plus
# the ClientToken example value from its parameter table. The masked "****" values are
# kept because "*" must be encoded as %2A.
CREATE_ONLINE_DATABASE_TASK = {
    "DBInstanceId": "rm-uf6wjk5****",
    "DBName": "testDB",
    "MigrateTaskId": "5652255443",
    "CheckDBMode": "AsyncExecuteDBCheck",
    "ClientToken": "ETnLKlblzczshOTUbOCz****",
}

LONG_TERM = Credentials("LTAI5tExampleKeyId", "ExampleSecret0123456789abcdef")
STS = Credentials("STS.NUexampleKeyId", "StsSecretExample+/=", "CAIS+example/token==")
FIXED_TIME = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
FIXED_NONCE = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"

SIGNER_PARAMETERS = {
    "Action", "Version", "Format", "AccessKeyId", "SignatureMethod", "SignatureVersion",
    "SignatureNonce", "Timestamp", "SecurityToken", "Signature",
}

OSS_KEYS = [
    "backups/销售库/FULL_备份 2024-05-06.bak",
    "backups/a b+c.bak",
    "backups/100%.bak",
    "backups/x%2Fy.bak",
    "目录/子目录/日志 (copy)+1.trn",
    "~tilde*star'quote\".bak",
]


# --- strategies ----------------------------------------------------------------

text_values = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
reserved_values = st.text(alphabet="*+~%/&= ?#", max_size=12)
parameter_values = st.one_of(text_values, reserved_values)
parameter_names = st.text(
    alphabet=string.ascii_letters + string.digits + "*+~%/&=._- ", min_size=1, max_size=16
).filter(lambda name: name not in SIGNER_PARAMETERS)
# Letters and digits only, like every RPC parameter name: tea-openapi signs ACS3 query names unencoded.
plain_names = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=16)
tokens = st.one_of(st.none(), st.text(string.ascii_letters + string.digits + "+/=", min_size=1, max_size=60))
secrets = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40)
key_ids = st.text(string.ascii_letters + string.digits + ".", min_size=1, max_size=30)


# --- helpers -------------------------------------------------------------------


def parse_acs_date(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def without_signature(params: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in params.items() if name != "Signature"}


def aliyunsdkcore_string_to_sign(method: str, params: dict[str, str]) -> str:
    # The composer keeps this step in a module-level function with a leading double underscore.
    compose = getattr(rpc_signature_composer, "__compose_string_to_sign")
    return compose(method, dict(params))


def tea_config(credentials: Credentials, signature_algorithm: str | None) -> openapi_models.Config:
    return openapi_models.Config(
        access_key_id=credentials.access_key_id,
        access_key_secret=credentials.access_key_secret,
        security_token=credentials.security_token,
        endpoint="127.0.0.1",
        signature_algorithm=signature_algorithm,
    )


@pytest.fixture
def sdk_requests(monkeypatch):
    """Make the tea-openapi SDKs record each signed request instead of sending it."""
    recorded: list[DaraRequest] = []

    class RequestRecorded(Exception):
        pass

    def record(request, runtime):
        recorded.append(request)
        raise RequestRecorded()

    monkeypatch.setattr(DaraCore, "do_action", staticmethod(record))
    return recorded


def call_create_online_database_task(credentials: Credentials, signature_algorithm: str | None) -> None:
    client = RdsClient(tea_config(credentials, signature_algorithm))
    request = rds_models.CreateOnlineDatabaseTaskRequest(
        dbinstance_id=CREATE_ONLINE_DATABASE_TASK["DBInstanceId"],
        dbname=CREATE_ONLINE_DATABASE_TASK["DBName"],
        migrate_task_id=CREATE_ONLINE_DATABASE_TASK["MigrateTaskId"],
        check_dbmode=CREATE_ONLINE_DATABASE_TASK["CheckDBMode"],
        client_token=CREATE_ONLINE_DATABASE_TASK["ClientToken"],
    )
    with pytest.raises(UnretryableException):
        client.create_online_database_task_with_options(request, RuntimeOptions())


def call_rpc_with_form_body(credentials: Credentials, body: dict[str, str], signature_algorithm: str | None) -> None:
    client = OpenApiClient(tea_config(credentials, signature_algorithm))
    params = openapi_models.Params(
        action="CreateOnlineDatabaseTask",
        version="2014-08-15",
        protocol="HTTPS",
        pathname="/",
        method="POST",
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )
    with pytest.raises(UnretryableException):
        client.call_api(params, openapi_models.OpenApiRequest(body=body), RuntimeOptions())


def sign_like_sdk(recorded: DaraRequest, credentials: Credentials) -> dict[str, str]:
    """Sign the recorded request's inputs with opendb, reusing the SDK's date and nonce."""
    caller_headers = {
        name: value
        for name, value in recorded.headers.items()
        if name.lower() not in {
            "host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce",
            "x-acs-content-sha256", "x-acs-accesskey-id", "x-acs-security-token", "authorization",
        }
    }
    body = recorded.body.encode("utf-8") if recorded.body else b""
    return signing.sign_acs3(
        method=recorded.method,
        host=recorded.headers["host"],
        path=recorded.pathname,
        query=recorded.query,
        headers=caller_headers,
        body=body,
        action=recorded.headers["x-acs-action"],
        version=recorded.headers["x-acs-version"],
        credentials=credentials,
        timestamp=parse_acs_date(recorded.headers["x-acs-date"]),
        nonce=recorded.headers["x-acs-signature-nonce"],
    )


def oss2_signed_headers(credentials: Credentials, method: str, bucket: str, key: str, headers: dict[str, str]):
    if credentials.security_token:
        auth = oss2.StsAuth(credentials.access_key_id, credentials.access_key_secret, credentials.security_token)
    else:
        auth = oss2.Auth(credentials.access_key_id, credentials.access_key_secret)
    request = oss2.http.Request(method, "http://127.0.0.1:9000/", headers=dict(headers))
    auth._sign_request(request, bucket, key)
    return request.headers


# --- percent_encode --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("AZaz09-_.~", "AZaz09-_.~"),
        (" ", "%20"),
        ("*", "%2A"),
        ("+", "%2B"),
        ("/", "%2F"),
        ("%", "%25"),
        ("&=", "%26%3D"),
        ("中", "%E4%B8%AD"),
    ],
)
def test_percent_encode_rule(raw, encoded):
    assert signing.percent_encode(raw) == encoded


@given(text_values)
def test_percent_encode_alphabet_and_round_trip(value):
    encoded = signing.percent_encode(value)

    allowed = set(string.ascii_letters + string.digits + "-_.~%")
    assert set(encoded) <= allowed
    assert unquote(encoded, errors="strict") == value


# --- RPC signature v1 --------------------------------------------------------------


def test_rpc_published_string_to_sign():
    method, slash, printed_query = PUBLISHED_STRING_TO_SIGN.split("&", 2)
    expected = f"{method}&{slash}&{printed_query.replace('&', '%26')}"

    assert signing.rpc_v1_string_to_sign("GET", PUBLISHED_PARAMS) == expected


def test_rpc_published_signature():
    assert signing.rpc_v1_signature("GET", PUBLISHED_PARAMS, PUBLISHED_SECRET) == PUBLISHED_SIGNATURE


def test_rpc_published_example_matches_sdks():
    ours = signing.rpc_v1_string_to_sign("GET", PUBLISHED_PARAMS)

    assert ours == aliyunsdkcore_string_to_sign("GET", PUBLISHED_PARAMS)
    assert OpenApiUtil.get_rpcsignature(PUBLISHED_PARAMS, "GET", PUBLISHED_SECRET) == PUBLISHED_SIGNATURE


@pytest.mark.parametrize("credentials", [LONG_TERM, STS], ids=["long-term", "sts"])
def test_rpc_create_task_matches_rds_client(sdk_requests, credentials):
    call_create_online_database_task(credentials, signature_algorithm="v2")
    recorded = sdk_requests[0]
    sdk_signature = recorded.query["Signature"]

    ours = signing.rpc_v1_signature(recorded.method, without_signature(recorded.query), credentials.access_key_secret)

    assert ours == sdk_signature
    assert recorded.query.get("SecurityToken") == credentials.security_token


@pytest.mark.parametrize("credentials", [LONG_TERM, STS], ids=["long-term", "sts"])
def test_rpc_create_task_example_matches_sdks(credentials):
    signed = signing.sign_rpc_v1(
        "CreateOnlineDatabaseTask", "2014-08-15", CREATE_ONLINE_DATABASE_TASK, credentials,
        timestamp=FIXED_TIME, nonce=FIXED_NONCE,
    )
    unsigned = without_signature(signed)
    core_string_to_sign = aliyunsdkcore_string_to_sign("POST", unsigned)

    assert signing.rpc_v1_string_to_sign("POST", unsigned) == core_string_to_sign
    assert signed["Signature"] == sha_hmac1.get_sign_string(core_string_to_sign, credentials.access_key_secret + "&")
    assert signed["Signature"] == OpenApiUtil.get_rpcsignature(unsigned, "POST", credentials.access_key_secret)


def test_rpc_form_body_matches_sdk_client(sdk_requests):
    body = {**CREATE_ONLINE_DATABASE_TASK, "DBName": "销售 库*+~%/&=", "ClientToken": "tok en+/"}
    call_rpc_with_form_body(STS, body, signature_algorithm="v2")
    recorded = sdk_requests[0]

    ours = signing.rpc_v1_signature("POST", {**without_signature(recorded.query), **body}, STS.access_key_secret)

    assert ours == recorded.query["Signature"]


@settings(max_examples=300)
@given(
    params=st.dictionaries(parameter_names, parameter_values, max_size=8),
    key_id=key_ids,
    secret=secrets,
    token=tokens,
    method=st.sampled_from(["GET", "POST"]),
)
def test_rpc_generated_matches_sdks(params, key_id, secret, token, method):
    credentials = Credentials(key_id, secret, token)

    signed = signing.sign_rpc_v1(
        "CreateOnlineDatabaseTask", "2014-08-15", params, credentials,
        method=method, timestamp=FIXED_TIME, nonce=FIXED_NONCE,
    )
    unsigned = without_signature(signed)
    core_string_to_sign = aliyunsdkcore_string_to_sign(method, unsigned)

    assert signing.rpc_v1_string_to_sign(method, unsigned) == core_string_to_sign
    assert signed["Signature"] == sha_hmac1.get_sign_string(core_string_to_sign, secret + "&")
    assert signed["Signature"] == OpenApiUtil.get_rpcsignature(unsigned, method, secret)


def test_sign_rpc_v1_common_parameters():
    beijing = timezone(timedelta(hours=8))
    signed = signing.sign_rpc_v1(
        "CreateOnlineDatabaseTask", "2014-08-15", {"DBName": "testDB", "ClientToken": None}, LONG_TERM,
        timestamp=datetime(2024, 5, 6, 15, 8, 9, tzinfo=beijing), nonce=FIXED_NONCE,
    )

    assert signed["Action"] == "CreateOnlineDatabaseTask"
    assert signed["Version"] == "2014-08-15"
    assert signed["Format"] == "JSON"
    assert signed["AccessKeyId"] == LONG_TERM.access_key_id
    assert signed["SignatureMethod"] == "HMAC-SHA1"
    assert signed["SignatureVersion"] == "1.0"
    assert signed["SignatureNonce"] == FIXED_NONCE
    assert signed["Timestamp"] == "2024-05-06T07:08:09Z"
    assert signed["DBName"] == "testDB"
    assert "ClientToken" not in signed
    assert "SecurityToken" not in signed


def test_sign_rpc_v1_adds_security_token():
    signed = signing.sign_rpc_v1("DescribeRegions", "2014-08-15", {}, STS)

    assert signed["SecurityToken"] == STS.security_token


def test_sign_rpc_v1_fresh_nonce():
    first = signing.sign_rpc_v1("DescribeRegions", "2014-08-15", {}, LONG_TERM)
    second = signing.sign_rpc_v1("DescribeRegions", "2014-08-15", {}, LONG_TERM)

    assert first["SignatureNonce"] != second["SignatureNonce"]
    assert len(first["SignatureNonce"]) == 32
    assert set(first["SignatureNonce"]) <= set(string.hexdigits.lower())


def test_sign_rpc_v1_current_time():
    before = datetime.now(timezone.utc).replace(microsecond=0)
    signed = signing.sign_rpc_v1("DescribeRegions", "2014-08-15", {}, LONG_TERM)
    after = datetime.now(timezone.utc)

    assert before <= parse_acs_date(signed["Timestamp"]) <= after


@pytest.mark.parametrize("name", ["AccessKeyId", "Signature", "Timestamp", "SecurityToken"])
def test_sign_rpc_v1_rejects_signer_parameter(name):
    with pytest.raises(ValueError, match=name):
        signing.sign_rpc_v1("DescribeRegions", "2014-08-15", {name: "x"}, LONG_TERM)


def test_sign_rpc_v1_rejects_naive_timestamp():
    with pytest.raises(ValueError, match="time zone"):
        signing.sign_rpc_v1("DescribeRegions", "2014-08-15", {}, LONG_TERM, timestamp=datetime(2024, 5, 6))


def test_rpc_rejects_non_string_value():
    with pytest.raises(TypeError, match="MigrateTaskId"):
        signing.rpc_v1_string_to_sign("POST", {"MigrateTaskId": 5652255443})


# --- encode_form -------------------------------------------------------------------


@given(st.dictionaries(parameter_names, parameter_values, max_size=8))
def test_encode_form_round_trip(params):
    body = signing.encode_form(params)

    assert dict(parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=bool(params))) == params


def test_encode_form_space_and_plus():
    body = signing.encode_form({"DBName": "a b+c", "ClientToken": None})

    assert body == b"DBName=a%20b%2Bc"


def test_encode_form_matches_signed_query():
    signed = signing.sign_rpc_v1(
        "CreateOnlineDatabaseTask", "2014-08-15", CREATE_ONLINE_DATABASE_TASK, STS,
        timestamp=FIXED_TIME, nonce=FIXED_NONCE,
    )
    canonical_query = unquote(signing.rpc_v1_string_to_sign("POST", without_signature(signed)).split("&", 2)[2])

    body = signing.encode_form(without_signature(signed)).decode("ascii")

    assert sorted(body.split("&")) == sorted(canonical_query.split("&"))


# --- ACS3-HMAC-SHA256 --------------------------------------------------------------


@pytest.mark.parametrize("credentials", [LONG_TERM, STS], ids=["long-term", "sts"])
def test_acs3_create_task_matches_rds_client(sdk_requests, credentials):
    call_create_online_database_task(credentials, signature_algorithm=None)
    recorded = sdk_requests[0]

    ours = sign_like_sdk(recorded, credentials)

    assert ours["Authorization"] == recorded.headers["Authorization"]
    assert ours == recorded.headers


@pytest.mark.parametrize("credentials", [LONG_TERM, STS], ids=["long-term", "sts"])
def test_acs3_form_body_matches_sdk_client(sdk_requests, credentials):
    body = {**CREATE_ONLINE_DATABASE_TASK, "DBName": "销售 库*+~%/&=", "ClientToken": "tok en+/"}
    call_rpc_with_form_body(credentials, body, signature_algorithm=None)
    recorded = sdk_requests[0]

    ours = sign_like_sdk(recorded, credentials)

    assert ours["x-acs-content-sha256"] == recorded.headers["x-acs-content-sha256"]
    assert ours["Authorization"] == recorded.headers["Authorization"]
    assert ours == recorded.headers


def test_acs3_header_set():
    body = signing.encode_form(CREATE_ONLINE_DATABASE_TASK)
    headers = signing.sign_acs3(
        method="POST", host="rds.aliyuncs.com", path="/", query={},
        headers={"Content-Type": "application/x-www-form-urlencoded"}, body=body,
        action="CreateOnlineDatabaseTask", version="2014-08-15", credentials=STS,
        timestamp=FIXED_TIME, nonce=FIXED_NONCE,
    )
    authorization = headers["Authorization"]

    assert headers["host"] == "rds.aliyuncs.com"
    assert headers["x-acs-action"] == "CreateOnlineDatabaseTask"
    assert headers["x-acs-version"] == "2014-08-15"
    assert headers["x-acs-date"] == "2024-05-06T07:08:09Z"
    assert headers["x-acs-signature-nonce"] == FIXED_NONCE
    assert headers["x-acs-content-sha256"] == hashlib.sha256(body).hexdigest()
    assert headers["x-acs-security-token"] == STS.security_token
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert authorization.startswith(f"ACS3-HMAC-SHA256 Credential={STS.access_key_id},SignedHeaders=")
    assert "SignedHeaders=content-type;host;x-acs-accesskey-id;x-acs-action;" in authorization


def test_acs3_long_term_has_no_token_header():
    headers = signing.sign_acs3(
        method="POST", host="rds.aliyuncs.com", path="/", query={}, headers={}, body=b"",
        action="DescribeRegions", version="2014-08-15", credentials=LONG_TERM,
    )

    assert "x-acs-security-token" not in headers
    assert "x-acs-accesskey-id" not in headers


@settings(max_examples=300)
@given(
    query=st.dictionaries(plain_names, parameter_values, max_size=5),
    body_params=st.dictionaries(parameter_names, parameter_values, max_size=8),
    extra_headers=st.dictionaries(
        st.sampled_from(["Accept", "User-Agent", "x-acs-credentials-provider", "Content-Type"]),
        st.text(string.ascii_letters + string.digits + " ;/=.", min_size=1, max_size=30).map(str.strip).filter(bool),
    ),
    key_id=key_ids,
    secret=secrets,
    token=tokens,
)
def test_acs3_generated_matches_sdk(query, body_params, extra_headers, key_id, secret, token):
    credentials = Credentials(key_id, secret, token)
    body = signing.encode_form(body_params)

    ours = signing.sign_acs3(
        method="POST", host="rds.cn-hangzhou.aliyuncs.com", path="/", query=query,
        headers=extra_headers, body=body, action="CreateOnlineDatabaseTask", version="2014-08-15",
        credentials=credentials, timestamp=FIXED_TIME, nonce=FIXED_NONCE,
    )
    request = DaraRequest()
    request.method = "POST"
    request.pathname = "/"
    request.query = dict(query)
    request.headers = {name: value for name, value in ours.items() if name != "Authorization"}
    sdk_authorization = OpenApiUtils.get_authorization(
        request, "ACS3-HMAC-SHA256", hashlib.sha256(body).hexdigest(), key_id, secret
    )

    assert ours["Authorization"] == sdk_authorization


def test_acs3_strips_header_values_like_sdk():
    padded = {"Accept": "  application/json ", "Content-Type": "\tapplication/x-www-form-urlencoded "}
    ours = signing.sign_acs3(
        method="POST", host="rds.aliyuncs.com", path="/", query={}, headers=padded, body=b"",
        action="DescribeRegions", version="2014-08-15", credentials=LONG_TERM,
        timestamp=FIXED_TIME, nonce=FIXED_NONCE,
    )
    request = DaraRequest()
    request.method = "POST"
    request.pathname = "/"
    request.headers = {
        **{name: value for name, value in ours.items() if name not in {"accept", "content-type", "Authorization"}},
        **padded,
    }
    sdk_authorization = OpenApiUtils.get_authorization(
        request, "ACS3-HMAC-SHA256", hashlib.sha256(b"").hexdigest(),
        LONG_TERM.access_key_id, LONG_TERM.access_key_secret,
    )

    assert ours["accept"] == "application/json"
    assert ours["content-type"] == "application/x-www-form-urlencoded"
    assert ours["Authorization"] == sdk_authorization


@pytest.mark.parametrize("name", ["Host", "x-acs-date", "Authorization", "X-Acs-Security-Token"])
def test_acs3_rejects_signer_header(name):
    with pytest.raises(ValueError, match=name):
        signing.sign_acs3(
            method="POST", host="rds.aliyuncs.com", path="/", query={}, headers={name: "x"}, body=b"",
            action="DescribeRegions", version="2014-08-15", credentials=LONG_TERM,
        )


# --- OSS signature V1 ---------------------------------------------------------------


@pytest.mark.parametrize("credentials", [LONG_TERM, STS], ids=["long-term", "sts"])
@pytest.mark.parametrize("key", OSS_KEYS)
def test_oss_matches_oss2(credentials, key):
    headers = {
        "Content-Type": "application/octet-stream",
        "X-Oss-Meta-Db-Name": "销售 库",
        "x-oss-meta-rds-instance-id": "rm-uf6wjk5****",
        "x-oss-meta-check-db-mode": "AsyncExecuteDBCheck",
    }
    expected = oss2_signed_headers(credentials, "HEAD", "backup-bucket", key, headers)

    ours = signing.sign_oss_request(
        "HEAD", "backup-bucket", key, headers, credentials, date=parsedate_to_datetime(expected["date"])
    )

    assert ours["Date"] == expected["date"]
    assert ours["Authorization"] == expected["authorization"]
    assert ours.get("x-oss-security-token") == expected.get("x-oss-security-token")


@settings(max_examples=300)
@given(
    key=st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=60),
    meta=st.dictionaries(
        st.text(string.ascii_lowercase + string.digits + "-", min_size=1, max_size=12),
        text_values,
        max_size=4,
    ),
    token=tokens,
    method=st.sampled_from(["GET", "HEAD", "PUT"]),
)
def test_oss_generated_matches_oss2(key, meta, token, method):
    credentials = Credentials("LTAI5tOssKeyId", "OssSecretExample", token)
    headers = {f"x-oss-meta-{name}": value for name, value in meta.items()}
    expected = oss2_signed_headers(credentials, method, "backup-bucket", key, headers)

    ours = signing.sign_oss_request(
        method, "backup-bucket", key, headers, credentials, date=parsedate_to_datetime(expected["date"])
    )

    assert ours["Authorization"] == expected["authorization"]


def test_oss_string_to_sign_uses_raw_key():
    key = "backups/x%2Fy 中.bak"
    string_to_sign = signing.oss_v1_string_to_sign("GET", "backup-bucket", key, {"Date": "Mon, 06 May 2024 07:08:09 GMT"})

    assert string_to_sign.endswith("\n/backup-bucket/backups/x%2Fy 中.bak")


def test_oss_subresources_match_oss2():
    headers = {"Date": "Mon, 06 May 2024 07:08:09 GMT"}
    request = oss2.http.Request("GET", "http://127.0.0.1:9000/", params={"versionId": "v+1", "acl": ""}, headers=headers)
    oss2.Auth(LONG_TERM.access_key_id, LONG_TERM.access_key_secret)._sign_request(request, "b", "k")
    headers["Date"] = request.headers["date"]

    ours = signing.oss_v1_authorization("GET", "b", "k", headers, LONG_TERM, {"versionId": "v+1", "acl": ""})

    assert ours == request.headers["authorization"]


def test_sign_oss_request_date_format():
    beijing = timezone(timedelta(hours=8))
    headers = signing.sign_oss_request(
        "GET", "b", "k", {}, LONG_TERM, date=datetime(2024, 5, 6, 15, 8, 9, tzinfo=beijing)
    )

    assert headers["Date"] == "Mon, 06 May 2024 07:08:09 GMT"
    assert "x-oss-security-token" not in headers


@pytest.mark.parametrize("name", ["date", "Authorization", "X-OSS-Security-Token"])
def test_sign_oss_request_rejects_signer_header(name):
    with pytest.raises(ValueError, match=name.lower()):
        signing.sign_oss_request("GET", "b", "k", {name: "x"}, LONG_TERM)


@pytest.mark.parametrize("key", OSS_KEYS)
def test_oss_object_path_matches_oss2(key):
    make_url = oss2.api._UrlMaker("http://127.0.0.1:9000", False, True)
    oss2_path = urlsplit(make_url("backup-bucket", key, slash_safe=True)).path

    assert signing.oss_object_path("backup-bucket", key) == oss2_path


@given(st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=60))
def test_oss_object_path_decodes_to_key(key):
    path = signing.oss_object_path("backup-bucket", key)
    encoded_key = path.removeprefix("/backup-bucket/")

    assert path.startswith("/backup-bucket/")
    assert set(encoded_key) <= set(string.ascii_letters + string.digits + "-_.~/%")
    assert unquote(encoded_key, errors="strict") == key
