"""Reference A: the opendb job with Alibaba's current SDKs.

HeadObject goes through alibabacloud-oss-v2 and the two RDS calls through
alibabacloud-rds20140815 on tea-openapi, which signs with its default
ACS3-HMAC-SHA256.

Three settings differ from the SDKs' defaults so that they can reach the local
emulator, and all are supported options. The OSS client signs with signature
V1 (``signature_version="v1"``), because the emulator checks only V1 and not
the SDK's default V4. It addresses the bucket path-style over plain http on
127.0.0.1. And HeadObject carries the STS token in an ``x-oss-security-token``
request header, because alibabacloud-oss-v2 1.4.1 signs V1 requests with the
token in a ``security-token`` header only, which the emulator rejects as a
request without a token.

NOTE: whether the real OSS service accepts that ``security-token`` header was
not checked: the benchmark never leaves 127.0.0.1.
"""

from __future__ import annotations

import logging
import os
import sys

import alibabacloud_oss_v2 as oss
from alibabacloud_rds20140815 import models as rds_models
from alibabacloud_rds20140815.client import Client as RdsClient
from alibabacloud_tea_openapi import models as openapi_models

from . import job

log = logging.getLogger("reference.new_sdk")


class Clients:
    """The OSS and RDS clients for one set of STS credentials."""

    def __init__(self, credentials) -> None:
        self.key = (credentials.access_key_id, credentials.access_key_secret, credentials.security_token)
        rds_endpoint = os.environ["OPENDB_RDS_ENDPOINT"]
        self.rds = RdsClient(
            openapi_models.Config(
                access_key_id=credentials.access_key_id,
                access_key_secret=credentials.access_key_secret,
                security_token=credentials.security_token,
                endpoint=rds_endpoint.split("://", 1)[1],
                protocol=rds_endpoint.split("://", 1)[0],
                region_id=os.environ.get("FC_REGION", "cn-hangzhou"),
            )
        )

        config = oss.config.load_default()
        config.credentials_provider = oss.credentials.StaticCredentialsProvider(
            credentials.access_key_id, credentials.access_key_secret, credentials.security_token
        )
        config.region = os.environ.get("FC_REGION", "cn-hangzhou")
        config.endpoint = os.environ["OPENDB_OSS_ENDPOINT"]
        config.signature_version = "v1"
        config.use_path_style = True
        self.oss = oss.Client(config)
        self.security_token = credentials.security_token


_clients: Clients | None = None


def _clients_for(credentials) -> Clients:
    # FC rotates the STS credentials, so the clients are rebuilt whenever they change.
    global _clients
    key = (credentials.access_key_id, credentials.access_key_secret, credentials.security_token)
    if _clients is None or _clients.key != key:
        _clients = Clients(credentials)
    return _clients


def initializer(context) -> None:
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    _clients_for(context.credentials)


def handler(event, context) -> dict:
    clients = _clients_for(context.credentials)
    opened = []
    for bucket, key in job.uploaded_objects(event):
        head = clients.oss.head_object(
            oss.HeadObjectRequest(bucket=bucket, key=key, headers={"x-oss-security-token": clients.security_token})
        )
        parameters = job.open_parameters(head.metadata or {})
        if parameters is None:
            log.info("skipped oss://%s/%s: no opendb metadata", bucket, key)
            continue

        task = clients.rds.describe_migrate_task_by_id(
            rds_models.DescribeMigrateTaskByIdRequest(
                dbinstance_id=parameters["DBInstanceId"], migrate_task_id=parameters["MigrateTaskId"]
            )
        )
        job.check_ready(task.body.status)

        response = clients.rds.create_online_database_task(
            rds_models.CreateOnlineDatabaseTaskRequest(
                dbinstance_id=parameters["DBInstanceId"],
                dbname=parameters["DBName"],
                migrate_task_id=parameters["MigrateTaskId"],
                check_dbmode=parameters["CheckDBMode"],
                client_token=job.client_token(parameters),
            )
        )
        log.info("opened %s/%s, RequestId %s", parameters["DBInstanceId"], parameters["DBName"], response.body.request_id)
        opened.append({"bucket": bucket, "key": key, "rdsRequestId": response.body.request_id})
    return {"opened": opened}
