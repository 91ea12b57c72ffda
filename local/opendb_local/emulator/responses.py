"""WSGI plumbing shared by the two apps: sending a response, and acting out injected faults."""

from __future__ import annotations

import socket
import time
from http import HTTPStatus
from typing import Callable, Iterable, Mapping

from .errors import ApiFailure, oss_failure, rds_failure
from .faults import Faults

# Environ key of the function the apps call to wait. The in-process transport
# puts one there that raises a timeout once the client's read timeout is spent.
SLEEP_KEY = "opendb_local.sleep"

StartResponse = Callable[..., object]

HTML_ERROR_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>Tengine</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class ConnectionDropped(ConnectionResetError):
    """Raised by an app to close the connection without a response.

    It is a ConnectionError so that werkzeug's server treats it as a dropped
    connection and logs nothing. The in-process transport turns it into the
    httpx error that a real dropped connection produces.
    """


def send(start_response: StartResponse, status: int, headers: Mapping[str, str], body: bytes) -> Iterable[bytes]:
    header_list = [(name, value) for name, value in headers.items() if name.lower() != "content-length"]
    header_list.append(("Content-Length", str(len(body))))
    start_response(f"{status} {_reason(status)}", header_list)
    return [body]


def drop_connection(environ: Mapping[str, object]) -> None:
    """Close the client's connection and raise ConnectionDropped."""
    connection = environ.get("werkzeug.socket")
    if isinstance(connection, socket.socket):
        try:
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionDropped("connection dropped by an injected fault")


def wait(environ: Mapping[str, object], seconds: float) -> None:
    sleeper = environ.get(SLEEP_KEY, time.sleep)
    sleeper(seconds)  # type: ignore[operator]


def act_out_fault(
    fault: str | None,
    service: str,
    faults: Faults,
    environ: Mapping[str, object],
    start_response: StartResponse,
    record: Callable[[int], None],
    extra_headers: Mapping[str, str],
) -> Iterable[bytes] | None:
    """Act out a fault that comes before the action.

    Return the response that replaces the action's, raise ApiFailure for an
    error response or ConnectionDropped for a drop, or return None to go on
    with the action (no fault, a delay, or a fault that comes after it).
    ``record`` is called with the status of a response that is not an ApiFailure.
    """
    if fault is None or fault == "lost_response":
        return None
    if fault == "delay":
        wait(environ, faults.delay_seconds)
        return None
    if fault == "drop":
        record(0)
        drop_connection(environ)
    failure = fault_failure(fault, service, faults)
    if failure is not None:
        raise failure
    raw = raw_fault_response(fault, faults)
    if raw is None:
        raise ValueError(f"unknown fault kind {fault!r}")
    status, headers, body = raw
    headers.update(extra_headers)
    record(status)
    return send(start_response, status, headers, body)


def fault_failure(kind: str, service: str, faults: Faults) -> ApiFailure | None:
    """Return the error response that a fault kind sends, or None for kinds with no error body."""
    if kind in ("throttling", "throttling_429"):
        if service == "oss":
            return oss_failure("ServiceUnavailable")
        if kind == "throttling":
            return rds_failure("Throttling.User")
        failure = rds_failure("Throttling.User", status=429)
        failure.headers["Retry-After"] = str(faults.retry_after_seconds)
        return failure
    if kind == "unavailable":
        return oss_failure("ServiceUnavailable") if service == "oss" else rds_failure("ServiceUnavailable")
    if kind == "internal_error":
        return oss_failure("InternalError") if service == "oss" else rds_failure("InternalError")
    return None


def raw_fault_response(kind: str, faults: Faults) -> tuple[int, dict[str, str], bytes] | None:
    """Return the bodies that no API sends on purpose: an HTML page or nothing at all."""
    if kind == "html_body":
        status = faults.html_status
        page = HTML_ERROR_PAGE.format(status=status, reason=_reason(status))
        return status, {"Content-Type": "text/html"}, page.encode("ascii")
    if kind == "empty_body":
        return faults.empty_body_status, {"Content-Type": "application/json;charset=utf-8"}, b""
    return None


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
