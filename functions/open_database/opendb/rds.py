"""A small client for the RDS API (version 2014-08-15, RPC style) over httpx.

Every request is a POST with the parameters in a form body, so that neither a
signature nor a security token ever appears in a URL, where proxies and access
logs would keep it.
"""

from __future__ import annotations

import json
from typing import Mapping
from urllib.parse import urlsplit

import httpx

from . import signing, transport
from .credentials import Credentials
from .deadline import Deadline
from .errors import ApiError
from .retry import api_error

API_VERSION = "2014-08-15"

# Every RDS action the function calls; the RAM policy in the repository grants exactly these.
ACTIONS = ("CreateOnlineDatabaseTask", "DescribeMigrateTaskById", "DescribeOssDownloads")
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def _error_from_response(action: str, response: httpx.Response) -> ApiError:
    """Build an ApiError from any error body: JSON, HTML, XML or empty."""
    code = ""
    message = ""
    request_id = None
    try:
        data = json.loads(response.content.decode("utf-8")) if response.content else {}
    except (UnicodeDecodeError, ValueError):
        data = None
    if isinstance(data, dict):
        code = str(data.get("Code") or "")
        message = str(data.get("Message") or "")
        request_id = data.get("RequestId")
    if not code:
        code = f"HTTP{response.status_code}"
        body_kind = "an empty body" if not response.content else f"a non-JSON body ({response.headers.get('content-type', 'no content type')})"
        message = f"HTTP {response.status_code} with {body_kind}"
    return api_error(
        f"RDS {action} failed: {code}: {message}",
        service="rds",
        action=action,
        status_code=response.status_code,
        code=code,
        request_id=str(request_id) if request_id else None,
    )


class RdsClient:
    """Signs and sends one RDS API request per ``call``; retries belong to the caller."""

    def __init__(self, http: httpx.Client, endpoint: str, *, signature_version: str = "acs3", timeout: float = 10.0) -> None:
        self._http = http
        self.endpoint = endpoint.rstrip("/")
        self.signature_version = signature_version
        self.timeout = timeout
        self._host = urlsplit(self.endpoint).netloc

    def _build(self, action: str, params: Mapping[str, str], credentials: Credentials) -> tuple[bytes, dict[str, str]]:
        if self.signature_version == "v1":
            signed = signing.sign_rpc_v1(action, API_VERSION, params, credentials, method="POST")
            return signing.encode_form(signed), {"content-type": FORM_CONTENT_TYPE, "accept": "application/json"}

        body = signing.encode_form(params)
        headers = signing.sign_acs3(
            method="POST",
            host=self._host,
            path="/",
            query={},
            headers={"content-type": FORM_CONTENT_TYPE, "accept": "application/json"},
            body=body,
            action=action,
            version=API_VERSION,
            credentials=credentials,
        )
        return body, headers

    def call(
        self, action: str, params: Mapping[str, str], credentials: Credentials, *, deadline: Deadline | None = None
    ) -> dict:
        """Send ``action`` once and return the decoded JSON response.

        Raises ApiError for an error response and TransportError when no
        response arrives. Both carry ``retryable``: whether a retry can succeed. With a
        ``deadline``, the request times out at the deadline at the latest.
        """
        body, headers = self._build(action, params, credentials)
        timeout = deadline.bound(self.timeout) if deadline is not None else self.timeout
        response = transport.send(
            self._http, "POST", self.endpoint + "/", service="rds", action=action,
            timeout=timeout, headers=headers, content=body,
        )

        if response.status_code >= 300:
            raise _error_from_response(action, response)
        try:
            data = response.json()
        except ValueError:
            raise ApiError(
                f"RDS {action} returned HTTP {response.status_code} with a body that is not JSON",
                service="rds", action=action, status_code=response.status_code, code="InvalidResponse", retryable=True,
            ) from None
        if not isinstance(data, dict):
            raise ApiError(
                f"RDS {action} returned JSON that is not an object",
                service="rds", action=action, status_code=response.status_code, code="InvalidResponse", retryable=True,
            )
        if data.get("Code") and not data.get("Success", True):
            raise _error_from_response(action, response)
        return data
