"""Open requests: the validated CreateOnlineDatabaseTask parameters for one notice.

Values come from up to four sources, applied per field in this order of
precedence: metadata carried in the event, metadata read with HeadObject, the
key pattern (OPENDB_KEY_PATTERN), and the settings' defaults. Two sources that
give different values for one field are a conflict, which is rejected rather
than merged. No value is ever altered beyond trimming surrounding white space.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Mapping

from .errors import ConfigurationError, InvalidMetadata, NotAllowed
from .notices import ObjectRef
from .settings import CHECK_DB_MODES, Settings

META_PREFIX = "x-oss-meta-"

# Metadata name (lower case, without x-oss-meta-) for each API parameter.
METADATA_KEYS = {
    "DBInstanceId": "rds-instance-id",
    "DBName": "rds-db-name",
    "MigrateTaskId": "rds-migrate-task-id",
    "CheckDBMode": "rds-check-db-mode",
}
REQUIRED = ("DBInstanceId", "DBName", "MigrateTaskId")
OPTIONAL = ("CheckDBMode",)

# RDS instance IDs: "rm-" and lower-case letters and digits; instances created
# before that scheme have IDs of the form "rds" + letters and digits.
_INSTANCE_ID = re.compile(r"^(rm-[a-z0-9]{6,40}|rds[a-z0-9]{6,40})$")
_TASK_ID = re.compile(r"^[0-9]{1,20}$")
# Alibaba's CreateDatabase rule: 2 to 64 characters of letters, digits, "_" and
# "-", starting with a letter and ending with a letter or digit. Upper case is
# allowed because a restored SQL Server database keeps its source name, and
# CreateMigrateTask's own example name is "testDB".
_DB_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,62}[A-Za-z0-9]$")
SYSTEM_DATABASES = frozenset({"master", "model", "msdb", "tempdb", "resource", "distribution", "rdsadmin"})

CLIENT_TOKEN_PREFIX = "opendb-"


def _source_label(parameter: str, source: str) -> str:
    if source in ("event metadata", "HeadObject metadata"):
        return META_PREFIX + METADATA_KEYS[parameter]
    if source == "key pattern":
        return "{" + parameter + "} in OPENDB_KEY_PATTERN"
    if source == "settings":
        return "OPENDB_DEFAULT_CHECK_DB_MODE"
    return parameter


@dataclass(frozen=True)
class OpenRequest:
    """Validated parameters for one CreateOnlineDatabaseTask call."""

    db_instance_id: str
    db_name: str
    migrate_task_id: str
    check_db_mode: str
    object: ObjectRef | None = None
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def client_token(self) -> str:
        """A ClientToken that every delivery of the same open request shares.

        It depends only on instance, database and task, so duplicate
        deliveries, FC retries and concurrent invocations send the same token
        and RDS performs the open once. 7 + 56 = 63 ASCII characters, under
        the API's limit of 64.
        """
        material = "\n".join((self.db_instance_id, self.db_name, self.migrate_task_id)).encode("utf-8")
        return CLIENT_TOKEN_PREFIX + hashlib.sha256(material).hexdigest()[:56]

    def task_parameters(self) -> dict[str, str]:
        """Return the parameters that name the migrate task, for the Describe actions."""
        return {"DBInstanceId": self.db_instance_id, "MigrateTaskId": self.migrate_task_id}

    def api_parameters(self) -> dict[str, str]:
        return {
            "DBInstanceId": self.db_instance_id,
            "DBName": self.db_name,
            "MigrateTaskId": self.migrate_task_id,
            "CheckDBMode": self.check_db_mode,
        }


class KeyPattern:
    """A key template such as ``open/{DBInstanceId}/{DBName}/{MigrateTaskId}``.

    Each field matches one or more characters other than "/", and the whole key
    must match. Text outside the fields is literal.
    """

    def __init__(self, template: str) -> None:
        self.template = template
        fields = re.findall(r"\{([^{}]*)\}", template)
        for name in fields:
            if name not in METADATA_KEYS:
                raise ConfigurationError(
                    f"OPENDB_KEY_PATTERN={template!r} has an unknown field {{{name}}}; "
                    f"use {', '.join('{' + key + '}' for key in METADATA_KEYS)}"
                )
        if len(set(fields)) != len(fields):
            raise ConfigurationError(f"OPENDB_KEY_PATTERN={template!r} repeats a field")
        if not fields:
            raise ConfigurationError(f"OPENDB_KEY_PATTERN={template!r} has no {{field}}")

        pattern = ""
        for piece in re.split(r"(\{[^{}]*\})", template):
            if piece.startswith("{") and piece.endswith("}"):
                pattern += f"(?P<{piece[1:-1]}>[^/]+)"
            else:
                pattern += re.escape(piece)
        self._regex = re.compile(pattern)

    def match(self, key: str) -> dict[str, str] | None:
        found = self._regex.fullmatch(key)
        return dict(found.groupdict()) if found else None


def normalize_metadata(raw: Mapping[str, object]) -> dict[str, str]:
    """Lower-case the names, remove any x-oss-meta- prefix, and convert values to str."""
    result: dict[str, str] = {}
    for name, value in raw.items():
        key = str(name).strip().lower()
        if key.startswith(META_PREFIX):
            key = key[len(META_PREFIX):]
        result[key] = "" if value is None else str(value)
    return result


def from_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    """Map normalised metadata to API parameters, trimming values."""
    found: dict[str, str] = {}
    for parameter, meta_key in METADATA_KEYS.items():
        if meta_key in metadata:
            found[parameter] = metadata[meta_key].strip()
    return found


def merge_sources(sources: list[tuple[str, Mapping[str, str]]]) -> tuple[dict[str, str], dict[str, str]]:
    """Merge parameter sources in precedence order; raise InvalidMetadata on a conflict.

    Returns the merged values and, for each parameter, the source it came from.
    """
    values: dict[str, str] = {}
    origin: dict[str, str] = {}
    for source, parameters in sources:
        for name, value in parameters.items():
            if name not in values:
                values[name] = value
                origin[name] = source
            elif values[name] != value:
                first = _source_label(name, origin[name])
                second = _source_label(name, source)
                raise InvalidMetadata(
                    f"{name} conflicts: {first} is {values[name]!r} but {second} is {value!r}; "
                    "make the sources agree or remove one",
                    key=_source_label(name, source),
                    value=value,
                )
    return values, origin


def validate(values: Mapping[str, str], origin: Mapping[str, str]) -> None:
    """Raise InvalidMetadata naming the key and value of the first invalid parameter."""
    missing = [name for name in REQUIRED if not values.get(name)]
    if missing:
        present = ", ".join(f"{_source_label(n, origin[n])}={values[n]!r}" for n in REQUIRED if n in values)
        labels = ", ".join(META_PREFIX + METADATA_KEYS[name] for name in missing)
        raise InvalidMetadata(
            f"incomplete open request: {labels} missing or empty (found {present or 'nothing else'}); "
            "set all of x-oss-meta-rds-instance-id, x-oss-meta-rds-db-name and x-oss-meta-rds-migrate-task-id",
            key=META_PREFIX + METADATA_KEYS[missing[0]],
        )

    checks = (
        ("DBInstanceId", _INSTANCE_ID, "an RDS instance ID such as rm-uf6wjk5xxxxxxx"),
        ("MigrateTaskId", _TASK_ID, "a migrate task ID of 1 to 20 digits"),
        ("DBName", _DB_NAME, "2 to 64 letters, digits, '_' or '-', starting with a letter and ending with a letter or digit"),
    )
    for name, pattern, expected in checks:
        value = values[name]
        if not pattern.match(value):
            label = _source_label(name, origin.get(name, ""))
            raise InvalidMetadata(f"{label}={value!r} is invalid: expected {expected}", key=label, value=value)

    if values["DBName"].lower() in SYSTEM_DATABASES:
        label = _source_label("DBName", origin.get("DBName", ""))
        raise InvalidMetadata(
            f"{label}={values['DBName']!r} is a system database, which a migrate task never restores",
            key=label,
            value=values["DBName"],
        )

    mode = values.get("CheckDBMode")
    if mode is not None and mode not in CHECK_DB_MODES:
        label = _source_label("CheckDBMode", origin.get("CheckDBMode", ""))
        raise InvalidMetadata(
            f"{label}={mode!r} is invalid: expected {' or '.join(CHECK_DB_MODES)} (case-sensitive)",
            key=label,
            value=mode,
        )


def check_allowed(values: Mapping[str, str], obj: ObjectRef | None, settings: Settings) -> None:
    """Raise NotAllowed when the request or its object falls outside the allow-lists."""
    if settings.allowed_instances and values["DBInstanceId"] not in settings.allowed_instances:
        raise NotAllowed(
            f"DBInstanceId {values['DBInstanceId']!r} is not in OPENDB_ALLOWED_INSTANCES; "
            "add it there to let this function open its databases"
        )
    if obj is None:
        return
    if settings.allowed_buckets and obj.bucket not in settings.allowed_buckets:
        raise NotAllowed(f"bucket {obj.bucket!r} is not in OPENDB_ALLOWED_BUCKETS")
    if settings.allowed_prefixes and not any(obj.key.startswith(p) for p in settings.allowed_prefixes):
        raise NotAllowed(f"key {obj.key!r} starts with none of OPENDB_ALLOWED_PREFIXES")


def build_request(
    sources: list[tuple[str, Mapping[str, str]]],
    settings: Settings,
    obj: ObjectRef | None = None,
) -> OpenRequest:
    """Merge, default, validate and allow-list check the sources into an OpenRequest."""
    values, origin = merge_sources(sources)
    validate(values, origin)
    if "CheckDBMode" not in values:
        values["CheckDBMode"] = settings.default_check_db_mode
        origin["CheckDBMode"] = "settings"
    check_allowed(values, obj, settings)
    return OpenRequest(
        db_instance_id=values["DBInstanceId"],
        db_name=values["DBName"],
        migrate_task_id=values["MigrateTaskId"],
        check_db_mode=values["CheckDBMode"],
        object=obj,
        sources=dict(origin),
    )
