"""The Emulator: one state served by the OSS app, in process or on a loopback port."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import httpx
from werkzeug.serving import WSGIRequestHandler, make_server

from .calls import CallLog
from .faults import Faults
from .oss_app import OssApp
from .state import State
from .transport import IN_PROCESS_OSS_ENDPOINT, InProcessTransport


@dataclass(frozen=True)
class Endpoints:
    """Base URLs of a running emulator, such as ``http://127.0.0.1:40123``."""

    oss_endpoint: str


class _RequestHandler(WSGIRequestHandler):
    """werkzeug's handler without its Server and Date headers, which the apps set as the cloud does."""

    def send_response(self, code: int, message: str | None = None) -> None:
        self.log_request(code)
        self.send_response_only(code, message)


class _QuietRequestHandler(_RequestHandler):
    # The call log already records every request, so the per-request access line is noise.
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class Emulator:
    """The OSS and RDS emulators over one state.

    ``clock`` returns the emulator's time in epoch seconds and may be replaced
    at any time, for example to make every request's timestamp look stale.
    ``faults`` may be replaced too. ``calls`` records every request.
    """

    def __init__(
        self,
        state: State | Mapping[str, Any],
        *,
        clock: Callable[[], float] = time.time,
        faults: Faults | None = None,
    ) -> None:
        self.state = state if isinstance(state, State) else State.from_dict(state)
        self.clock = clock
        self.faults = faults or Faults()
        self.calls = CallLog()
        self.lock = threading.RLock()
        self.oss_app = OssApp(self)

    @classmethod
    def from_file(cls, path: str | Path, **options: Any) -> Emulator:
        return cls(State.from_file(path), **options)

    def transport(self) -> httpx.BaseTransport:
        """Return an httpx transport that serves IN_PROCESS_OSS_ENDPOINT."""
        return InProcessTransport({httpx.URL(IN_PROCESS_OSS_ENDPOINT).port: self.oss_app})

    @contextmanager
    def serve(
        self, host: str = "127.0.0.1", *, oss_port: int = 0, quiet: bool = True
    ) -> Iterator[Endpoints]:
        """Serve the OSS app with werkzeug's threaded server until the block exits.

        Port 0 picks a free port. ``quiet`` turns off werkzeug's access log.
        """
        handler = _QuietRequestHandler if quiet else _RequestHandler
        servers = [make_server(host, oss_port, self.oss_app, threaded=True, request_handler=handler)]
        threads = [threading.Thread(target=server.serve_forever, name="emulator", daemon=True) for server in servers]
        for thread in threads:
            thread.start()
        try:
            yield Endpoints(oss_endpoint=f"http://{host}:{servers[0].socket.getsockname()[1]}")
        finally:
            for server in servers:
                server.shutdown()
                server.server_close()
            for thread in threads:
                thread.join(timeout=5)
