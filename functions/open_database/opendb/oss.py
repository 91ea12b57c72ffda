"""Read an OSS object's user metadata with a signed HeadObject request."""

from __future__ import annotations

import httpx

from . import signing
from .credentials import Credentials
from .errors import ApiError, InvalidMetadata, TransportError
from .metadata import META_PREFIX
from .notices import ObjectRef
from .retry import classify
from .settings import Settings

# HeadObject responses carry no body, so the error Code is inferred from the status.
_HEAD_STATUS_CODES = {403: "AccessDenied", 404: "NoSuchKey", 429: "SlowDown", 503: "ServiceUnavailable"}


class OssClient:
    """HeadObject on the bucket's endpoint from settings, never one named by an event."""

    def __init__(self, http: httpx.Client, settings: Settings) -> None:
        self._http = http
        self._settings = settings

    def url_for(self, ref: ObjectRef) -> str:
        base, path_style = self._settings.oss_base_url(ref.bucket, ref.region)
        path = signing.oss_object_path(ref.bucket, ref.key)
        if not path_style:
            path = path[len(ref.bucket) + 1:]
        return base + path

    def head_object(self, ref: ObjectRef, credentials: Credentials) -> dict[str, str]:
        """Return the object's user metadata: names lower-cased without x-oss-meta-, values trimmed.

        Raises InvalidMetadata for a value that is not UTF-8, ApiError for an
        error status and TransportError when no response arrives.
        """
        headers = signing.sign_oss_request("HEAD", ref.bucket, ref.key, {}, credentials)
        try:
            response = self._http.head(self.url_for(ref), headers=headers, timeout=self._settings.http_timeout)
        except httpx.TimeoutException as error:
            raise TransportError(f"OSS HeadObject timed out: {type(error).__name__}", service="oss", action="HeadObject") from None
        except httpx.TransportError as error:
            raise TransportError(f"OSS HeadObject failed to connect: {type(error).__name__}: {error}", service="oss", action="HeadObject") from None

        request_id = response.headers.get("x-oss-request-id")
        if response.status_code != 200:
            code = _HEAD_STATUS_CODES.get(response.status_code, f"HTTP{response.status_code}")
            rule = classify(code, response.status_code)
            raise ApiError(
                f"OSS HeadObject on oss://{ref.bucket}/{ref.key} failed: HTTP {response.status_code} {code} ({rule.reason})",
                service="oss",
                action="HeadObject",
                status_code=response.status_code,
                code=code,
                request_id=request_id,
                retryable=rule.retryable,
            )

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
