"""Signed OSS requests: HeadObject for user metadata, PutObject for failure records."""

from __future__ import annotations

import base64
import binascii
import re

import httpx

from . import signing, transport
from .credentials import Credentials
from .deadline import Deadline
from .errors import InvalidEvent, InvalidMetadata
from .metadata import META_PREFIX
from .notices import ObjectRef
from .retry import api_error
from .settings import Settings

# RAM actions behind the requests this client sends (OSS authorises
# HeadObject with oss:GetObject).
ACTIONS = ("oss:GetObject", "oss:PutObject")

# Codes assumed from the status when an error response carries no code at all.
_STATUS_CODES = {403: "AccessDenied", 404: "NoSuchKey", 429: "SlowDown", 503: "ServiceUnavailable"}

# OSS bucket names are 3 to 63 lower-case letters, digits and "-", starting
# and ending with a letter or digit. Region IDs look like cn-hangzhou. Both
# come from the event and become part of the URL's host name, so any other
# character (".", "/", "#", "?", "@") could send the signed request elsewhere.
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
_REGION_ID = re.compile(r"[a-z]{2,}(-[a-z0-9]+)+")


def _error_document(response: httpx.Response) -> str:
    """Return the XML error document of a response, from its body or its x-oss-err header.

    A HEAD response has no body, so OSS sends the same document Base64-encoded
    in x-oss-err; oss2 and alibabacloud-oss-v2 read it there too.
    """
    if response.content:
        return response.text
    encoded = response.headers.get("x-oss-err")
    if not encoded:
        return ""
    try:
        return base64.b64decode(encoded, validate=False).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return ""


def _error_code(response: httpx.Response) -> str:
    # Error documents are XML: <Error><Code>NoSuchKey</Code>...</Error>.
    text = _error_document(response)
    start = text.find("<Code>")
    end = text.find("</Code>", start)
    if start != -1 and end != -1:
        return text[start + len("<Code>"):end].strip()
    return _STATUS_CODES.get(response.status_code, f"HTTP{response.status_code}")


class OssClient:
    """Requests to the bucket's endpoint from settings, never to one named by an event."""

    def __init__(self, http: httpx.Client, settings: Settings) -> None:
        self._http = http
        self._settings = settings

    def url_for(self, ref: ObjectRef) -> str:
        """Return the object's URL, or raise InvalidEvent when its bucket name or region is not one OSS accepts."""
        if not _BUCKET_NAME.fullmatch(ref.bucket):
            raise InvalidEvent(f"bucket name {ref.bucket!r} is invalid: OSS bucket names are 3 to 63 of a-z, 0-9 and '-'")
        if ref.region is not None and not _REGION_ID.fullmatch(ref.region):
            raise InvalidEvent(f"region {ref.region!r} of oss://{ref.bucket}/{ref.key} is not a region ID such as cn-hangzhou")
        base, path_style = self._settings.oss_base_url(ref.bucket, ref.region)
        path = signing.oss_object_path(ref.bucket, ref.key)
        if not path_style:
            path = path[len(ref.bucket) + 1:]
        return base + path

    def _send(
        self, method: str, action: str, ref: ObjectRef, credentials: Credentials,
        headers: dict[str, str] | None = None, body: bytes = b"", deadline: Deadline | None = None,
    ) -> httpx.Response:
        signed = signing.sign_oss_request(method, ref.bucket, ref.key, dict(headers or {}), credentials)
        timeout = self._settings.http_timeout
        if deadline is not None:
            timeout = deadline.bound(timeout)
        response = transport.send(
            self._http, method, self.url_for(ref), service="oss", action=action,
            timeout=timeout, headers=signed, content=body or None,
        )

        if response.status_code != 200:
            code = _error_code(response)
            raise api_error(
                f"OSS {action} on oss://{ref.bucket}/{ref.key} failed: HTTP {response.status_code} {code}",
                service="oss",
                action=action,
                status_code=response.status_code,
                code=code,
                request_id=response.headers.get("x-oss-request-id"),
            )
        return response

    def head_object(self, ref: ObjectRef, credentials: Credentials, *, deadline: Deadline | None = None) -> dict[str, str]:
        """Return the object's user metadata: names lower-cased without x-oss-meta-, values trimmed.

        Raises InvalidMetadata for a value that is not UTF-8, ApiError for an
        error status and TransportError when no response arrives. With a
        ``deadline``, the request times out at the deadline at the latest.
        """
        response = self._send("HEAD", "HeadObject", ref, credentials, deadline=deadline)
        metadata: dict[str, str] = {}
        for raw_name, raw_value in response.headers.raw:
            name = raw_name.decode("latin-1").lower()
            if not name.startswith(META_PREFIX):
                continue
            try:
                value = raw_value.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidMetadata(
                    f"{name} of oss://{ref.bucket}/{ref.key} is not valid UTF-8; set it again as UTF-8 text",
                    key=name,
                ) from None
            metadata[name[len(META_PREFIX):]] = value.strip()
        return metadata

    def put_object(
        self, ref: ObjectRef, body: bytes, credentials: Credentials, content_type: str = "application/json",
        *, deadline: Deadline | None = None,
    ) -> str | None:
        """Upload ``body`` and return the OSS request id. With a ``deadline``, the request times out by then."""
        response = self._send("PUT", "PutObject", ref, credentials, {"Content-Type": content_type}, body, deadline)
        return response.headers.get("x-oss-request-id")
