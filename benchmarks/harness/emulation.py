"""The emulator as the benchmark runs it: the sample state, one upload event, and server-side timing.

Every implementation gets its own emulator, so each one's first open moves
its own database online and every later event is a duplicate that the
ClientToken turns into a no-op. After the first event the emulator then does
the same work for every event of every implementation.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from bisect import bisect_left
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from opendb_local.emulator import Emulator, Endpoints

# The handler class that Emulator.serve() uses: no access log, and no Server
# or Date headers beyond those the apps set.
from opendb_local.emulator.server import _QuietRequestHandler
from werkzeug.serving import ThreadedWSGIServer

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_STATE = REPO_ROOT / "local" / "samples" / "state.json"

STS_ACCESS_KEY_ID = "STS.NUemulatorSampleKey0001"
REGION = "cn-hangzhou"
BUCKET = "rds-backups"

# A marker object that names the restored database in its metadata. Its key
# has no backup-file suffix, so opendb checks readiness with
# DescribeMigrateTaskById alone, as the references do. For a .bak key opendb
# would also call DescribeOssDownloads.
EVENT_KEY = "sales/sales_FULL_20240520.ready"
EVENT_METADATA = {
    "x-oss-meta-rds-instance-id": "rm-bp1opendbdemo0001",
    "x-oss-meta-rds-db-name": "sales",
    "x-oss-meta-rds-migrate-task-id": "107081",
    "x-oss-meta-rds-check-db-mode": "SyncExecuteDBCheck",
}


def bench_state() -> dict:
    """Return the sample state with the marker object added to the bucket."""
    state = copy.deepcopy(json.loads(SAMPLE_STATE.read_text(encoding="utf-8")))
    state["Buckets"][BUCKET]["Objects"][EVENT_KEY] = {
        "Body": "",
        "ContentType": "text/plain",
        "LastModified": "2024-05-20T07:05:00Z",
        "Metadata": dict(EVENT_METADATA),
    }
    return state


def sts_credentials(state: dict) -> dict[str, str]:
    """Return the sample STS key pair and token as the runner's BENCH_* variables."""
    pair = state["AccessKeys"][STS_ACCESS_KEY_ID]
    return {
        "BENCH_ACCESS_KEY_ID": STS_ACCESS_KEY_ID,
        "BENCH_ACCESS_KEY_SECRET": pair["AccessKeySecret"],
        "BENCH_SECURITY_TOKEN": pair["SecurityToken"],
    }


def upload_event() -> bytes:
    """Return a classic FC OSS trigger event for a PutObject of the marker object."""
    record = {
        "eventName": "ObjectCreated:PutObject",
        "eventSource": "acs:oss",
        "eventTime": "2024-05-20T07:05:00.000Z",
        "eventVersion": "1.0",
        "region": REGION,
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"requestId": "BENCHOSSREQUEST0001"},
        "oss": {
            "bucket": {"name": BUCKET, "arn": f"acs:oss:{REGION}:1234567890123456:{BUCKET}", "ownerIdentity": "1234567890123456"},
            "object": {"key": EVENT_KEY, "eTag": "D41D8CD98F00B204E9800998ECF8427E", "size": 0, "deltaSize": 0},
            "ossSchemaVersion": "1.0",
            "ruleId": "bench",
        },
        "userIdentity": {"principalId": "1234567890123456"},
    }
    return json.dumps({"events": [record]}).encode()


class ServerTimes:
    """Server-side handling intervals of every request, as ``time.monotonic_ns()`` pairs.

    An interval starts when the server accepts the connection and ends when
    the response has been written to the socket. It covers werkzeug's thread
    start, request parsing and the emulator's app, and leaves out the TCP
    handshake, the kernel's delivery of the bytes and the socket's close.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[int, int] = {}
        self._intervals: list[tuple[int, int]] = []

    def start(self, connection: object) -> None:
        now = time.monotonic_ns()
        with self._lock:
            self._open[id(connection)] = now

    def end(self, connection: object) -> None:
        now = time.monotonic_ns()
        with self._lock:
            started = self._open.pop(id(connection), None)
            if started is not None:
                self._intervals.append((started, now))

    def within(self, start_ns: int, end_ns: int) -> tuple[int, int]:
        """Return the server time spent inside the window and how many requests started in it.

        Each interval is clipped to the window, so a response written just
        after the window closed counts only up to the window's end.
        """
        with self._lock:
            intervals = sorted(self._intervals)
        first = bisect_left(intervals, (start_ns, 0))
        busy = 0
        count = 0
        for interval_start, interval_end in intervals[first:]:
            if interval_start >= end_ns:
                break
            busy += max(0, min(interval_end, end_ns) - interval_start)
            count += 1
        return busy, count


class _TimedHandler(_QuietRequestHandler):
    def run_wsgi(self) -> None:
        try:
            super().run_wsgi()
        finally:
            self.server.times.end(self.request)  # type: ignore[attr-defined]


class _TimedServer(ThreadedWSGIServer):
    def __init__(self, host: str, app: object, times: ServerTimes) -> None:
        super().__init__(host, 0, app, handler=_TimedHandler)  # type: ignore[arg-type]
        self.times = times

    def verify_request(self, request: object, client_address: object) -> bool:
        # Called right after accept(), before the request's thread starts.
        self.times.start(request)
        return True


@contextmanager
def serve_timed(emulator: Emulator, host: str = "127.0.0.1") -> Iterator[tuple[Endpoints, ServerTimes]]:
    """Serve the emulator's two apps on free loopback ports and time every request."""
    times = ServerTimes()
    rds_server = _TimedServer(host, emulator.rds_app, times)
    oss_server = _TimedServer(host, emulator.oss_app, times)
    servers = (rds_server, oss_server)
    threads = [
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="bench-emulator", daemon=True)
        for server in servers
    ]
    for thread in threads:
        thread.start()
    try:
        yield (
            Endpoints(
                rds_endpoint=f"http://{host}:{rds_server.socket.getsockname()[1]}",
                oss_endpoint=f"http://{host}:{oss_server.socket.getsockname()[1]}",
            ),
            times,
        )
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(timeout=5)
