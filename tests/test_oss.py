"""The OSS client against httpx.MockTransport: URLs, metadata decoding and error codes."""

import base64

import httpx
import pytest

from opendb.credentials import Credentials
from opendb.errors import ApiError, InvalidEvent, InvalidMetadata, TransportError
from opendb.notices import ObjectRef
from opendb.oss import OssClient
from opendb.settings import load

CREDENTIALS = Credentials("STS.id", "secret-abcdefgh", "token-abcdefgh")


def client(handler, **env):
    settings = load({"FC_REGION": "cn-hangzhou", **env})
    return OssClient(httpx.Client(transport=httpx.MockTransport(handler)), settings)


def test_virtual_hosted_url_encodes_key_once():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200)

    client(handler).head_object(ObjectRef("rds-backups", "备份/full 1+2%.bak"), CREDENTIALS)
    request = seen[0]
    assert request.url.host == "rds-backups.oss-cn-hangzhou-internal.aliyuncs.com"
    assert request.url.raw_path == b"/%E5%A4%87%E4%BB%BD/full%201%2B2%25.bak"
    assert request.headers["x-oss-security-token"] == "token-abcdefgh"
    assert request.headers["authorization"].startswith("OSS STS.id:")


def test_other_region_uses_public_endpoint():
    seen = []
    client(lambda r: seen.append(r) or httpx.Response(200)).head_object(
        ObjectRef("rds-backups", "a.bak", region="cn-beijing"), CREDENTIALS
    )
    assert seen[0].url.host == "rds-backups.oss-cn-beijing.aliyuncs.com"


def test_path_style_with_override():
    seen = []
    client(lambda r: seen.append(r) or httpx.Response(200), OPENDB_OSS_ENDPOINT="http://127.0.0.1:9000").head_object(
        ObjectRef("rds-backups", "a/b.bak"), CREDENTIALS
    )
    assert str(seen[0].url) == "http://127.0.0.1:9000/rds-backups/a/b.bak"


def test_metadata_decoded_as_utf8_and_trimmed():
    def handler(request):
        return httpx.Response(200, headers=[
            (b"X-OSS-Meta-RDS-DB-Name", "  销售库 ".encode("utf-8")),
            (b"x-oss-meta-rds-instance-id", b"rm-abc123456"),
            (b"Content-Type", b"application/octet-stream"),
        ])

    metadata = client(handler).head_object(ObjectRef("rds-backups", "a.bak"), CREDENTIALS)
    assert metadata == {"rds-db-name": "销售库", "rds-instance-id": "rm-abc123456"}


def test_invalid_utf8_metadata_rejected():
    def handler(request):
        return httpx.Response(200, headers=[(b"x-oss-meta-rds-db-name", b"\xff\xfe")])

    with pytest.raises(InvalidMetadata) as caught:
        client(handler).head_object(ObjectRef("rds-backups", "a.bak"), CREDENTIALS)
    assert caught.value.key == "x-oss-meta-rds-db-name"


def _head_error(status, code=None):
    headers = {"x-oss-request-id": "REQ1", "x-oss-ec": "0002-00000040"}
    if code is not None:
        document = f"<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>m</Message></Error>"
        headers["x-oss-err"] = base64.b64encode(document.encode()).decode()
    return lambda request: httpx.Response(status, headers=headers)


@pytest.mark.parametrize(
    ("status", "code", "expected", "retryable"),
    [
        (403, "SecurityTokenExpired", "SecurityTokenExpired", True),
        (403, "InvalidAccessKeyId", "InvalidAccessKeyId", False),
        (403, "SignatureDoesNotMatch", "SignatureDoesNotMatch", False),
        (403, None, "AccessDenied", False),
        (404, None, "NoSuchKey", False),
        (503, None, "ServiceUnavailable", True),
        (500, None, "HTTP500", True),
    ],
)
def test_head_error_code_from_x_oss_err(status, code, expected, retryable):
    with pytest.raises(ApiError) as caught:
        client(_head_error(status, code)).head_object(ObjectRef("rds-backups", "a.bak"), CREDENTIALS)
    assert caught.value.code == expected
    assert caught.value.retryable is retryable
    assert caught.value.request_id == "REQ1"


def test_put_error_code_from_body():
    def handler(request):
        return httpx.Response(403, content=b"<Error><Code>AccessDenied</Code></Error>", headers={"x-oss-request-id": "R2"})

    with pytest.raises(ApiError) as caught:
        client(handler).put_object(ObjectRef("ops", "x.json"), b"{}", CREDENTIALS)
    assert caught.value.code == "AccessDenied"
    assert caught.value.action == "PutObject"


def test_connection_error_is_retryable_transport_error():
    def handler(request):
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(TransportError) as caught:
        client(handler).head_object(ObjectRef("rds-backups", "a.bak"), CREDENTIALS)
    assert caught.value.retryable


@pytest.mark.parametrize("bucket", ["Evil.example.com", "a", "bucket/x", "b#c"])
def test_bucket_names_that_change_host_rejected(bucket):
    with pytest.raises(InvalidEvent):
        client(lambda r: httpx.Response(200)).head_object(ObjectRef(bucket, "a.bak"), CREDENTIALS)
