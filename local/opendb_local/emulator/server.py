"""The Emulator: one state served by the OSS and RDS apps, in process or on loopback ports."""

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
from .rds_actions import OpenRecord, RdsBackend, StatusChange
from .rds_app import RdsApp
from .rds_auth import NonceStore
from .state import FILE_STATUSES, TASK_STATUSES, State
from .transport import IN_PROCESS_OSS_ENDPOINT, IN_PROCESS_RDS_ENDPOINT, InProcessTransport


@dataclass(frozen=True)
class Endpoints:
    """Base URLs of a running emulator, such as ``http://127.0.0.1:40123``."""

    rds_endpoint: str
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
        self.nonces = NonceStore()
        self.rds = RdsBackend(self.state, lambda: self.clock())
        # One lock guards the whole state, so RDS actions and OSS writes never interleave.
        self.lock = self.rds.lock
        self.oss_app = OssApp(self)
        self.rds_app = RdsApp(self)

    @classmethod
    def from_file(cls, path: str | Path, **options: Any) -> Emulator:
        return cls(State.from_file(path), **options)

    def transport(self) -> httpx.BaseTransport:
        """Return an httpx transport that serves IN_PROCESS_RDS_ENDPOINT and IN_PROCESS_OSS_ENDPOINT."""
        return InProcessTransport(
            {
                httpx.URL(IN_PROCESS_RDS_ENDPOINT).port: self.rds_app,
                httpx.URL(IN_PROCESS_OSS_ENDPOINT).port: self.oss_app,
            }
        )

    @contextmanager
    def serve(
        self, host: str = "127.0.0.1", *, rds_port: int = 0, oss_port: int = 0, quiet: bool = True
    ) -> Iterator[Endpoints]:
        """Serve both apps with werkzeug's threaded server until the block exits.

        Port 0 picks a free port. ``quiet`` turns off werkzeug's access log.
        """
        handler = _QuietRequestHandler if quiet else _RequestHandler
        servers = [
            make_server(host, rds_port, self.rds_app, threaded=True, request_handler=handler),
            make_server(host, oss_port, self.oss_app, threaded=True, request_handler=handler),
        ]
        # A short poll interval makes shutdown() return quickly when the block exits.
        threads = [
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="emulator", daemon=True)
            for server in servers
        ]
        for thread in threads:
            thread.start()
        try:
            rds_server, oss_server = servers
            yield Endpoints(
                rds_endpoint=f"http://{host}:{rds_server.socket.getsockname()[1]}",
                oss_endpoint=f"http://{host}:{oss_server.socket.getsockname()[1]}",
            )
        finally:
            for server in servers:
                server.shutdown()
                server.server_close()
            for thread in threads:
                thread.join(timeout=5)

    def schedule_task_status(
        self, migrate_task_id: str, status: str, *, after_calls: int, file_status: str | None = None
    ) -> None:
        """Change a task's status once ``after_calls`` DescribeMigrateTaskById calls for it have returned.

        With ``after_calls=2`` the first two calls report the old status and the
        third reports ``status``. ``file_status``, if given, is applied to every
        backup file of the task at the same moment.
        """
        if status not in TASK_STATUSES:
            raise ValueError(f"task status must be one of {', '.join(TASK_STATUSES)}, not {status!r}")
        if file_status is not None and file_status not in FILE_STATUSES:
            raise ValueError(f"file status must be one of {', '.join(FILE_STATUSES)}, not {file_status!r}")
        with self.lock:
            if migrate_task_id not in self.state.migrate_tasks:
                raise KeyError(f"no migrate task {migrate_task_id!r} in the state")
            self.rds.status_changes.append(StatusChange(migrate_task_id, status, after_calls, file_status))
            self.rds.apply_status_changes(self.state.migrate_tasks[migrate_task_id])

    def open_count(self, instance_id: str, db_name: str) -> int:
        """Return how many times CreateOnlineDatabaseTask opened this database."""
        with self.lock:
            return self.rds.open_counts[(instance_id, db_name)]

    @property
    def opens(self) -> list[OpenRecord]:
        with self.lock:
            return list(self.rds.opens)

    def database_status(self, instance_id: str, db_name: str) -> str:
        with self.lock:
            return self.state.instances[instance_id].databases[db_name].status
