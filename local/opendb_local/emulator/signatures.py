"""Signature computations for the three schemes the emulator checks.

Written from the published signing specifications, independently of the
signer in ``opendb``, so that a shared mistake cannot pass unnoticed:

- RPC signature v1: HMAC-SHA1 over ``METHOD&%2F&<encoded canonical query>``,
  keyed with ``secret + "&"``, base64-encoded.
- ACS3-HMAC-SHA256 (V3): HMAC-SHA256, hex-encoded, over
  ``ACS3-HMAC-SHA256\\n<hex SHA-256 of the canonical request>``.
- OSS signature V1: HMAC-SHA1, base64-encoded, over
  ``VERB\\nContent-MD5\\nContent-Type\\nDate\\n<x-oss-* headers><resource>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Iterable, Mapping
from urllib.parse import quote

ACS3_ALGORITHM = "ACS3-HMAC-SHA256"

# Query parameters that OSS signs as part of the CanonicalizedResource. Every
# other query parameter is left out of the signature, as OSS does.
OSS_SUBRESOURCES = frozenset(
    {
        "acl", "append", "bucketInfo", "callback", "callback-var", "comp", "cors", "delete",
        "encryption", "endTime", "lifecycle", "live", "location", "logging", "objectMeta",
        "partNumber", "policy", "position", "qos", "referer", "replication", "response-cache-control",
        "response-content-disposition", "response-content-encoding", "response-content-language",
        "response-content-type", "response-expires", "restore", "security-token", "startTime",
        "stat", "status", "symlink", "tagging", "uploadId", "uploads", "versionId", "versioning",
        "versions", "vod", "website", "x-oss-process",
    }
)


def percent_encode(text: str) -> str:
    """Encode as RFC 3986 requires: everything but ``A-Z a-z 0-9 - _ . ~``, UTF-8 first."""
    return quote(text, safe="")


def rpc_string_to_sign(method: str, parameters: Mapping[str, str]) -> str:
    """Return the RPC v1 StringToSign of every parameter except ``Signature``."""
    pairs = sorted(
        (percent_encode(name), percent_encode(value))
        for name, value in parameters.items()
        if name != "Signature"
    )
    canonical_query = "&".join(f"{name}={value}" for name, value in pairs)
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonical_query)}"


def rpc_signature(string_to_sign: str, secret: str) -> str:
    digest = hmac.new(f"{secret}&".encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def acs3_canonical_request(
    method: str,
    canonical_uri: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, list[str]],
    signed_headers: list[str],
    hashed_payload: str,
) -> str:
    """Return the V3 canonical request.

    ``headers`` maps lower-case names to every value received. Repeated values
    of one header are trimmed, sorted and joined with commas.
    """
    encoded_query = sorted((percent_encode(name), percent_encode(value)) for name, value in query)
    canonical_query = "&".join(f"{name}={value}" for name, value in encoded_query)
    canonical_headers = "".join(
        f"{name}:{','.join(sorted(value.strip() for value in headers[name]))}\n" for name in signed_headers
    )
    return "\n".join(
        [method.upper(), canonical_uri, canonical_query, canonical_headers, ";".join(signed_headers), hashed_payload]
    )


def acs3_string_to_sign(canonical_request: str) -> str:
    return f"{ACS3_ALGORITHM}\n{hashlib.sha256(canonical_request.encode('utf-8')).hexdigest()}"


def acs3_signature(string_to_sign: str, secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def oss_canonical_resource(bucket: str, key: str, query: Iterable[tuple[str, str]]) -> str:
    """Return ``/<bucket>/<key>`` plus the signed subresources, sorted, values not encoded."""
    resource = f"/{bucket}/{key}" if bucket else "/"
    subresources = sorted((name, value) for name, value in query if name in OSS_SUBRESOURCES)
    if subresources:
        resource += "?" + "&".join(name if not value else f"{name}={value}" for name, value in subresources)
    return resource


def oss_string_to_sign(
    method: str,
    content_md5: str,
    content_type: str,
    date: str,
    oss_headers: Mapping[str, str],
    resource: str,
) -> str:
    """Return the OSS V1 StringToSign. ``oss_headers`` maps lower-case x-oss-* names to values."""
    canonical_headers = "".join(f"{name}:{oss_headers[name]}\n" for name in sorted(oss_headers))
    return f"{method.upper()}\n{content_md5}\n{content_type}\n{date}\n{canonical_headers}{resource}"


def oss_signature(string_to_sign: str, secret: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _crc64_table() -> list[int]:
    # CRC-64/XZ, which OSS calls crc64ecma: the ECMA-182 polynomial, reflected.
    polynomial = 0xC96C5795D7870F42
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ polynomial if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC64_TABLE = _crc64_table()
_CRC64_MASK = 0xFFFFFFFFFFFFFFFF


def crc64ecma(data: bytes) -> int:
    """Return the CRC-64 that OSS reports in ``x-oss-hash-crc64ecma``."""
    crc = _CRC64_MASK
    for byte in data:
        crc = _CRC64_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ _CRC64_MASK
