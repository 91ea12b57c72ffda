"""Command line: open a database from a DBA's own machine through the function's code path.

    python -m opendb.cli --instance rm-uf6wjk5xxxxxxx --db Sales --task 107081 --region cn-shanghai

Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET
and, for STS credentials, ALIBABA_CLOUD_SECURITY_TOKEN. Every other setting
comes from the same environment variables as the function's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import types
import uuid
from typing import Sequence

from . import app, logs
from . import settings as settings_module
from .errors import ConfigurationError, OpendbError

EXIT_OK = 0
EXIT_PERMANENT = 1
EXIT_RETRYABLE = 75  # EX_TEMPFAIL: running the same command later can succeed
EXIT_USAGE = 2


class _Discard:
    """A text stream that drops what is written: the summary replaces the log lines."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opendb",
        description="Open an RDS SQL Server database whose migrate task has restored its backups.",
    )
    parser.add_argument("--instance", required=True, help="DBInstanceId, such as rm-uf6wjk5xxxxxxx")
    parser.add_argument("--db", required=True, help="DBName: the database the migrate task restores")
    parser.add_argument("--task", required=True, help="MigrateTaskId (digits)")
    parser.add_argument(
        "--check-db-mode",
        choices=settings_module.CHECK_DB_MODES,
        help="CheckDBMode; default from OPENDB_DEFAULT_CHECK_DB_MODE (AsyncExecuteDBCheck)",
    )
    parser.add_argument("--region", help="region ID such as cn-shanghai; default: FC_REGION or ALIBABA_CLOUD_REGION_ID")
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds to wait in all, readiness polling included (default 300)",
    )
    parser.add_argument("--json", action="store_true", help="print the raw result as JSON instead of a summary")
    parser.add_argument("--verbose", action="store_true", help="write the JSON log lines to stderr")
    return parser


def summarize(result: dict) -> str:
    """Render the handler's result as a few lines a person reads."""
    lines = []
    for record in result.get("records", []):
        parameters = record.get("parameters") or {}
        target = f"{parameters.get('DBInstanceId', '?')}/{parameters.get('DBName', '?')} (task {parameters.get('MigrateTaskId', '?')})"
        outcome = record.get("outcome")
        if outcome == "opened":
            lines.append(f"Opened {target}. RDS RequestId: {record.get('rdsRequestId')}")
            if record.get("taskStatus"):
                lines.append(f"  Migrate task status now: {record['taskStatus']}")
        else:
            error = record.get("error") or {}
            reason = error.get("message") or record.get("reason") or "no reason given"
            lines.append(f"Not opened ({outcome}): {reason}")
            if error.get("code"):
                lines.append(f"  API error code: {error['code']}")
            if error.get("retryable"):
                lines.append("  This can succeed later: run the same command again.")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)

    region = args.region or os.environ.get("FC_REGION") or os.environ.get("ALIBABA_CLOUD_REGION_ID")
    try:
        settings = settings_module.load(region=region)
    except ConfigurationError as error:
        print(f"opendb: {error.message}", file=sys.stderr)
        return EXIT_USAGE

    if args.verbose:
        logs.configure(settings.log_level, stream=logs.StandardStream("stderr"))
    else:
        logs.configure("error", stream=_Discard())
    application = app.Application(settings)
    context = types.SimpleNamespace(
        request_id=f"cli-{uuid.uuid4()}",
        credentials=None,
        region=settings.region,
        function=types.SimpleNamespace(name="opendb-cli", timeout=args.timeout),
    )
    event = {"DBInstanceId": args.instance, "DBName": args.db, "MigrateTaskId": args.task}
    if args.check_db_mode:
        event["CheckDBMode"] = args.check_db_mode

    exit_code = EXIT_OK
    try:
        result = application.handle(json.dumps(event).encode("utf-8"), context)
    except OpendbError as error:
        result = getattr(error, "result", {"records": []})
        exit_code = EXIT_RETRYABLE if error.retryable else EXIT_PERMANENT
    finally:
        application.http.close()

    if exit_code == EXIT_OK and any(record.get("outcome") != "opened" for record in result.get("records", [])):
        exit_code = EXIT_PERMANENT
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else summarize(result))
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
