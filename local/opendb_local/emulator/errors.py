"""Error responses in the shapes that RDS (JSON) and OSS (XML) send.

Codes, statuses and messages come from Alibaba Cloud's published error tables
and from error bodies quoted in public bug reports and SDK tests. Entries marked
"not published" are the emulator's own choice where no public source was found.
"""

from __future__ import annotations

import base64
import json
import uuid
from email.utils import formatdate
from typing import Mapping
from xml.sax.saxutils import escape

RDS_HOST_ID = "rds.aliyuncs.com"

# Code -> (HTTP status, message). A "{name}" placeholder takes the parameter name.
RDS_ERRORS: dict[str, tuple[int, str]] = {
    "IncompleteSignature": (400, "The request signature does not conform to Aliyun standards."),
    "SignatureDoesNotMatch": (400, "Specified signature is not matched with our calculation."),
    "InvalidAccessKeyId.NotFound": (404, "Specified access key is not found."),
    "SignatureNonceUsed": (400, "Specified signature nonce was used already."),
    "InvalidTimeStamp.Expired": (400, "Specified time stamp or date value is expired."),
    "InvalidTimeStamp.Format": (400, "Specified time stamp or date value is not well formatted."),
    "MissingParameter": (
        400,
        'The input parameter "{name}" that is mandatory for processing this request is not supplied.',
    ),
    "InvalidParameter": (400, 'The specified parameter "{name}" is not valid.'),
    "InvalidSignatureMethod": (400, "Specified signature method is not supported."),
    "InvalidVersion": (400, "Specified parameter Version is not valid."),
    "InvalidAction.NotFound": (404, "Specified api is not found, please check your url and method."),
    "UnsupportedHTTPMethod": (400, "This http method is not supported."),
    "MissingSecurityToken": (400, "SecurityToken is mandatory for this action."),
    "InvalidSecurityToken.Expired": (403, "Specified SecurityToken is expired."),
    "InvalidSecurityToken.MismatchWithAccessKey": (400, "Specified SecurityToken mismatch with the AccessKey."),
    "InvalidSecurityToken.Malformed": (400, "Specified SecurityToken is malformed."),
    "Forbidden.RAM": (
        403,
        "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
    ),
    "Throttling.User": (400, "Request was denied due to user flow control."),
    "ServiceUnavailable": (503, "The request has failed due to a temporary failure of the server."),
    "InternalError": (500, "The request processing has failed due to some unknown error, exception or failure."),
    "IdempotentParameterMismatch": (400, "The request uses the same client token as a previous, but non-identical request."),
    "InvalidDBInstanceId.NotFound": (400, "The DBInstanceId provided does not exist in records."),
    "IncorrectDBInstanceState": (403, "Current DB instance state does not support this operation."),
    "EngineNotSupported": (400, "Engine specified cannot be supported the operation."),
    "InvalidDBName.NotFound": (400, "Specified DB name does not exist."),
    # NOTE: not published. The API pages list no codes for an unknown task, a
    # task that is not ready or a database that is already open.
    "InvalidMigrateTaskId.NotFound": (404, "The specified MigrateTaskId does not exist."),
    "IncorrectMigrateTaskState": (403, "Current migrate task state does not support this operation."),
    "IncorrectDBState": (403, "Current DB state does not support this operation."),
    # NOTE: not published. DescribeOssDownloads is documented as unsupported on
    # SQL Server 2017 EE and 2019 EE, without the error it returns there.
    "UnsupportedOperation": (400, "The operation is not supported by this DB instance."),
}

OSS_ERRORS: dict[str, tuple[int, str]] = {
    "AccessDenied": (403, "You have no right to access this object because of bucket acl."),
    "InvalidAccessKeyId": (403, "The OSS Access Key Id you provided does not exist in our records."),
    "SignatureDoesNotMatch": (
        403,
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
    ),
    "InvalidSecurityToken": (403, "The security token you provided is invalid."),
    "SecurityTokenExpired": (403, "The security token you provided has expired."),
    "RequestTimeTooSkewed": (403, "The difference between the request time and the current time is too large."),
    "InvalidArgument": (400, "Authorization header is invalid."),
    "InvalidDigest": (400, "The Content-MD5 you specified is not valid."),
    "InvalidObjectName": (400, "The specified object is not valid."),
    "NoSuchKey": (404, "The specified key does not exist."),
    "NoSuchBucket": (404, "The specified bucket does not exist."),
    "MethodNotAllowed": (405, "The specified method is not allowed against this resource."),
    "ServiceUnavailable": (503, "Please reduce your request rate."),
    "InternalError": (500, "We encountered an internal error. Please try again."),
}

# NOTE: only the EC values for NoSuchKey, NoSuchBucket, InvalidAccessKeyId and
# SignatureDoesNotMatch appear in published OSS responses. The others are
# stand-ins in the same format.
OSS_EC: dict[str, str] = {
    "NoSuchKey": "0026-00000001",
    "NoSuchBucket": "0015-00000101",
    "InvalidAccessKeyId": "0002-00000902",
    "SignatureDoesNotMatch": "0002-00000040",
    "AccessDenied": "0003-00000001",
    "InvalidSecurityToken": "0002-00000025",
    "SecurityTokenExpired": "0002-00000026",
    "RequestTimeTooSkewed": "0002-00000504",
    "InvalidArgument": "0002-00000002",
    "InvalidDigest": "0016-00000401",
    "InvalidObjectName": "0016-00000001",
    "MethodNotAllowed": "0001-00000001",
    "ServiceUnavailable": "0001-00000503",
    "InternalError": "0001-00000500",
}


class ApiFailure(Exception):
    """An error response to send. Raised anywhere in an app, rendered at its edge."""

    def __init__(
        self,
        code: str,
        status: int,
        message: str,
        *,
        extra: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.status = status
        self.message = message
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})


def rds_failure(code: str, *, name: str = "", detail: str = "", status: int | None = None) -> ApiFailure:
    """Build an RDS error from the table. ``detail`` is appended to the message."""
    table_status, template = RDS_ERRORS[code]
    message = template.format(name=name)
    if detail:
        message = f"{message} {detail}"
    return ApiFailure(code, status or table_status, message)


def oss_failure(code: str, *, message: str | None = None, extra: Mapping[str, str] | None = None) -> ApiFailure:
    status, default_message = OSS_ERRORS[code]
    return ApiFailure(code, status, message or default_message, extra=extra)


def new_rds_request_id() -> str:
    return str(uuid.uuid4()).upper()


def new_oss_request_id() -> str:
    return uuid.uuid4().hex[:24].upper()


def render_rds_error(failure: ApiFailure, request_id: str) -> tuple[int, dict[str, str], bytes]:
    """Return status, headers and body of an RDS error, as the RPC gateway sends it."""
    body = {
        "RequestId": request_id,
        "HostId": RDS_HOST_ID,
        "Code": failure.code,
        "Message": failure.message,
        "Recommend": f"https://api.aliyun.com/troubleshoot?q={failure.code}&product=Rds&requestId={request_id}",
    }
    headers = {"Content-Type": "application/json;charset=utf-8", "x-acs-request-id": request_id}
    headers.update(failure.headers)
    return failure.status, headers, json.dumps(body).encode("utf-8")


def oss_error_xml(failure: ApiFailure, request_id: str, host_id: str) -> bytes:
    ec = OSS_EC.get(failure.code, "0000-00000000")
    elements = [
        ("Code", failure.code),
        ("Message", failure.message),
        ("RequestId", request_id),
        ("HostId", host_id),
        *failure.extra.items(),
        ("EC", ec),
        ("RecommendDoc", f"https://api.aliyun.com/troubleshoot?q={ec}"),
    ]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<Error>"]
    lines.extend(f"  <{name}>{escape(value)}</{name}>" for name, value in elements)
    lines.append("</Error>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def render_oss_error(
    failure: ApiFailure, request_id: str, host_id: str, *, head: bool
) -> tuple[int, dict[str, str], bytes]:
    """Return status, headers and body of an OSS error.

    A HEAD response has no body, so OSS moves the error document into the
    base64 ``x-oss-err`` header and the EC into ``x-oss-ec``.
    """
    document = oss_error_xml(failure, request_id, host_id)
    headers = {
        "Content-Type": "application/xml",
        "Date": formatdate(usegmt=True),
        "Server": "AliyunOSS",
        "x-oss-request-id": request_id,
        "x-oss-ec": OSS_EC.get(failure.code, "0000-00000000"),
    }
    headers.update(failure.headers)
    if head:
        headers["x-oss-err"] = base64.b64encode(document).decode("ascii")
        return failure.status, headers, b""
    return failure.status, headers, document
