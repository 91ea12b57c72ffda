"""The RDS client against httpx.MockTransport: the request on the wire and error parsing."""

from urllib.parse import parse_qsl

import httpx
import pytest

from opendb.credentials import Credentials
from opendb.errors import ApiError, TransportError
from opendb.rds import ACTIONS, API_VERSION, RdsClient

CREDENTIALS = Credentials("STS.id", "secret-abcdefgh", "token-abcdefgh")
PARAMS = {"DBInstanceId": "rm-abc123456", "DBName": "Sales DB+1", "MigrateTaskId": "42"}


def client(handler, signature_version="acs3"):
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return RdsClient(http, "https://rds.aliyuncs.com", signature_version=signature_version, timeout=5)


def capture():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"RequestId": "R1"})

    return seen, handler


@pytest.mark.parametrize("signature_version", ["acs3", "v1"])
def test_post_form_body_nothing_secret_in_url(signature_version):
    seen, handler = capture()
    assert client(handler, signature_version).call("CreateOnlineDatabaseTask", PARAMS, CREDENTIALS) == {"RequestId": "R1"}
    request = seen[0]
    assert request.method == "POST"
    assert str(request.url) == "https://rds.aliyuncs.com/"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = dict(parse_qsl(request.content.decode()))
    assert form["DBName"] == "Sales DB+1"
    assert "%20" in request.content.decode()
    assert "token-abcdefgh" not in str(request.url)


def test_acs3_signs_in_headers():
    seen, handler = capture()
    client(handler, "acs3").call("DescribeMigrateTaskById", PARAMS, CREDENTIALS)
    headers = seen[0].headers
    assert headers["authorization"].startswith("ACS3-HMAC-SHA256 Credential=STS.id,")
    assert headers["x-acs-action"] == "DescribeMigrateTaskById"
    assert headers["x-acs-version"] == API_VERSION
    assert headers["x-acs-security-token"] == "token-abcdefgh"
    assert "Signature" not in dict(parse_qsl(seen[0].content.decode()))


def test_v1_signs_in_body():
    seen, handler = capture()
    client(handler, "v1").call("DescribeMigrateTaskById", PARAMS, CREDENTIALS)
    form = dict(parse_qsl(seen[0].content.decode()))
    assert form["Action"] == "DescribeMigrateTaskById"
    assert form["Version"] == API_VERSION
    assert form["SecurityToken"] == "token-abcdefgh"
    assert form["SignatureMethod"] == "HMAC-SHA1"
    assert form["Signature"]
    assert "authorization" not in seen[0].headers


def test_nonce_fresh_per_request():
    seen, handler = capture()
    rds = client(handler, "v1")
    rds.call("DescribeMigrateTaskById", PARAMS, CREDENTIALS)
    rds.call("DescribeMigrateTaskById", PARAMS, CREDENTIALS)
    nonces = {dict(parse_qsl(request.content.decode()))["SignatureNonce"] for request in seen}
    assert len(nonces) == 2


@pytest.mark.parametrize(
    ("response", "code", "retryable"),
    [
        (httpx.Response(400, json={"Code": "Throttling.User", "Message": "m", "RequestId": "R9"}), "Throttling.User", True),
        (httpx.Response(403, json={"Code": "Forbidden.RAM", "Message": "m", "RequestId": "R9"}), "Forbidden.RAM", False),
        (httpx.Response(502, content=b"<html><body>Bad Gateway</body></html>", headers={"content-type": "text/html"}), "HTTP502", True),
        (httpx.Response(500, content=b""), "HTTP500", True),
        (httpx.Response(404, content=b"\xff\xfe"), "HTTP404", False),
        (httpx.Response(429, json=["not", "an", "object"]), "HTTP429", True),
    ],
)
def test_error_bodies_classified(response, code, retryable):
    with pytest.raises(ApiError) as caught:
        client(lambda request: response).call("CreateOnlineDatabaseTask", PARAMS, CREDENTIALS)
    assert caught.value.code == code
    assert caught.value.retryable is retryable
    assert caught.value.action == "CreateOnlineDatabaseTask"


def test_request_id_of_error_kept():
    response = httpx.Response(400, json={"Code": "InvalidParameter", "Message": "DBName", "RequestId": "R-err"})
    with pytest.raises(ApiError) as caught:
        client(lambda request: response).call("CreateOnlineDatabaseTask", PARAMS, CREDENTIALS)
    assert caught.value.request_id == "R-err"
    assert "InvalidParameter" in caught.value.message


def test_success_with_non_json_body_is_retryable():
    with pytest.raises(ApiError) as caught:
        client(lambda request: httpx.Response(200, content=b"<ok/>")).call("DescribeMigrateTaskById", PARAMS, CREDENTIALS)
    assert caught.value.code == "InvalidResponse"
    assert caught.value.retryable


@pytest.mark.parametrize(
    ("error", "words"),
    [(httpx.ReadTimeout("slow"), "timed out"), (httpx.ConnectError("refused"), "got no response"),
     (httpx.RemoteProtocolError("closed"), "got no response")],
)
def test_transport_errors_retryable(error, words):
    def handler(request):
        raise error

    with pytest.raises(TransportError) as caught:
        client(handler).call("CreateOnlineDatabaseTask", PARAMS, CREDENTIALS)
    assert caught.value.retryable
    assert words in caught.value.message


def test_actions_listed():
    assert set(ACTIONS) == {"CreateOnlineDatabaseTask", "DescribeMigrateTaskById", "DescribeOssDownloads"}
