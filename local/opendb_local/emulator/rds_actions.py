"""The RDS actions: migrate tasks and opening their databases, with the ClientToken contract.

``RdsBackend.run`` acquires ``RdsBackend.lock`` for the whole action, so concurrent
requests see one consistent state and an open happens at most once per ClientToken.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Mapping

from .errors import rds_failure
from .state import (
    BACKUP_MODES,
    BackupFile,
    Database,
    DBInstance,
    MigrateTask,
    State,
    format_iso8601,
)

API_VERSION = "2014-08-15"
CHECK_DB_MODES = ("SyncExecuteDBCheck", "AsyncExecuteDBCheck")

# A task in one of these states has restored its backups and waits to be opened:
# Success for a FULL task created with IsOnlineDB=False, Waiting for an UPDF task.
OPENABLE_TASK_STATUSES = ("Success", "Waiting")

CLIENT_TOKEN_MAX_LENGTH = 64
IDEMPOTENT_ACTIONS = frozenset({"CreateOnlineDatabaseTask", "CreateMigrateTask"})


@dataclass
class StatusChange:
    """A task status change that takes effect once ``after_calls`` DescribeMigrateTaskById calls have returned."""

    task_id: str
    status: str
    after_calls: int
    file_status: str | None = None


@dataclass(frozen=True)
class OpenRecord:
    """One database that CreateOnlineDatabaseTask moved online."""

    instance_id: str
    db_name: str
    migrate_task_id: str
    check_db_mode: str
    request_id: str
    timestamp: float


@dataclass(frozen=True)
class _TokenRecord:
    fingerprint: tuple[tuple[str, str], ...]
    response: dict[str, object]


class RdsBackend:
    def __init__(self, state: State, clock: Callable[[], float] = time.time) -> None:
        self.state = state
        self.clock = clock
        self.lock = threading.RLock()
        self.opens: list[OpenRecord] = []
        self.open_counts: Counter[tuple[str, str]] = Counter()
        self.describe_counts: Counter[str] = Counter()
        self.status_changes: list[StatusChange] = []
        self._client_tokens: dict[tuple[str, str], _TokenRecord] = {}
        self._actions = {
            "CreateMigrateTask": self._create_migrate_task,
            "DescribeMigrateTaskById": self._describe_migrate_task_by_id,
            "DescribeOssDownloads": self._describe_oss_downloads,
            "CreateOnlineDatabaseTask": self._create_online_database_task,
        }

    def knows(self, action: str) -> bool:
        return action in self._actions

    def run(self, action: str, parameters: Mapping[str, str], request_id: str) -> tuple[dict[str, object], bool]:
        """Run an action and return its response and whether it changed the state.

        A repeated ClientToken with the same parameters returns the first
        response, RequestId included, and changes nothing. The same token with
        other parameters raises IdempotentParameterMismatch. Only successful
        responses are kept, so a request that failed can be retried with its token.
        """
        with self.lock:
            token = parameters.get("ClientToken") if action in IDEMPOTENT_ACTIONS else None
            fingerprint = tuple(sorted((name, value) for name, value in parameters.items() if name != "ClientToken"))
            if token is not None:
                _check_client_token(token)
                record = self._client_tokens.get((action, token))
                if record is not None:
                    if record.fingerprint != fingerprint:
                        raise rds_failure("IdempotentParameterMismatch")
                    return dict(record.response), False

            response, effect = self._actions[action](parameters, request_id)

            if token is not None:
                self._client_tokens[(action, token)] = _TokenRecord(fingerprint, dict(response))
            return response, effect

    def _create_online_database_task(self, parameters: Mapping[str, str], request_id: str) -> tuple[dict[str, object], bool]:
        _require(parameters, "DBInstanceId", "DBName", "MigrateTaskId", "CheckDBMode")
        instance = self._usable_instance(parameters["DBInstanceId"])
        mode = parameters["CheckDBMode"]
        if mode not in CHECK_DB_MODES:
            raise rds_failure("InvalidParameter", name="CheckDBMode", detail=f"Valid values: {', '.join(CHECK_DB_MODES)}.")
        task = self._task(parameters["MigrateTaskId"], instance)
        db_name = parameters["DBName"]
        database = instance.databases.get(db_name)
        if task.db_name != db_name or database is None:
            raise rds_failure(
                "InvalidDBName.NotFound", detail=f"Migrate task {task.task_id} restores database {task.db_name}."
            )
        if task.status not in OPENABLE_TASK_STATUSES:
            raise rds_failure("IncorrectMigrateTaskState", detail=f"The migrate task is {task.status}.")
        if database.status != "Restoring":
            raise rds_failure("IncorrectDBState", detail=f"The database is {database.status}.")

        database.status = "Online"
        self.open_counts[(instance.instance_id, db_name)] += 1
        self.opens.append(OpenRecord(instance.instance_id, db_name, task.task_id, mode, request_id, self.clock()))
        return {"RequestId": request_id}, True

    def _describe_migrate_task_by_id(self, parameters: Mapping[str, str], request_id: str) -> tuple[dict[str, object], bool]:
        _require(parameters, "DBInstanceId", "MigrateTaskId")
        instance = self._instance(parameters["DBInstanceId"])
        task = self._task(parameters["MigrateTaskId"], instance)
        response: dict[str, object] = {
            "RequestId": request_id,
            "MigrateTaskId": task.task_id,
            "DBInstanceName": task.instance_id,
            "DBName": task.db_name,
            "BackupMode": task.backup_mode,
            "Status": task.status,
            "CreateTime": task.create_time,
            "EndTime": task.end_time,
            "Description": task.description,
            "IsDBReplaced": "False",
        }
        self.describe_counts[task.task_id] += 1
        self.apply_status_changes(task)
        return response, False

    def _describe_oss_downloads(self, parameters: Mapping[str, str], request_id: str) -> tuple[dict[str, object], bool]:
        _require(parameters, "DBInstanceId", "MigrateTaskId")
        instance = self._instance(parameters["DBInstanceId"])
        if not instance.oss_downloads_supported:
            raise rds_failure("UnsupportedOperation")
        task = self._task(parameters["MigrateTaskId"], instance)
        items = [
            {
                "FileName": item.file_name,
                "Status": item.status,
                "FileSize": item.file_size,
                "BackupMode": item.backup_mode,
                "CreateTime": item.create_time,
                "EndTime": item.end_time,
                "IsAvailable": item.is_available,
                "Description": item.description,
            }
            for item in task.backup_files
        ]
        response = {
            "RequestId": request_id,
            "DBInstanceId": instance.instance_id,
            "MigrateTaskId": task.task_id,
            "Items": {"OssDownload": items},
        }
        return response, False

    def _create_migrate_task(self, parameters: Mapping[str, str], request_id: str) -> tuple[dict[str, object], bool]:
        _require(parameters, "DBInstanceId", "DBName", "BackupMode", "IsOnlineDB")
        instance = self._usable_instance(parameters["DBInstanceId"])
        backup_mode = parameters["BackupMode"]
        if backup_mode not in BACKUP_MODES:
            raise rds_failure("InvalidParameter", name="BackupMode", detail=f"Valid values: {', '.join(BACKUP_MODES)}.")
        if parameters["IsOnlineDB"] not in ("True", "False"):
            raise rds_failure("InvalidParameter", name="IsOnlineDB", detail="Valid values: True, False.")
        mode = parameters.get("CheckDBMode")
        if mode is not None and mode not in CHECK_DB_MODES:
            raise rds_failure("InvalidParameter", name="CheckDBMode", detail=f"Valid values: {', '.join(CHECK_DB_MODES)}.")
        positions = parameters.get("OssObjectPositions") or parameters.get("OSSUrls")
        if not positions:
            raise rds_failure("MissingParameter", name="OssObjectPositions")

        now = format_iso8601(self.clock())
        task_id = self._next_task_id()
        db_name = parameters["DBName"]
        # OssObjectPositions is <endpoint>:<bucket>:<key>, and a key may itself contain colons.
        file_name = positions.split(":", 2)[-1]
        task = MigrateTask(
            task_id=task_id,
            instance_id=instance.instance_id,
            db_name=db_name,
            status="Running",
            backup_mode=backup_mode,
            is_online_db=parameters["IsOnlineDB"] == "True",
            create_time=now,
            end_time=now,
            description="",
            backup_files=[
                BackupFile(file_name, "Restoring", "1", backup_mode, now, now, "True", "")
            ],
        )
        self.state.migrate_tasks[task_id] = task
        instance.databases[db_name] = Database(db_name, "Restoring")
        response = {
            "RequestId": request_id,
            "DBInstanceId": instance.instance_id,
            "DBName": db_name,
            "MigrateTaskId": task_id,
            "TaskId": str(int(task_id) + 500000),
            "BackupMode": backup_mode,
        }
        return response, True

    def _instance(self, instance_id: str) -> DBInstance:
        instance = self.state.instances.get(instance_id)
        if instance is None:
            raise rds_failure("InvalidDBInstanceId.NotFound")
        return instance

    def _usable_instance(self, instance_id: str) -> DBInstance:
        instance = self._instance(instance_id)
        if instance.engine != "SQLServer":
            raise rds_failure("EngineNotSupported")
        if instance.status != "Running":
            raise rds_failure("IncorrectDBInstanceState", detail=f"The instance is {instance.status}.")
        return instance

    def _task(self, task_id: str, instance: DBInstance) -> MigrateTask:
        task = self.state.migrate_tasks.get(task_id)
        if task is None or task.instance_id != instance.instance_id:
            raise rds_failure("InvalidMigrateTaskId.NotFound")
        return task

    def _next_task_id(self) -> str:
        numeric = [int(task_id) for task_id in self.state.migrate_tasks if task_id.isdigit()]
        return str(max(numeric, default=100000) + 1)

    def apply_status_changes(self, task: MigrateTask) -> None:
        due = [
            change
            for change in self.status_changes
            if change.task_id == task.task_id and self.describe_counts[task.task_id] >= change.after_calls
        ]
        for change in due:
            task.status = change.status
            if change.file_status is not None:
                for item in task.backup_files:
                    item.status = change.file_status
            self.status_changes.remove(change)


def _require(parameters: Mapping[str, str], *names: str) -> None:
    for name in names:
        if not parameters.get(name):
            raise rds_failure("MissingParameter", name=name)


def _check_client_token(token: str) -> None:
    if not token or len(token) > CLIENT_TOKEN_MAX_LENGTH or not token.isascii():
        raise rds_failure(
            "InvalidParameter",
            name="ClientToken",
            detail=f"A ClientToken is 1 to {CLIENT_TOKEN_MAX_LENGTH} ASCII characters.",
        )
