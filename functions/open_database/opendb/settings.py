"""Settings, read once from environment variables.

Every variable the function reads is declared in ``VARIABLES``, with its
default and meaning. The tests check the README's settings table and
template.yml against it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Mapping

from . import endpoints
from .errors import ConfigurationError

CHECK_DB_MODES = ("SyncExecuteDBCheck", "AsyncExecuteDBCheck")
SIGNATURE_VERSIONS = ("acs3", "v1")


@dataclass(frozen=True)
class Variable:
    """One environment variable that the function reads."""

    name: str
    default: str | None
    description: str
    set_by_fc: bool = False


VARIABLES: tuple[Variable, ...] = (
    Variable(
        "FC_REGION",
        None,
        "Region the function runs in. FC sets it; it chooses the default endpoints.",
        set_by_fc=True,
    ),
    Variable(
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        None,
        "AccessKey ID, read only when the context has no credentials "
        "(FC python3.12 sets it from the function's role; the command-line tool reads it too).",
        set_by_fc=True,
    ),
    Variable("ALIBABA_CLOUD_ACCESS_KEY_SECRET", None, "AccessKey secret that goes with the ID.", set_by_fc=True),
    Variable(
        "ALIBABA_CLOUD_SECURITY_TOKEN",
        None,
        "STS security token; leave unset for long-term keys.",
        set_by_fc=True,
    ),
    Variable(
        "OPENDB_RDS_ENDPOINT",
        None,
        "RDS API base URL. Default: Alibaba's endpoint for the region. http only for loopback.",
    ),
    Variable(
        "OPENDB_OSS_ENDPOINT",
        None,
        "OSS base URL; objects are then addressed path-style as <base>/<bucket>/<key>. "
        "Default: the region's internal endpoint, virtual-hosted style. http only for loopback.",
    ),
    Variable(
        "OPENDB_OSS_INTERNAL",
        "true",
        "Use the internal OSS endpoint for buckets in the function's region (true or false).",
    ),
    Variable(
        "OPENDB_DEFAULT_CHECK_DB_MODE",
        "AsyncExecuteDBCheck",
        "CheckDBMode when the metadata does not set it: SyncExecuteDBCheck or AsyncExecuteDBCheck.",
    ),
    Variable(
        "OPENDB_KEY_PATTERN",
        "",
        "Object key pattern with {DBInstanceId}, {DBName} and {MigrateTaskId} fields, "
        "for uploads without metadata, for example open/{DBInstanceId}/{DBName}/{MigrateTaskId}.",
    ),
    Variable("OPENDB_ALLOWED_INSTANCES", "", "Comma-separated DBInstanceIds that may be opened; empty allows any."),
    Variable("OPENDB_ALLOWED_BUCKETS", "", "Comma-separated buckets whose uploads are acted on; empty allows any."),
    Variable("OPENDB_ALLOWED_PREFIXES", "", "Comma-separated key prefixes whose uploads are acted on; empty allows any."),
    Variable("OPENDB_SIGNATURE_VERSION", "acs3", "RDS request signature: acs3 (ACS3-HMAC-SHA256) or v1 (HMAC-SHA1)."),
    Variable("OPENDB_HTTP_TIMEOUT", "10", "Timeout of one HTTP request to OSS or RDS, in seconds."),
    Variable(
        "OPENDB_DEADLINE_MARGIN",
        "3",
        "Seconds kept free before the function's timeout: no retry or poll starts after that point.",
    ),
    Variable(
        "OPENDB_READINESS_CHECK",
        "true",
        "Check the migrate task before opening (true or false). Turning it off risks opening too early.",
    ),
    Variable(
        "OPENDB_AFTER_OPEN_WAIT",
        "20",
        "Maximum seconds to keep polling the migrate task after the open call, to log its new status.",
    ),
    Variable(
        "OPENDB_FAILURE_BUCKET",
        "",
        "Bucket that receives a JSON record of every permanent failure, for an operator to fix and replay. "
        "Empty: permanent failures are only logged.",
    ),
    Variable("OPENDB_FAILURE_PREFIX", "opendb-failures/", "Key prefix of the failure records in OPENDB_FAILURE_BUCKET."),
    Variable("OPENDB_LOG_LEVEL", "info", "Lowest level written to the log: debug, info, warning or error."),
)

_BOOLEAN_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _split_list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    """The function's settings, validated."""

    region: str
    rds_endpoint: str
    oss_endpoint: str | None
    oss_internal: bool = True
    default_check_db_mode: str = "AsyncExecuteDBCheck"
    key_pattern: str = ""
    allowed_instances: tuple[str, ...] = ()
    allowed_buckets: tuple[str, ...] = ()
    allowed_prefixes: tuple[str, ...] = ()
    signature_version: str = "acs3"
    http_timeout: float = 10.0
    deadline_margin: float = 3.0
    readiness_check: bool = True
    after_open_wait: float = 20.0
    failure_bucket: str = ""
    failure_prefix: str = "opendb-failures/"
    log_level: str = "info"

    def oss_base_url(self, bucket: str, bucket_region: str | None) -> tuple[str, bool]:
        """Return the base URL for requests on ``bucket`` and whether it is path-style."""
        if self.oss_endpoint:
            return self.oss_endpoint, True
        region = bucket_region or self.region
        internal = self.oss_internal and region == self.region
        base = endpoints.default_oss_endpoint(region, internal=internal)
        return base.replace("https://", f"https://{bucket}.", 1), False


def _read(environ: Mapping[str, str], name: str) -> str:
    for variable in VARIABLES:
        if variable.name == name:
            value = environ.get(name)
            if value is None or value.strip() == "":
                return variable.default or ""
            return value.strip()
    raise KeyError(f"{name} is not declared in VARIABLES")


def _boolean(environ: Mapping[str, str], name: str) -> bool:
    text = _read(environ, name).lower()
    if text not in _BOOLEAN_WORDS:
        raise ConfigurationError(f"{name}={text!r} is invalid; use true or false")
    return _BOOLEAN_WORDS[text]


def _seconds(environ: Mapping[str, str], name: str) -> float:
    text = _read(environ, name)
    try:
        value = float(text)
    except ValueError:
        raise ConfigurationError(f"{name}={text!r} is not a number of seconds") from None
    if not 0 <= value <= 3600:
        raise ConfigurationError(f"{name}={text!r} is out of range; use 0 to 3600 seconds")
    return value


def _choice(environ: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    text = _read(environ, name)
    for choice in choices:
        if text.lower() == choice.lower():
            return choice
    raise ConfigurationError(f"{name}={text!r} is invalid; use one of {', '.join(choices)}")


_REGION = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")


def load(environ: Mapping[str, str] | None = None, *, region: str | None = None) -> Settings:
    """Read and validate the settings; raise ConfigurationError naming the bad variable.

    ``region`` (from the FC context) wins over FC_REGION when given.
    """
    env = os.environ if environ is None else environ

    region = (region or _read(env, "FC_REGION")).strip()
    rds_override = _read(env, "OPENDB_RDS_ENDPOINT")
    oss_override = _read(env, "OPENDB_OSS_ENDPOINT")
    if not region and not (rds_override and oss_override):
        raise ConfigurationError(
            "FC_REGION is not set and the context names no region; set FC_REGION, "
            "or set both OPENDB_RDS_ENDPOINT and OPENDB_OSS_ENDPOINT"
        )
    if region and not _REGION.match(region):
        raise ConfigurationError(f"region {region!r} is not a region ID such as cn-hangzhou")

    if rds_override:
        rds_endpoint = endpoints.validate_base_url("OPENDB_RDS_ENDPOINT", rds_override)
    else:
        rds_endpoint = endpoints.default_rds_endpoint(region)
    oss_endpoint = endpoints.validate_base_url("OPENDB_OSS_ENDPOINT", oss_override) if oss_override else None

    key_pattern = _read(env, "OPENDB_KEY_PATTERN")
    log_level = _choice(env, "OPENDB_LOG_LEVEL", ("debug", "info", "warning", "error"))

    return Settings(
        region=region,
        rds_endpoint=rds_endpoint,
        oss_endpoint=oss_endpoint,
        oss_internal=_boolean(env, "OPENDB_OSS_INTERNAL"),
        default_check_db_mode=_choice(env, "OPENDB_DEFAULT_CHECK_DB_MODE", CHECK_DB_MODES),
        key_pattern=key_pattern,
        allowed_instances=_split_list(_read(env, "OPENDB_ALLOWED_INSTANCES")),
        allowed_buckets=_split_list(_read(env, "OPENDB_ALLOWED_BUCKETS")),
        allowed_prefixes=_split_list(_read(env, "OPENDB_ALLOWED_PREFIXES")),
        signature_version=_choice(env, "OPENDB_SIGNATURE_VERSION", SIGNATURE_VERSIONS),
        http_timeout=_seconds(env, "OPENDB_HTTP_TIMEOUT"),
        deadline_margin=_seconds(env, "OPENDB_DEADLINE_MARGIN"),
        readiness_check=_boolean(env, "OPENDB_READINESS_CHECK"),
        after_open_wait=_seconds(env, "OPENDB_AFTER_OPEN_WAIT"),
        failure_bucket=_read(env, "OPENDB_FAILURE_BUCKET"),
        failure_prefix=_read(env, "OPENDB_FAILURE_PREFIX"),
        log_level=log_level,
    )
