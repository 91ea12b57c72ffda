"""httpx floor: the three requests of the job, unsigned, with one httpx.Client, as opendb sends them.

Like the transport floor, the emulator rejects every request and the harness
subtracts its server-side time. The difference from the transport floor is
httpx's own cost per event, and opendb's added time beyond this floor is what
opendb's code adds: parsing, signing, logging and the result.
"""

from __future__ import annotations

import os

import httpx

from . import job

_FORM = {"content-type": "application/x-www-form-urlencoded"}
_client: httpx.Client | None = None


def initializer(context) -> None:
    global _client
    _client = httpx.Client(timeout=10, follow_redirects=False, trust_env=False)


def handler(event, context) -> dict:
    if _client is None:
        raise RuntimeError("initializer(context) must run before handler(event, context)")
    oss_endpoint = os.environ["OPENDB_OSS_ENDPOINT"]
    rds_endpoint = os.environ["OPENDB_RDS_ENDPOINT"]
    statuses = []
    for bucket, key in job.uploaded_objects(event):
        statuses.append(_client.head(f"{oss_endpoint}/{bucket}/{key}").status_code)
        statuses.append(_client.post(f"{rds_endpoint}/", content=b"Action=DescribeMigrateTaskById", headers=_FORM).status_code)
        statuses.append(_client.post(f"{rds_endpoint}/", content=b"Action=CreateOnlineDatabaseTask", headers=_FORM).status_code)
    return {"statuses": statuses}
