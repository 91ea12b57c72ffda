"""One HTTP exchange with OSS or RDS, with transport failures turned into TransportError."""

from __future__ import annotations

from typing import Mapping

import httpx

from .errors import TransportError


def send(
    http: httpx.Client,
    method: str,
    url: str,
    *,
    service: str,
    action: str,
    timeout: float,
    headers: Mapping[str, str],
    content: bytes | None = None,
) -> httpx.Response:
    """Send one request and return the response, whatever its status.

    Raises TransportError, which is retryable, when no response arrives: a
    timeout, a refused or reset connection, or a connection closed before the
    response. A request that timed out may still have been carried out, which
    is why every RDS call that changes state carries a ClientToken.
    """
    label = f"{service.upper()} {action}"
    try:
        return http.request(method, url, headers=dict(headers), content=content, timeout=timeout)
    except httpx.TimeoutException as error:
        raise TransportError(f"{label} timed out after {timeout:.3g} s: {type(error).__name__}", service=service, action=action) from None
    except httpx.TransportError as error:
        raise TransportError(f"{label} got no response: {type(error).__name__}: {error}", service=service, action=action) from None
