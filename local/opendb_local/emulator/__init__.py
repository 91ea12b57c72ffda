"""A local emulator of the OSS and RDS APIs that opendb calls, for tests and manual runs.

The emulator checks signatures itself, the way the cloud does, and imports
nothing from ``opendb``: a mistake in opendb's signer cannot hide behind the
same mistake in the checker.

What it serves
--------------
OSS, path-style ``/<bucket>/<key>``: PutObject, HeadObject and GetObject,
signed with signature V1 (``Authorization: OSS <AccessKeyId>:<Signature>``).

RDS, RPC style at ``/`` (GET or POST, parameters in the query and/or a form
body), signed with RPC signature v1 (HMAC-SHA1) or ACS3-HMAC-SHA256:
CreateMigrateTask, DescribeMigrateTaskById, DescribeOssDownloads and
CreateOnlineDatabaseTask of API version 2014-08-15.

Use ``Emulator(state).transport()`` as an httpx transport for the in-process
endpoints IN_PROCESS_RDS_ENDPOINT and IN_PROCESS_OSS_ENDPOINT, or
``with Emulator(state).serve() as endpoints:`` for real loopback ports. From a
shell: ``python -m opendb_local.emulator --state local/samples/state.json``.

State format
------------
A JSON object; every key is optional and defaults as shown::

    {
      "Region": "cn-hangzhou",
      "AccountId": "1000000000000000",
      "AccessKeys": {
        "<AccessKeyId>": {
          "AccessKeySecret": "<secret>",               (required)
          "SecurityToken": "<token>",                  (STS pairs only, and then required on every request)
          "Expiration": "2030-01-01T00:00:00Z",        (STS pairs only; UTC)
          "AllowedActions": ["rds:CreateOnlineDatabaseTask", "oss:*"]
                                                       (absent: every action is allowed)
        }
      },
      "Buckets": {
        "<bucket>": {
          "Objects": {
            "<key>": {
              "Metadata": {"x-oss-meta-<name>": "<value>"},
              "Body": "<text>" | "BodyBase64": "<base64>" | "Size": <bytes>,
              "ContentType": "application/octet-stream",
              "LastModified": "<UTC time>",            (default: load time)
              "ETag": "<hex>"                          (default: MD5 of the body)
            }
          }
        }
      },
      "DBInstances": {
        "<DBInstanceId>": {
          "Engine": "SQLServer",
          "Status": "Running",
          "OssDownloadsSupported": true,               (false: DescribeOssDownloads fails with UnsupportedOperation)
          "Databases": {"<DBName>": {"Status": "Restoring" | "Online"}}
        }
      },
      "MigrateTasks": {
        "<MigrateTaskId>": {
          "DBInstanceId": "<id>",                      (required, listed under DBInstances)
          "DBName": "<name>",                          (required, listed under its Databases)
          "Status": "NoStart" | "Running" | "Waiting" | "Success" | "Failed",  (default Success)
          "BackupMode": "FULL" | "UPDF",
          "IsOnlineDB": false,
          "CreateTime": "<UTC time>", "EndTime": "<UTC time>", "Description": "",
          "BackupFiles": [
            {"FileName": "<key>", "Status": "Restored", "FileSize": "1",
             "BackupMode": "FULL", "IsAvailable": "True", "Description": ""}
          ]
        }
      }
    }

CreateOnlineDatabaseTask opens a database when its task is Success or
Waiting and the database is Restoring. It moves the database to Online and
counts the open (``Emulator.open_count``).
"""

from .calls import Call, CallLog
from .errors import ApiFailure
from .faults import FAULT_KINDS, Faults
from .server import Emulator, Endpoints
from .state import State, StateError
from .transport import IN_PROCESS_OSS_ENDPOINT, IN_PROCESS_RDS_ENDPOINT

__all__ = [
    "ApiFailure",
    "Call",
    "CallLog",
    "Emulator",
    "Endpoints",
    "FAULT_KINDS",
    "Faults",
    "IN_PROCESS_OSS_ENDPOINT",
    "IN_PROCESS_RDS_ENDPOINT",
    "State",
    "StateError",
]
