"""The OSS app: path-style PutObject, HeadObject and GetObject with signature V1 checks."""

from __future__ import annotations

import base64
import hashlib
from email.utils import formatdate, parsedate_to_datetime
from typing import TYPE_CHECKING, Iterable, Mapping
from urllib.parse import parse_qsl, unquote_to_bytes

from werkzeug.wrappers import Request

from . import signatures
from .calls import Call
from .errors import ApiFailure, new_oss_request_id, oss_failure, render_oss_error
from .responses import StartResponse, act_out_fault, drop_connection, send
from .state import AccessKey, Bucket, format_iso8601, make_object

if TYPE_CHECKING:
    from .server import Emulator

# Maximum difference between the request's Date and the emulator's clock.
DATE_WINDOW_SECONDS = 15 * 60
MAX_KEY_BYTES = 1023
ACTIONS = {"PUT": "PutObject", "HEAD": "HeadObject", "GET": "GetObject"}
META_PREFIX = "x-oss-meta-"


class OssApp:
    """A WSGI app that serves ``/<bucket>/<key>`` from the emulator's state."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        request_id = new_oss_request_id()
        bucket_name, key = _split_path(environ)
        action = ACTIONS.get(request.method, request.method)
        parameters = {"bucket": bucket_name, "key": key}
        head = request.method == "HEAD"
        access_key_id: str | None = None
        fault: str | None = None

        try:
            if request.method not in ACTIONS or not bucket_name or not key:
                raise oss_failure("MethodNotAllowed")
            access_key = self._authenticate(request, bucket_name, key)
            access_key_id = access_key.access_key_id
            if not access_key.allows("oss", action):
                raise oss_failure("AccessDenied", message="You have no right to access this object.")

            fault = self.emulator.faults.choose("oss", action)
            early = act_out_fault(
                fault,
                "oss",
                self.emulator.faults,
                environ,
                start_response,
                lambda status: self._record(action, parameters, status, None, request_id, access_key_id, fault, False),
                {"x-oss-request-id": request_id},
            )
            if early is not None:
                return early

            status, headers, body, effect = self._run(request, action, bucket_name, key, request_id, parameters)
        except ApiFailure as failure:
            host_id = f"{bucket_name}.oss-{self.emulator.state.region}.aliyuncs.com"
            status, headers, body = render_oss_error(failure, request_id, host_id, head=head)
            self._record(action, parameters, status, failure.code, request_id, access_key_id, fault, False)
            return send(start_response, status, headers, body)

        self._record(action, parameters, status, None, request_id, access_key_id, fault, effect)
        if fault == "lost_response":
            drop_connection(environ)
        if head:
            return _send_head(start_response, status, headers)
        return send(start_response, status, headers, body)

    def _authenticate(self, request: Request, bucket_name: str, key: str) -> AccessKey:
        authorization = request.headers.get("Authorization")
        if not authorization:
            raise oss_failure("AccessDenied")
        scheme, _, credential = authorization.partition(" ")
        access_key_id, separator, provided = credential.rpartition(":")
        if scheme != "OSS" or not separator or not access_key_id or not provided:
            raise oss_failure(
                "InvalidArgument",
                message="Authorization header is invalid. The emulator checks only signature V1: OSS <AccessKeyId>:<Signature>.",
            )

        access_key = self.emulator.state.access_keys.get(access_key_id)
        token = request.headers.get("x-oss-security-token")
        # An STS AccessKey ID exists only together with its token.
        if access_key is None or (access_key.is_sts and not token):
            raise oss_failure("InvalidAccessKeyId", extra={"OSSAccessKeyId": access_key_id})

        now = self.emulator.clock()
        date = request.headers.get("Date", "")
        self._check_date(date, now)
        if token != access_key.security_token:
            raise oss_failure("InvalidSecurityToken")
        if access_key.expiration is not None and now >= access_key.expiration:
            raise oss_failure("SecurityTokenExpired")

        oss_headers = {
            name.lower(): ",".join(_header_text(value) for value in request.headers.getlist(name))
            for name in {name for name in request.headers.keys() if name.lower().startswith("x-oss-")}
        }
        query = parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True, encoding="utf-8")
        string_to_sign = signatures.oss_string_to_sign(
            request.method,
            request.headers.get("Content-MD5", ""),
            request.headers.get("Content-Type", ""),
            date,
            oss_headers,
            signatures.oss_canonical_resource(bucket_name, key, query),
        )
        if provided != signatures.oss_signature(string_to_sign, access_key.secret):
            raise oss_failure(
                "SignatureDoesNotMatch",
                extra={
                    "OSSAccessKeyId": access_key_id,
                    "SignatureProvided": provided,
                    "StringToSign": string_to_sign,
                    "StringToSignBytes": " ".join(f"{byte:02X}" for byte in string_to_sign.encode("utf-8")),
                },
            )
        return access_key

    def _check_date(self, date: str, now: float) -> None:
        try:
            moment = parsedate_to_datetime(date).timestamp() if date else None
        except (TypeError, ValueError):
            moment = None
        if moment is None:
            raise oss_failure("AccessDenied", message="OSS authentication requires a valid Date.")
        if abs(now - moment) > DATE_WINDOW_SECONDS:
            raise oss_failure(
                "RequestTimeTooSkewed",
                extra={
                    "RequestTime": format_iso8601(moment).replace("Z", ".000Z"),
                    "ServerTime": format_iso8601(now).replace("Z", ".000Z"),
                    "MaxAllowedSkewMilliseconds": str(DATE_WINDOW_SECONDS * 1000),
                },
            )

    def _run(
        self, request: Request, action: str, bucket_name: str, key: str, request_id: str, parameters: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes, bool]:
        if len(key.encode("utf-8")) > MAX_KEY_BYTES or key.startswith("/") or key.startswith("\\"):
            raise oss_failure("InvalidObjectName")
        with self.emulator.lock:
            bucket = self.emulator.state.buckets.get(bucket_name)
            if bucket is None:
                raise oss_failure("NoSuchBucket", extra={"BucketName": bucket_name})
            if action == "PutObject":
                return (*self._put(request, bucket, key, request_id, parameters), True)
            return (*self._get(bucket, key, request_id, include_body=action == "GetObject"), False)

    def _put(
        self, request: Request, bucket: Bucket, key: str, request_id: str, parameters: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        body = request.get_data(cache=True)
        digest = hashlib.md5(body)
        declared_md5 = request.headers.get("Content-MD5")
        if declared_md5 is not None and declared_md5 != base64.b64encode(digest.digest()).decode("ascii"):
            raise oss_failure("InvalidDigest")
        metadata = {
            name.lower(): _header_text(value)
            for name, value in request.headers.items()
            if name.lower().startswith(META_PREFIX)
        }
        parameters.update(metadata)
        stored = make_object(
            key,
            body,
            metadata=metadata,
            content_type=request.headers.get("Content-Type") or "application/octet-stream",
            last_modified=self.emulator.clock(),
        )
        bucket.objects[key] = stored
        headers = _common_headers(request_id)
        headers.update(
            {
                "ETag": f'"{stored.etag}"',
                "Content-MD5": base64.b64encode(digest.digest()).decode("ascii"),
                "x-oss-hash-crc64ecma": str(signatures.crc64ecma(body)),
            }
        )
        return 200, headers, b""

    def _get(
        self, bucket: Bucket, key: str, request_id: str, *, include_body: bool
    ) -> tuple[int, dict[str, str], bytes]:
        stored = bucket.objects.get(key)
        if stored is None:
            raise oss_failure("NoSuchKey", extra={"Key": key})
        headers = _common_headers(request_id)
        headers.update(
            {
                "Content-Type": stored.content_type,
                "Content-Length": str(stored.size),
                "ETag": f'"{stored.etag}"',
                "Last-Modified": stored.last_modified_http,
                "Accept-Ranges": "bytes",
                "x-oss-object-type": "Normal",
                "x-oss-storage-class": "Standard",
            }
        )
        if stored.body is not None:
            headers["x-oss-hash-crc64ecma"] = str(signatures.crc64ecma(stored.body))
        headers.update({name: _wsgi_header(value) for name, value in stored.metadata.items()})
        if include_body:
            # Objects known only by size have no content to return, so they read as zero bytes.
            return 200, headers, stored.body if stored.body is not None else bytes(stored.size)
        return 200, headers, b""

    def _record(
        self,
        action: str,
        parameters: Mapping[str, str],
        status: int,
        code: str | None,
        request_id: str,
        access_key_id: str | None,
        fault: str | None,
        effect: bool,
    ) -> None:
        self.emulator.calls.append(
            Call("oss", action, dict(parameters), status, code, request_id, access_key_id, fault, effect)
        )


def _split_path(environ: Mapping[str, object]) -> tuple[str, str]:
    """Return bucket and key from the raw request path, with the key percent-decoded as UTF-8."""
    raw = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or "")
    if raw:
        path_bytes = unquote_to_bytes(raw.split("?", 1)[0])
    else:
        path_bytes = str(environ.get("PATH_INFO", "")).encode("latin-1")
    path = path_bytes.decode("utf-8", errors="replace")
    bucket, _, key = path.lstrip("/").partition("/")
    return bucket, key


def _common_headers(request_id: str) -> dict[str, str]:
    return {"x-oss-request-id": request_id, "Date": formatdate(usegmt=True), "Server": "AliyunOSS"}


def _header_text(value: str) -> str:
    # WSGI hands header values over as latin-1 text. OSS treats them as UTF-8 bytes.
    return value.encode("latin-1").decode("utf-8", errors="replace")


def _wsgi_header(value: str) -> str:
    return value.encode("utf-8").decode("latin-1")


def _send_head(start_response: StartResponse, status: int, headers: Mapping[str, str]) -> Iterable[bytes]:
    # HEAD keeps the object's Content-Length but sends no body.
    start_response(f"{status} OK", list(headers.items()))
    return [b""]
