"""Request signatures for Alibaba Cloud: RPC signature v1, ACS3-HMAC-SHA256 and OSS signature V1.

Every function here is pure apart from reading the clock and drawing a random
nonce when the caller passes neither. Nothing here sends a request.

The formats follow Alibaba Cloud's published signature documents and were
checked against the official Python SDKs (aliyun-python-sdk-core 2.16,
alibabacloud-tea-openapi 0.4, oss2 2.19) by tests/test_signing.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Mapping
from urllib.parse import quote

from .credentials import Credentials

RPC_SIGNATURE_METHOD = "HMAC-SHA1"
RPC_SIGNATURE_VERSION = "1.0"
ACS3_ALGORITHM = "ACS3-HMAC-SHA256"

_ISO8601_UTC = "%Y-%m-%dT%H:%M:%SZ"

# Headers that sign_acs3 sets itself, so a caller's copy would be ambiguous.
_ACS3_OWN_HEADERS = frozenset({
    "host",
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
    "x-acs-accesskey-id",
    "x-acs-security-token",
    "authorization",
})

_OSS_OWN_HEADERS = frozenset({"date", "x-oss-security-token", "authorization"})

_RPC_OWN_PARAMETERS = frozenset({
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "SecurityToken",
    "Signature",
})


def percent_encode(value: str) -> str:
    """Percent-encode the UTF-8 bytes of ``value`` as RFC 3986 and Alibaba's POP APIs require.

    Only A-Z, a-z, 0-9, ``-``, ``_``, ``.`` and ``~`` stay literal. Every other
    byte becomes ``%XX`` with upper-case hex, so a space is ``%20`` (never ``+``),
    ``*`` is ``%2A``, ``+`` is ``%2B`` and ``/`` is ``%2F``.
    """
    # Since Python 3.7, quote() leaves exactly the RFC 3986 unreserved set alone when safe is empty.
    return quote(value, safe="", encoding="utf-8", errors="strict")


def _encode_path(path: str) -> str:
    return quote(path, safe="/", encoding="utf-8", errors="strict")


def _utc_timestamp(moment: datetime | None) -> str:
    if moment is None:
        moment = datetime.now(timezone.utc)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"timestamp {moment.isoformat()} has no time zone; pass an aware datetime")
    return moment.astimezone(timezone.utc).strftime(_ISO8601_UTC)


def _fresh_nonce(nonce: str | None) -> str:
    return uuid.uuid4().hex if nonce is None else nonce


def _encoded_pairs(params: Mapping[str, str | None]) -> list[str]:
    """Return ``name=value`` items, percent-encoded and sorted by raw name; None values are left out.

    Both official SDKs sort the raw names, which gives the same order as
    sorting encoded names for the ASCII letters and digits that API parameter
    names use.
    """
    pairs = []
    for name, value in sorted(params.items()):
        if value is None:
            continue
        if not isinstance(value, str):
            raise TypeError(f"parameter {name!r} must be a str, got {type(value).__name__}")
        pairs.append(f"{percent_encode(name)}={percent_encode(value)}")
    return pairs


# --- RPC signature v1 (HMAC-SHA1) -------------------------------------------


def rpc_v1_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """Build the RPC v1 StringToSign: ``METHOD&%2F&`` + percent_encode(canonical query).

    ``params`` is every parameter that will be sent except Signature, whether it
    travels in the query or in a form body. Parameters whose value is None are
    left out.
    """
    canonical_query = "&".join(_encoded_pairs(params))
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical_query)}"


def rpc_v1_signature(method: str, params: Mapping[str, str], access_key_secret: str) -> str:
    """Return the base64 HMAC-SHA1 of the StringToSign, keyed with the secret followed by ``&``."""
    string_to_sign = rpc_v1_string_to_sign(method, params)
    key = f"{access_key_secret}&".encode("utf-8")
    digest = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def sign_rpc_v1(
    action: str,
    version: str,
    params: Mapping[str, str],
    credentials: Credentials,
    *,
    method: str = "POST",
    timestamp: datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Add the common parameters to ``params``, sign them, and return the full set to send.

    The result contains Action, Version, Format=JSON, AccessKeyId, SignatureMethod,
    SignatureVersion, SignatureNonce (a fresh uuid4 hex when ``nonce`` is None),
    Timestamp (UTC, now when ``timestamp`` is None), SecurityToken when the
    credentials carry one, the caller's parameters without the None ones, and
    Signature. Raises ValueError when ``params`` names a parameter that the
    signer sets, or when ``timestamp`` has no time zone.
    """
    signed: dict[str, str] = {
        "Action": action,
        "Version": version,
        "Format": "JSON",
        "AccessKeyId": credentials.access_key_id,
        "SignatureMethod": RPC_SIGNATURE_METHOD,
        "SignatureVersion": RPC_SIGNATURE_VERSION,
        "SignatureNonce": _fresh_nonce(nonce),
        "Timestamp": _utc_timestamp(timestamp),
    }
    if credentials.security_token:
        signed["SecurityToken"] = credentials.security_token

    for name, value in params.items():
        if value is None:
            continue
        if name in _RPC_OWN_PARAMETERS:
            raise ValueError(f"parameter {name!r} is set by the signer; remove it from params")
        signed[name] = value

    signed["Signature"] = rpc_v1_signature(method, signed, credentials.access_key_secret)
    return signed


def encode_form(params: Mapping[str, str]) -> bytes:
    """Encode ``params`` as an application/x-www-form-urlencoded body with percent_encode.

    This is the encoding the RPC v1 signature uses, so a space is ``%20`` and
    ``+`` is ``%2B``. Parameters whose value is None are left out.
    """
    return "&".join(_encoded_pairs(params)).encode("ascii")


# --- ACS3-HMAC-SHA256 --------------------------------------------------------


def _acs3_canonical_request(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    payload_hash: str,
) -> tuple[str, str]:
    """Return the canonical request and the SignedHeaders list; ``headers`` has lower-case names."""
    names = sorted(headers)
    canonical_headers = "".join(f"{name}:{headers[name]}\n" for name in names)
    signed_header_names = ";".join(names)

    # NOTE: tea-openapi 0.4.6 signs the path and the query names unencoded. That gives the
    # same text as this encoding for the path "/" and for names made of letters and digits,
    # which is all an RPC call uses. This follows the published rule of encoding both.
    canonical_request = "\n".join([
        method,
        _encode_path(path or "/"),
        "&".join(_encoded_pairs(query)),
        canonical_headers,
        signed_header_names,
        payload_hash,
    ])
    return canonical_request, signed_header_names


def sign_acs3(
    *,
    method: str,
    host: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
    action: str,
    version: str,
    credentials: Credentials,
    timestamp: datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Sign a request with ACS3-HMAC-SHA256 and return every header to send.

    The result contains the caller's ``headers`` (names lower-cased, values
    stripped, as signed) plus host, x-acs-action, x-acs-version, x-acs-date,
    x-acs-signature-nonce, x-acs-content-sha256, x-acs-accesskey-id and
    x-acs-security-token when the credentials carry a token, and Authorization.
    Like the official SDK, every returned header except Authorization is
    signed, so the request must send them all unchanged. Headers that the HTTP
    client adds later, such as content-length, are not signed, which the
    service allows. ``query`` must be sent as the URL query; ``body`` is hashed
    as given, so send exactly these bytes.

    Raises ValueError when ``headers`` repeats a name in another case, sets a
    header that this function sets, or when ``timestamp`` has no time zone.
    """
    signed_headers: dict[str, str] = {}
    for name, value in headers.items():
        lower_name = name.lower()
        if lower_name in _ACS3_OWN_HEADERS:
            raise ValueError(f"header {name!r} is set by the signer; remove it from headers")
        if lower_name in signed_headers:
            raise ValueError(f"header {name!r} appears twice with different case")
        signed_headers[lower_name] = value.strip()

    payload_hash = hashlib.sha256(body).hexdigest()
    signed_headers.update({
        "host": host,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": _utc_timestamp(timestamp),
        "x-acs-signature-nonce": _fresh_nonce(nonce),
        "x-acs-content-sha256": payload_hash,
    })
    if credentials.security_token:
        signed_headers["x-acs-accesskey-id"] = credentials.access_key_id
        signed_headers["x-acs-security-token"] = credentials.security_token

    canonical_request, signed_header_names = _acs3_canonical_request(
        method, path, query, signed_headers, payload_hash
    )
    request_hash = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    string_to_sign = f"{ACS3_ALGORITHM}\n{request_hash}"
    signature = hmac.new(
        credentials.access_key_secret.encode("utf-8"),
        string_to_sign.encode("utf-8"),
        hashlib.sha256,
    ).hexdigest()

    signed_headers["Authorization"] = (
        f"{ACS3_ALGORITHM} Credential={credentials.access_key_id},"
        f"SignedHeaders={signed_header_names},Signature={signature}"
    )
    return signed_headers


# --- OSS signature V1 --------------------------------------------------------


def _lower_case_headers(headers: Mapping[str, str]) -> dict[str, str]:
    lowered: dict[str, str] = {}
    for name, value in headers.items():
        lower_name = name.lower()
        if lower_name in lowered:
            raise ValueError(f"header {name!r} appears twice with different case")
        lowered[lower_name] = value
    return lowered


def oss_v1_string_to_sign(
    method: str,
    bucket: str,
    key: str,
    headers: Mapping[str, str],
    subresources: Mapping[str, str | None] | None = None,
) -> str:
    """Build the OSS V1 StringToSign for a request on ``/<bucket>/<key>``.

    The lines are the method, Content-MD5, Content-Type, the date (x-oss-date
    when present, else Date), then the x-oss-* headers (lower-case names,
    sorted, values as given) and the CanonicalizedResource. The resource
    contains the key raw, exactly as given: it is neither URL-decoded nor
    encoded. ``subresources`` are appended as ``?name=value``, or ``name`` alone
    when the value is empty or None, sorted by name. Pass only the names that
    OSS signs, such as versionId or acl. Header names are matched in any case.
    """
    lowered = _lower_case_headers(headers)
    date = lowered.get("x-oss-date") or lowered.get("date", "")

    oss_header_names = sorted(name for name in lowered if name.startswith("x-oss-"))
    canonical_oss_headers = "".join(f"{name}:{lowered[name]}\n" for name in oss_header_names)

    resource = f"/{bucket}/{key}" if bucket else "/"
    if subresources:
        items = [name if not value else f"{name}={value}" for name, value in sorted(subresources.items())]
        resource += "?" + "&".join(items)

    return "\n".join([
        method,
        lowered.get("content-md5", ""),
        lowered.get("content-type", ""),
        date,
        canonical_oss_headers + resource,
    ])


def oss_v1_authorization(
    method: str,
    bucket: str,
    key: str,
    headers: Mapping[str, str],
    credentials: Credentials,
    subresources: Mapping[str, str | None] | None = None,
) -> str:
    """Return the Authorization header value ``OSS <AccessKeyId>:<Signature>``.

    The signature is the base64 HMAC-SHA1 of oss_v1_string_to_sign, keyed with
    the AccessKey secret. ``headers`` must already hold the Date and, for STS
    credentials, the x-oss-security-token header that will be sent.
    """
    string_to_sign = oss_v1_string_to_sign(method, bucket, key, headers, subresources)
    digest = hmac.new(
        credentials.access_key_secret.encode("utf-8"),
        string_to_sign.encode("utf-8"),
        hashlib.sha1,
    ).digest()
    return f"OSS {credentials.access_key_id}:{base64.b64encode(digest).decode('ascii')}"


def sign_oss_request(
    method: str,
    bucket: str,
    key: str,
    headers: Mapping[str, str],
    credentials: Credentials,
    *,
    date: datetime | None = None,
) -> dict[str, str]:
    """Return a copy of ``headers`` with Date, x-oss-security-token (STS only) and Authorization added.

    Date is RFC 1123 in GMT, from ``date`` or else the current time. Raises
    ValueError when ``headers`` already sets one of those three headers or
    when ``date`` has no time zone.
    """
    if date is None:
        date = datetime.now(timezone.utc)
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError(f"date {date.isoformat()} has no time zone; pass an aware datetime")

    signed = dict(headers)
    for name in _lower_case_headers(signed):
        if name in _OSS_OWN_HEADERS:
            raise ValueError(f"header {name!r} is set by the signer; remove it from headers")

    signed["Date"] = format_datetime(date.astimezone(timezone.utc), usegmt=True)
    if credentials.security_token:
        signed["x-oss-security-token"] = credentials.security_token

    signed["Authorization"] = oss_v1_authorization(method, bucket, key, signed, credentials)
    return signed


_DOT_SEGMENTS = {".": "%2E", "..": "%2E%2E"}


def oss_object_path(bucket: str, key: str) -> str:
    """Return the path-style request path ``/<bucket>/<encoded key>``, with the key encoded once.

    A-Z, a-z, 0-9, ``-``, ``_``, ``.``, ``~`` and ``/`` stay literal; every
    other UTF-8 byte becomes ``%XX``, including ``%`` itself, ``+`` and space.
    OSS decodes the path once, so the object it finds is ``key`` exactly.

    Path segments that are exactly ``.`` or ``..`` are sent as ``%2E`` and
    ``%2E%2E``, because httpx, like any RFC 3986 client, removes literal dot
    segments, and the request would then address another object or bucket.
    """
    segments = [_DOT_SEGMENTS.get(segment) or _encode_path(segment) for segment in key.split("/")]
    return f"/{bucket}/" + "/".join(segments)
