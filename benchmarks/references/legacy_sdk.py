"""Reference B: the opendb job with Alibaba's legacy SDKs.

HeadObject goes through oss2 and the two RDS calls through
aliyun-python-sdk-core with aliyun-python-sdk-rds, which sign with RPC
signature v1 (HMAC-SHA1). oss2 signs with its default signature V1 and
addresses the bucket path-style because the endpoint is an IP address. Each
RDS request is sent over plain http to the endpoint from
OPENDB_RDS_ENDPOINT, through the SDK's ``set_endpoint`` and
``set_protocol_type`` options.
"""

from __future__ import annotations

import json
import logging
import os
import sys

import oss2
from aliyunsdkcore.auth.credentials import StsTokenCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkrds.request.v20140815.CreateOnlineDatabaseTaskRequest import CreateOnlineDatabaseTaskRequest
from aliyunsdkrds.request.v20140815.DescribeMigrateTaskByIdRequest import DescribeMigrateTaskByIdRequest

from . import job

log = logging.getLogger("reference.legacy_sdk")


class Clients:
    """The OSS authenticator and the RDS client for one set of STS credentials."""

    def __init__(self, credentials) -> None:
        self.key = (credentials.access_key_id, credentials.access_key_secret, credentials.security_token)
        self.auth = oss2.StsAuth(credentials.access_key_id, credentials.access_key_secret, credentials.security_token)
        self.oss_endpoint = os.environ["OPENDB_OSS_ENDPOINT"]
        self.rds = AcsClient(
            region_id=os.environ.get("FC_REGION", "cn-hangzhou"),
            credential=StsTokenCredential(
                credentials.access_key_id, credentials.access_key_secret, credentials.security_token
            ),
        )
        scheme, _, host = os.environ["OPENDB_RDS_ENDPOINT"].partition("://")
        self.rds_scheme = scheme
        self.rds_host = host
        self.buckets: dict[str, oss2.Bucket] = {}

    def bucket(self, name: str) -> oss2.Bucket:
        if name not in self.buckets:
            self.buckets[name] = oss2.Bucket(self.auth, self.oss_endpoint, name)
        return self.buckets[name]

    def call(self, request) -> dict:
        request.set_endpoint(self.rds_host)
        request.set_protocol_type(self.rds_scheme)
        return json.loads(self.rds.do_action_with_exception(request))


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
        head = clients.bucket(bucket).head_object(key)
        metadata = {
            name[len(job.METADATA_PREFIX):]: value
            for name, value in head.headers.items()
            if name.lower().startswith(job.METADATA_PREFIX)
        }
        parameters = job.open_parameters(metadata)
        if parameters is None:
            log.info("skipped oss://%s/%s: no opendb metadata", bucket, key)
            continue

        describe = DescribeMigrateTaskByIdRequest()
        describe.set_DBInstanceId(parameters["DBInstanceId"])
        describe.set_MigrateTaskId(parameters["MigrateTaskId"])
        job.check_ready(clients.call(describe).get("Status"))

        create = CreateOnlineDatabaseTaskRequest()
        create.set_DBInstanceId(parameters["DBInstanceId"])
        create.set_DBName(parameters["DBName"])
        create.set_MigrateTaskId(parameters["MigrateTaskId"])
        create.set_CheckDBMode(parameters["CheckDBMode"])
        create.set_ClientToken(job.client_token(parameters))
        response = clients.call(create)
        log.info("opened %s/%s, RequestId %s", parameters["DBInstanceId"], parameters["DBName"], response["RequestId"])
        opened.append({"bucket": bucket, "key": key, "rdsRequestId": response["RequestId"]})
    return {"opened": opened}
