"""The emulated cloud: access keys, OSS buckets, RDS instances and migrate tasks.

The JSON format is described in the package docstring. Loading validates every
field and raises StateError naming the offending path, so that a typo in a state
file fails at startup instead of as a puzzling API error later.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import formatdate
from pathlib import Path
from typing import Any, Mapping

TASK_STATUSES = ("NoStart", "Running", "Waiting", "Success", "Failed")
BACKUP_MODES = ("FULL", "UPDF")

# File states that DescribeOssDownloads documents for a backup file.
FILE_STATUSES = (
    "NoStart",
    "Downloading",
    "Finished",
    "DownloadFailed",
    "VerifyFailed",
    "Deleted",
    "DeleteFailed",
    "CheckSuccess",
    "CheckFailed",
    "Restoring",
    "Restored",
    "RestoreFailed",
)
DATABASE_STATUSES = ("Restoring", "Online")


class StateError(ValueError):
    """The state file or dict is not in the documented format."""


@dataclass
class AccessKey:
    """An AccessKey pair. STS pairs carry a security token that must come with every request."""

    access_key_id: str
    secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)
    expiration: float | None = None
    allowed_actions: tuple[str, ...] | None = None

    @property
    def is_sts(self) -> bool:
        return self.security_token is not None

    def allows(self, service: str, action: str) -> bool:
        """Return whether a RAM-style allow-list (``rds:Action``, ``oss:*``, ``*``) permits the call."""
        if self.allowed_actions is None:
            return True
        wanted = {"*", f"{service}:*", f"{service}:{action}"}
        return any(entry in wanted for entry in self.allowed_actions)


@dataclass
class StoredObject:
    """An OSS object. ``body`` is None when the state gave only a size."""

    key: str
    metadata: dict[str, str]
    body: bytes | None
    size: int
    content_type: str
    last_modified: float
    etag: str

    @property
    def last_modified_http(self) -> str:
        return formatdate(self.last_modified, usegmt=True)


@dataclass
class Bucket:
    name: str
    objects: dict[str, StoredObject] = field(default_factory=dict)


@dataclass
class Database:
    name: str
    status: str


@dataclass
class DBInstance:
    """An RDS instance. ``oss_downloads_supported`` is False for editions without DescribeOssDownloads."""

    instance_id: str
    engine: str
    status: str
    databases: dict[str, Database] = field(default_factory=dict)
    oss_downloads_supported: bool = True


@dataclass
class BackupFile:
    """One backup file of a migrate task, as DescribeOssDownloads lists it."""

    file_name: str
    status: str
    file_size: str
    backup_mode: str
    create_time: str
    end_time: str
    is_available: str
    description: str


@dataclass
class MigrateTask:
    task_id: str
    instance_id: str
    db_name: str
    status: str
    backup_mode: str
    is_online_db: bool
    create_time: str
    end_time: str
    description: str
    backup_files: list[BackupFile] = field(default_factory=list)


@dataclass
class State:
    """Everything the emulator serves. Mutated in place by PutObject and the RDS actions."""

    region: str
    account_id: str
    access_keys: dict[str, AccessKey]
    buckets: dict[str, Bucket]
    instances: dict[str, DBInstance]
    migrate_tasks: dict[str, MigrateTask]

    @classmethod
    def from_file(cls, path: str | Path) -> State:
        text = Path(path).read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise StateError(f"state file {path} is not valid JSON: {error}") from error
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> State:
        root = _mapping(data, "state")
        now = time.time()
        state = cls(
            region=_text(root.get("Region", "cn-hangzhou"), "Region"),
            account_id=_text(root.get("AccountId", "1000000000000000"), "AccountId"),
            access_keys={
                key_id: _access_key(key_id, value, f"AccessKeys.{key_id}")
                for key_id, value in _mapping(root.get("AccessKeys", {}), "AccessKeys").items()
            },
            buckets={
                name: _bucket(name, value, f"Buckets.{name}", now)
                for name, value in _mapping(root.get("Buckets", {}), "Buckets").items()
            },
            instances={
                instance_id: _instance(instance_id, value, f"DBInstances.{instance_id}")
                for instance_id, value in _mapping(root.get("DBInstances", {}), "DBInstances").items()
            },
            migrate_tasks={
                task_id: _task(task_id, value, f"MigrateTasks.{task_id}")
                for task_id, value in _mapping(root.get("MigrateTasks", {}), "MigrateTasks").items()
            },
        )
        state.validate_references()
        return state

    def validate_references(self) -> None:
        """Raise StateError when a migrate task names an unknown instance or database."""
        for task in self.migrate_tasks.values():
            instance = self.instances.get(task.instance_id)
            if instance is None:
                raise StateError(
                    f"MigrateTasks.{task.task_id}.DBInstanceId: instance {task.instance_id!r} "
                    "is not listed under DBInstances"
                )
            if task.db_name not in instance.databases:
                raise StateError(
                    f"MigrateTasks.{task.task_id}.DBName: database {task.db_name!r} is not listed "
                    f"under DBInstances.{task.instance_id}.Databases"
                )


def make_object(
    key: str,
    body: bytes | None,
    *,
    size: int | None = None,
    metadata: Mapping[str, str] | None = None,
    content_type: str = "application/octet-stream",
    last_modified: float | None = None,
    etag: str | None = None,
) -> StoredObject:
    """Build a StoredObject, deriving size and ETag from the body when there is one.

    OSS returns the upper-case hex MD5 of the content as the ETag of a simple
    upload. Objects given only by size get a stand-in ETag derived from the key.
    """
    if body is not None:
        size = len(body)
        etag = etag or hashlib.md5(body).hexdigest().upper()
    elif size is None:
        raise StateError(f"object {key!r} needs Body, BodyBase64 or Size")
    else:
        etag = etag or hashlib.md5(f"{key}:{size}".encode()).hexdigest().upper()
    return StoredObject(
        key=key,
        metadata={name.lower(): value for name, value in (metadata or {}).items()},
        body=body,
        size=size,
        content_type=content_type,
        last_modified=time.time() if last_modified is None else last_modified,
        etag=etag,
    )


def parse_iso8601(text: str) -> float:
    """Parse ``yyyy-MM-ddTHH:mm:ssZ`` (UTC, the format the APIs use) into epoch seconds."""
    moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    return moment.replace(tzinfo=timezone.utc).timestamp()


def format_iso8601(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _access_key(key_id: str, value: Any, path: str) -> AccessKey:
    entry = _mapping(value, path)
    token = entry.get("SecurityToken")
    expiration = entry.get("Expiration")
    allowed = entry.get("AllowedActions")
    if allowed is not None:
        if not isinstance(allowed, list) or not all(isinstance(item, str) for item in allowed):
            raise StateError(f"{path}.AllowedActions must be a list of strings such as 'rds:CreateOnlineDatabaseTask'")
        allowed = tuple(allowed)
    return AccessKey(
        access_key_id=key_id,
        secret=_text(entry.get("AccessKeySecret"), f"{path}.AccessKeySecret"),
        security_token=None if token is None else _text(token, f"{path}.SecurityToken"),
        expiration=None if expiration is None else _timestamp(expiration, f"{path}.Expiration"),
        allowed_actions=allowed,
    )


def _bucket(name: str, value: Any, path: str, now: float) -> Bucket:
    entry = _mapping(value, path)
    objects = {}
    for key, raw in _mapping(entry.get("Objects", {}), f"{path}.Objects").items():
        objects[key] = _object(key, raw, f"{path}.Objects.{key}", now)
    return Bucket(name=name, objects=objects)


def _object(key: str, value: Any, path: str, now: float) -> StoredObject:
    entry = _mapping(value, path)
    metadata = _mapping(entry.get("Metadata", {}), f"{path}.Metadata")
    for name, meta_value in metadata.items():
        if not name.lower().startswith("x-oss-meta-"):
            raise StateError(f"{path}.Metadata: header {name!r} must start with x-oss-meta-")
        _text(meta_value, f"{path}.Metadata.{name}")
    body: bytes | None = None
    if "Body" in entry:
        body = _text(entry["Body"], f"{path}.Body", allow_empty=True).encode("utf-8")
    elif "BodyBase64" in entry:
        body = base64.b64decode(_text(entry["BodyBase64"], f"{path}.BodyBase64"))
    size = entry.get("Size")
    if size is not None and (not isinstance(size, int) or size < 0):
        raise StateError(f"{path}.Size must be a non-negative integer")
    last_modified = entry.get("LastModified")
    try:
        return make_object(
            key,
            body,
            size=size,
            metadata=metadata,
            content_type=_text(entry.get("ContentType", "application/octet-stream"), f"{path}.ContentType"),
            last_modified=now if last_modified is None else _timestamp(last_modified, f"{path}.LastModified"),
            etag=entry.get("ETag"),
        )
    except StateError as error:
        raise StateError(f"{path}: {error}") from error


def _instance(instance_id: str, value: Any, path: str) -> DBInstance:
    entry = _mapping(value, path)
    databases = {}
    for name, raw in _mapping(entry.get("Databases", {}), f"{path}.Databases").items():
        database = _mapping(raw, f"{path}.Databases.{name}")
        databases[name] = Database(
            name=name,
            status=_choice(database.get("Status", "Restoring"), DATABASE_STATUSES, f"{path}.Databases.{name}.Status"),
        )
    supported = entry.get("OssDownloadsSupported", True)
    if not isinstance(supported, bool):
        raise StateError(f"{path}.OssDownloadsSupported must be true or false")
    return DBInstance(
        instance_id=instance_id,
        engine=_text(entry.get("Engine", "SQLServer"), f"{path}.Engine"),
        status=_text(entry.get("Status", "Running"), f"{path}.Status"),
        databases=databases,
        oss_downloads_supported=supported,
    )


def _task(task_id: str, value: Any, path: str) -> MigrateTask:
    entry = _mapping(value, path)
    backup_mode = _choice(entry.get("BackupMode", "FULL"), BACKUP_MODES, f"{path}.BackupMode")
    create_time = _text(entry.get("CreateTime", "2024-01-01T00:00:00Z"), f"{path}.CreateTime")
    end_time = _text(entry.get("EndTime", create_time), f"{path}.EndTime")
    files = []
    raw_files = entry.get("BackupFiles", [])
    if not isinstance(raw_files, list):
        raise StateError(f"{path}.BackupFiles must be a list")
    for index, raw in enumerate(raw_files):
        file_path = f"{path}.BackupFiles[{index}]"
        item = _mapping(raw, file_path)
        files.append(
            BackupFile(
                file_name=_text(item.get("FileName"), f"{file_path}.FileName"),
                status=_choice(item.get("Status", "Restored"), FILE_STATUSES, f"{file_path}.Status"),
                file_size=str(item.get("FileSize", "1")),
                backup_mode=_text(item.get("BackupMode", backup_mode), f"{file_path}.BackupMode"),
                create_time=_text(item.get("CreateTime", create_time), f"{file_path}.CreateTime"),
                end_time=_text(item.get("EndTime", end_time), f"{file_path}.EndTime"),
                is_available=_text(item.get("IsAvailable", "True"), f"{file_path}.IsAvailable"),
                description=_text(item.get("Description", ""), f"{file_path}.Description", allow_empty=True),
            )
        )
    is_online_db = entry.get("IsOnlineDB", False)
    if not isinstance(is_online_db, bool):
        raise StateError(f"{path}.IsOnlineDB must be true or false")
    return MigrateTask(
        task_id=task_id,
        instance_id=_text(entry.get("DBInstanceId"), f"{path}.DBInstanceId"),
        db_name=_text(entry.get("DBName"), f"{path}.DBName"),
        status=_choice(entry.get("Status", "Success"), TASK_STATUSES, f"{path}.Status"),
        backup_mode=backup_mode,
        is_online_db=is_online_db,
        create_time=create_time,
        end_time=end_time,
        description=_text(entry.get("Description", ""), f"{path}.Description", allow_empty=True),
        backup_files=files,
    )


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise StateError(f"{path} must be a JSON object, not {type(value).__name__}")
    return value


def _text(value: Any, path: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not value and not allow_empty):
        raise StateError(f"{path} must be a non-empty string, not {value!r}")
    return value


def _choice(value: Any, allowed: tuple[str, ...], path: str) -> str:
    if value not in allowed:
        raise StateError(f"{path} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _timestamp(value: Any, path: str) -> float:
    try:
        return parse_iso8601(_text(value, path))
    except ValueError as error:
        raise StateError(f"{path} must be a UTC time like 2024-01-31T08:00:00Z, not {value!r}") from error
