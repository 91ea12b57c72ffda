"""Authentication of RDS requests: RPC signature v1 and ACS3-HMAC-SHA256, checked as the gateway does.

Checks run in this order, so that each tampered request gets the Code that the
cloud would give it: required parameters, AccessKey ID, timestamp format and
window, signature method, security token, signature, nonce reuse. The nonce
is remembered only after the signature matched, so a forged request cannot use
up a nonce.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Callable, Mapping
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request

from . import signatures
from .errors import rds_failure
from .state import AccessKey, parse_iso8601

# Maximum difference between the request's timestamp and the emulator's clock.
TIMESTAMP_WINDOW_SECONDS = 15 * 60

# Common parameters of RPC signature v1. They are not passed to the action.
RPC_COMMON_PARAMETERS = (
    "AccessKeyId",
    "Action",
    "Format",
    "Signature",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureType",
    "SignatureVersion",
    "SecurityToken",
    "Timestamp",
    "Version",
)
RPC_REQUIRED_PARAMETERS = (
    "Action",
    "Version",
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
)
ACS3_REQUIRED_HEADERS = (
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
)


@dataclass(frozen=True)
class Authenticated:
    """A request whose signature matched, with the AccessKey that signed it and the action it requests."""

    access_key: AccessKey
    scheme: str
    action: str
    version: str
    parameters: dict[str, str]


class NonceStore:
    """Nonces seen per AccessKey ID.

    A nonce is forgotten 30 minutes after it was first seen, when its request
    could no longer pass the 15-minute timestamp check anyway.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def remember(self, access_key_id: str, nonce: str, now: float) -> bool:
        """Record the nonce and return True, or return False when it was already used."""
        with self._lock:
            expired = [key for key, seen_at in self._seen.items() if now - seen_at > 2 * TIMESTAMP_WINDOW_SECONDS]
            for key in expired:
                del self._seen[key]
            if (access_key_id, nonce) in self._seen:
                return False
            self._seen[(access_key_id, nonce)] = now
            return True


def request_parameters(request: Request) -> dict[str, str]:
    """Merge query and form parameters. A repeated name keeps its first value, as a dict would."""
    merged: dict[str, str] = {}
    for source in (request.args, request.form):
        for name, value in source.items(multi=False):
            merged.setdefault(name, value)
    return merged


def uses_acs3(request: Request) -> bool:
    return request.headers.get("Authorization", "").startswith(signatures.ACS3_ALGORITHM)


def authenticate(
    request: Request,
    access_keys: Mapping[str, AccessKey],
    nonces: NonceStore,
    clock: Callable[[], float],
) -> Authenticated:
    """Return who sent the request, or raise ApiFailure with the Code the gateway would use."""
    if uses_acs3(request):
        return _authenticate_acs3(request, access_keys, nonces, clock)
    return _authenticate_rpc(request, access_keys, nonces, clock)


def _authenticate_rpc(
    request: Request, access_keys: Mapping[str, AccessKey], nonces: NonceStore, clock: Callable[[], float]
) -> Authenticated:
    parameters = request_parameters(request)
    for name in RPC_REQUIRED_PARAMETERS:
        if not parameters.get(name):
            raise rds_failure("MissingParameter", name=name)
    if not parameters.get("Signature"):
        raise rds_failure("IncompleteSignature", detail="The Signature parameter is missing.")

    access_key = _find_key(parameters["AccessKeyId"], access_keys)
    now = clock()
    _check_timestamp(parameters["Timestamp"], now)
    if parameters["SignatureMethod"] != "HMAC-SHA1":
        raise rds_failure("InvalidSignatureMethod")
    if parameters["SignatureVersion"] != "1.0":
        raise rds_failure("InvalidParameter", name="SignatureVersion")
    _check_token(access_key, parameters.get("SecurityToken"), now)

    string_to_sign = signatures.rpc_string_to_sign(request.method, parameters)
    expected = signatures.rpc_signature(string_to_sign, access_key.secret)
    if parameters["Signature"] != expected:
        raise rds_failure("SignatureDoesNotMatch", detail=f"server string to sign is:{string_to_sign}")

    _check_nonce(nonces, access_key, parameters["SignatureNonce"], now)
    business = {name: value for name, value in parameters.items() if name not in RPC_COMMON_PARAMETERS}
    return Authenticated(access_key, "RPC-HMAC-SHA1", parameters["Action"], parameters["Version"], business)


def _authenticate_acs3(
    request: Request, access_keys: Mapping[str, AccessKey], nonces: NonceStore, clock: Callable[[], float]
) -> Authenticated:
    credential, signed_headers, signature = _parse_acs3_authorization(request.headers["Authorization"])
    for name in ACS3_REQUIRED_HEADERS:
        if not request.headers.get(name):
            raise rds_failure("MissingParameter", name=name)

    # Host, every x-acs-* header and Content-Type must be signed, or a proxy could change them freely.
    must_sign = {"host"} | {name.lower() for name in request.headers.keys() if name.lower().startswith("x-acs-")}
    if request.content_type:
        must_sign.add("content-type")
    unsigned = sorted(must_sign - set(signed_headers))
    if unsigned:
        raise rds_failure("IncompleteSignature", detail=f"Headers not in SignedHeaders: {', '.join(unsigned)}.")
    missing = [name for name in signed_headers if request.headers.get(name) is None]
    if missing:
        raise rds_failure("IncompleteSignature", detail=f"Signed headers missing from the request: {', '.join(missing)}.")

    access_key = _find_key(credential, access_keys)
    now = clock()
    _check_timestamp(request.headers["x-acs-date"], now)
    _check_token(access_key, request.headers.get("x-acs-security-token"), now)

    body = request.get_data(cache=True)
    payload_hash = hashlib.sha256(body).hexdigest()
    if request.headers["x-acs-content-sha256"] != payload_hash:
        raise rds_failure("SignatureDoesNotMatch", detail="The x-acs-content-sha256 header does not match the body.")

    canonical_request = signatures.acs3_canonical_request(
        request.method,
        _raw_path(request),
        _raw_query_pairs(request),
        {name: request.headers.getlist(name) for name in signed_headers},
        signed_headers,
        payload_hash,
    )
    string_to_sign = signatures.acs3_string_to_sign(canonical_request)
    if signature != signatures.acs3_signature(string_to_sign, access_key.secret):
        raise rds_failure("SignatureDoesNotMatch", detail=f"server string to sign is:{string_to_sign}")

    _check_nonce(nonces, access_key, request.headers["x-acs-signature-nonce"], now)
    return Authenticated(
        access_key,
        signatures.ACS3_ALGORITHM,
        request.headers["x-acs-action"],
        request.headers["x-acs-version"],
        request_parameters(request),
    )


def _parse_acs3_authorization(header: str) -> tuple[str, list[str], str]:
    algorithm, _, rest = header.partition(" ")
    if algorithm != signatures.ACS3_ALGORITHM:
        raise rds_failure("IncompleteSignature", detail=f"Unsupported signature algorithm {algorithm}.")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, separator, value = part.strip().partition("=")
        if separator:
            fields[name] = value
    if not all(fields.get(name) for name in ("Credential", "SignedHeaders", "Signature")):
        raise rds_failure(
            "IncompleteSignature", detail="Authorization needs Credential, SignedHeaders and Signature."
        )
    return fields["Credential"], fields["SignedHeaders"].split(";"), fields["Signature"]


def _find_key(access_key_id: str, access_keys: Mapping[str, AccessKey]) -> AccessKey:
    access_key = access_keys.get(access_key_id)
    if access_key is None:
        raise rds_failure("InvalidAccessKeyId.NotFound")
    return access_key


def _check_timestamp(text: str, now: float) -> None:
    try:
        moment = parse_iso8601(text)
    except ValueError as error:
        raise rds_failure("InvalidTimeStamp.Format") from error
    if abs(now - moment) > TIMESTAMP_WINDOW_SECONDS:
        raise rds_failure("InvalidTimeStamp.Expired")


def _check_token(access_key: AccessKey, token: str | None, now: float) -> None:
    if not access_key.is_sts:
        if token:
            raise rds_failure("InvalidSecurityToken.Malformed", detail="This AccessKey is not an STS AccessKey.")
        return
    if not token:
        raise rds_failure("MissingSecurityToken")
    if token != access_key.security_token:
        raise rds_failure("InvalidSecurityToken.MismatchWithAccessKey")
    if access_key.expiration is not None and now >= access_key.expiration:
        raise rds_failure("InvalidSecurityToken.Expired")


def _check_nonce(nonces: NonceStore, access_key: AccessKey, nonce: str, now: float) -> None:
    if not nonces.remember(access_key.access_key_id, nonce, now):
        raise rds_failure("SignatureNonceUsed")


def _raw_path(request: Request) -> str:
    # The canonical URI is the path as sent, still percent-encoded.
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        return raw.split("?", 1)[0] or "/"
    return request.path


def _raw_query_pairs(request: Request) -> list[tuple[str, str]]:
    return parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True, encoding="utf-8")
