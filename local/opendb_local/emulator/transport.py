"""An httpx transport that hands requests to the emulator's WSGI apps without a socket."""

from __future__ import annotations

import io
import sys
import time
from typing import Callable, Iterable, Mapping
from urllib.parse import unquote_to_bytes

import httpx

from .responses import SLEEP_KEY, ConnectionDropped

IN_PROCESS_RDS_ENDPOINT = "http://127.0.0.1:9801"
IN_PROCESS_OSS_ENDPOINT = "http://127.0.0.1:9802"

WSGIApp = Callable[[dict, Callable[..., object]], Iterable[bytes]]


class InProcessTransport(httpx.BaseTransport):
    """Route by port to a WSGI app: each key of ``apps`` is a port on 127.0.0.1.

    Faults behave as they would over a socket. A dropped connection raises
    httpx.RemoteProtocolError. A delay longer than the request's read timeout
    raises httpx.ReadTimeout after the app has finished, because a real server
    goes on with a request that its client gave up on.
    """

    def __init__(self, apps: Mapping[int, WSGIApp]) -> None:
        self.apps = dict(apps)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        app = self.apps.get(request.url.port or 80) if request.url.host in ("127.0.0.1", "localhost") else None
        if app is None:
            routes = ", ".join(f"http://127.0.0.1:{port}" for port in sorted(self.apps))
            message = f"the in-process transport has no app for {request.url.scheme}://{request.url.netloc.decode()}; it serves {routes}"
            return httpx.Response(502, text=message, request=request)

        request.read()
        read_timeout = (request.extensions.get("timeout") or {}).get("read")
        timed_out = False

        def sleep(seconds: float) -> None:
            nonlocal timed_out
            if read_timeout is not None and seconds > read_timeout:
                time.sleep(read_timeout)
                timed_out = True
            else:
                time.sleep(seconds)

        environ = _environ(request)
        environ[SLEEP_KEY] = sleep
        status_line = ""
        headers: list[tuple[str, str]] = []

        def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: object = None) -> Callable:
            nonlocal status_line, headers
            status_line, headers = status, response_headers
            return lambda data: None

        try:
            chunks = app(environ, start_response)
            body = b"".join(chunks)
        except ConnectionDropped as error:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request) from error
        if timed_out:
            raise httpx.ReadTimeout("timed out", request=request)
        if request.method == "HEAD":
            body = b""
        encoded = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
        return httpx.Response(
            int(status_line.split()[0]), headers=encoded, stream=httpx.ByteStream(body), request=request
        )


def _environ(request: httpx.Request) -> dict:
    """Build a PEP 3333 environ, with the raw target in RAW_URI as werkzeug's server sets it."""
    raw_target = request.url.raw_path
    raw_path, _, query = raw_target.partition(b"?")
    environ: dict = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(raw_path).decode("latin-1"),
        "QUERY_STRING": query.decode("latin-1"),
        "RAW_URI": raw_target.decode("latin-1"),
        "REQUEST_URI": raw_target.decode("latin-1"),
        "SERVER_NAME": request.url.host,
        "SERVER_PORT": str(request.url.port or 80),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": request.url.scheme,
        "wsgi.input": io.BytesIO(request.content),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in request.headers.raw:
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = f"HTTP_{name}"
        value = raw_value.decode("latin-1")
        environ[name] = f"{environ[name]},{value}" if name in environ else value
    return environ
