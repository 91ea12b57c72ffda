"""Transport floor: the three requests of the job, unsigned, with the standard library's http.client.

The emulator rejects every one of them, and the harness subtracts its
server-side time as for any other program. What remains is what any client
pays on loopback: a TCP connection per request, because the emulator closes
the connection after each response, plus sending, waiting and reading.
"""

from __future__ import annotations

import http.client
import os
from urllib.parse import urlsplit

from . import job

_FORM = {"content-type": "application/x-www-form-urlencoded"}


def _send(endpoint: str, method: str, path: str, body: bytes | None = None) -> int:
    parts = urlsplit(endpoint)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=_FORM if body is not None else {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def initializer(context) -> None:
    pass


def handler(event, context) -> dict:
    oss_endpoint = os.environ["OPENDB_OSS_ENDPOINT"]
    rds_endpoint = os.environ["OPENDB_RDS_ENDPOINT"]
    statuses = []
    for bucket, key in job.uploaded_objects(event):
        statuses.append(_send(oss_endpoint, "HEAD", f"/{bucket}/{key}"))
        statuses.append(_send(rds_endpoint, "POST", "/", b"Action=DescribeMigrateTaskById"))
        statuses.append(_send(rds_endpoint, "POST", "/", b"Action=CreateOnlineDatabaseTask"))
    return {"statuses": statuses}
