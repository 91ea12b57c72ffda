"""The demo: a log backup lands in the local OSS emulator and the handler opens its database.

1. The emulator starts on loopback ports with local/samples/state.json, with
   the migrate task still restoring the uploaded log backup.
2. The demo uploads the backup with a signed PutObject carrying the opendb
   metadata, as ossutil or the console would.
3. It delivers the classic OSS trigger event for that upload to the handler
   through the FC runtime shim, as FC would. The event carries no metadata, so
   the function reads it with HeadObject.
4. The function's JSON log lines show each step. The task finishes restoring
   after the first status check, so the function waits, then opens.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import httpx

from opendb import signing
from opendb.credentials import Credentials as SigningCredentials

from . import samples
from .emulator import Emulator
from .fcshim import Credentials, FunctionMeta, Runtime

ROOT = Path(__file__).resolve().parents[2]
STATE = ROOT / "local" / "samples" / "state.json"
ENTRY = ROOT / "functions" / "open_database" / "index.py"

BUCKET = "rds-backups"
KEY = "sales/sales_LOG_20240520_0900.trn"
INSTANCE = "rm-bp1opendbdemo0001"
DATABASE = "sales"
TASK = "107081"


def say(text: str) -> None:
    print(f"\n== {text}", flush=True)


def demo_state() -> dict:
    """Return the sample state, with the task still restoring the log backup that the demo uploads."""
    state = copy.deepcopy(json.loads(STATE.read_text(encoding="utf-8")))
    task = state["MigrateTasks"][TASK]
    task["Status"] = "Running"
    task["BackupMode"] = "UPDF"
    task["BackupFiles"].append(
        {"FileName": KEY, "Status": "Restoring", "FileSize": "2", "BackupMode": "UPDF", "IsAvailable": "True", "Description": ""}
    )
    return state


def upload(oss_endpoint: str, credentials: SigningCredentials) -> None:
    headers = {
        "Content-Type": "application/octet-stream",
        "x-oss-meta-rds-instance-id": INSTANCE,
        "x-oss-meta-rds-db-name": DATABASE,
        "x-oss-meta-rds-migrate-task-id": TASK,
    }
    signed = signing.sign_oss_request("PUT", BUCKET, KEY, headers, credentials)
    url = oss_endpoint + signing.oss_object_path(BUCKET, KEY)
    response = httpx.put(url, content=b"TAPE" + b"\0" * 2044, headers=signed, trust_env=False)
    response.raise_for_status()
    print(f"PutObject oss://{BUCKET}/{KEY}: HTTP {response.status_code}, x-oss-request-id {response.headers.get('x-oss-request-id')}")
    for name in ("x-oss-meta-rds-instance-id", "x-oss-meta-rds-db-name", "x-oss-meta-rds-migrate-task-id"):
        print(f"  {name}: {headers[name]}")


def main() -> int:
    emulator = Emulator(demo_state())
    key = next(k for k in emulator.state.access_keys.values() if k.is_sts)
    # After one more status check the restore of the log backup finishes.
    emulator.schedule_task_status(TASK, "Waiting", after_calls=1, file_status="Restored")

    with emulator.serve() as endpoints:
        say(f"Emulator on {endpoints.oss_endpoint} (OSS) and {endpoints.rds_endpoint} (RDS)")
        print(f"Database {DATABASE} on {INSTANCE}: {emulator.database_status(INSTANCE, DATABASE)}; "
              f"migrate task {TASK}: Running")

        say("Upload a log backup with the opendb metadata")
        upload(endpoints.oss_endpoint, SigningCredentials(key.access_key_id, key.secret, key.security_token))

        say("Deliver the OSS trigger event to index.handler (function log lines follow)")
        event = samples.oss_event(bucket=BUCKET, key=KEY, region=emulator.state.region)
        environment = {
            "OPENDB_RDS_ENDPOINT": endpoints.rds_endpoint,
            "OPENDB_OSS_ENDPOINT": endpoints.oss_endpoint,
            "OPENDB_AFTER_OPEN_WAIT": "2",
        }
        with Runtime(
            ENTRY,
            credentials=Credentials(key.access_key_id, key.secret, key.security_token),
            function=FunctionMeta(timeout=60),
            region=emulator.state.region,
            account_id=emulator.state.account_id,
            environment=environment,
        ) as runtime:
            invocation = runtime.invoke(event)
        sys.stdout.flush()

    say("Handler result")
    print(json.dumps(invocation.output(), ensure_ascii=False, indent=2), flush=True)

    status = emulator.database_status(INSTANCE, DATABASE)
    opens = emulator.open_count(INSTANCE, DATABASE)
    say(f"Database {DATABASE} on {INSTANCE} is now {status}; CreateOnlineDatabaseTask opened it {opens} time(s)")
    return 0 if invocation.ok and status == "Online" and opens == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
