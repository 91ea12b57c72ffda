"""The SDK-neutral steps of the reference functions: event, metadata, readiness and ClientToken.

Both references share these steps, so the benchmark compares only how each
SDK signs and sends the three requests. The rules follow opendb's defaults:
the metadata names the instance, database and migrate task, CheckDBMode
defaults to AsyncExecuteDBCheck, and a task is ready when it is Success or
Waiting.
"""

from __future__ import annotations

import hashlib
import json

METADATA_PREFIX = "x-oss-meta-"
INSTANCE_KEY = "rds-instance-id"
DB_NAME_KEY = "rds-db-name"
TASK_KEY = "rds-migrate-task-id"
CHECK_MODE_KEY = "rds-check-db-mode"
DEFAULT_CHECK_DB_MODE = "AsyncExecuteDBCheck"
READY_STATUSES = ("Success", "Waiting")


class NotReady(Exception):
    """The migrate task has not finished restoring; raising makes FC retry the event."""


def uploaded_objects(event: bytes) -> list[tuple[str, str]]:
    """Return (bucket, key) for every ObjectCreated record of a classic FC OSS trigger event."""
    records = json.loads(event)["events"]
    found = []
    for record in records:
        if not record["eventName"].startswith("ObjectCreated:"):
            continue
        found.append((record["oss"]["bucket"]["name"], record["oss"]["object"]["key"]))
    return found


def open_parameters(metadata: dict[str, str]) -> dict[str, str] | None:
    """Build the CreateOnlineDatabaseTask parameters from user metadata, or None when it names no database.

    ``metadata`` maps names without the x-oss-meta- prefix, in any case, to values.
    Raises ValueError when some but not all of the three required names are present.
    """
    values = {name.lower(): value.strip() for name, value in metadata.items()}
    required = (INSTANCE_KEY, DB_NAME_KEY, TASK_KEY)
    present = [name for name in required if values.get(name)]
    if not present:
        return None
    if len(present) < len(required):
        missing = [METADATA_PREFIX + name for name in required if name not in present]
        raise ValueError(f"object metadata is missing {', '.join(missing)}")

    return {
        "DBInstanceId": values[INSTANCE_KEY],
        "DBName": values[DB_NAME_KEY],
        "MigrateTaskId": values[TASK_KEY],
        "CheckDBMode": values.get(CHECK_MODE_KEY) or DEFAULT_CHECK_DB_MODE,
    }


def client_token(parameters: dict[str, str]) -> str:
    """Return a ClientToken shared by every delivery of the same open, so RDS opens once."""
    material = "\n".join((parameters["DBInstanceId"], parameters["DBName"], parameters["MigrateTaskId"]))
    return "bench-" + hashlib.sha256(material.encode()).hexdigest()[:56]


def check_ready(status: str | None) -> None:
    if status not in READY_STATUSES:
        raise NotReady(f"migrate task status is {status}; the restore has not finished")
