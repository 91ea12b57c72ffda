"""Builders of realistic trigger payloads, one per form that opendb accepts.

Each builder follows the structure of a published Alibaba Cloud example. The
defaults repeat the values of the sample files under ``local/samples/``, so
a generated event and its sample file parse into the same notices.

Sources of the structures:
- classic OSS trigger: the OSS trigger sample in Function Compute's
  "trigger event format" page;
- EventBridge OSS trigger: the OSS message format example in DataWorks'
  "event trigger" page (a ``acs.oss`` CloudEvent whose ``data`` is one record);
- MNS topic trigger: the JSON and STREAM examples, with and without message
  attributes, in Function Compute's MNS topic trigger page;
- MNS queue trigger: the ``mns:Queue:SendMessage`` sample of EventBridge's
  "custom event source of the MNS type" page and of the FC queue trigger
  templates (``MNS-Function-<trigger>`` source);
- OSS event notification to MNS: OSS's event notification page, which states
  that the message content is Base64-encoded JSON.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, Mapping

BUCKET = "opendb-backups"
KEY = "backups/sales/sales_full.bak"
REGION = "cn-hangzhou"
ACCOUNT_ID = "1234567890123456"
ETAG = "5B3C1A45D9F7E9F8A1B2C3D4E5F60718"
SIZE = 10485760
EVENT_NAME = "ObjectCreated:PutObject"
EVENT_TIME = "2024-05-20T06:45:43.000Z"
OSS_REQUEST_ID = "664AEB5F3D2C1B0A9E8F7D6C"
CLOUD_EVENT_ID = "664AEB5F3D2C1B0A9E8F7D6C-0"
MESSAGE_ID = "C6DB60D1574661357FA227277445A3B1"
MNS_REQUEST_ID = "606EA3074344430D4C81A3B1"
TOPIC = "opendb-requests"
SUBSCRIPTION = "opendb-fc-subscription"
QUEUE = "opendb-requests"
PUBLISH_TIME = 1716187543094

REQUEST_PARAMETERS = {
    "DBInstanceId": "rm-bp1opendbdemo0001",
    "DBName": "sales",
    "MigrateTaskId": "107081",
    "CheckDBMode": "SyncExecuteDBCheck",
}


def oss_record(
    *,
    bucket: str = BUCKET,
    key: str = KEY,
    meta: Mapping[str, str] | None = None,
    event_name: str = EVENT_NAME,
    region: str = REGION,
    etag: str = ETAG,
    size: int = SIZE,
    event_time: str = EVENT_TIME,
    request_id: str = OSS_REQUEST_ID,
) -> dict[str, Any]:
    """Build one OSS event record.

    ``meta`` adds ``oss.object.objectMeta.userMeta`` with ``x-oss-meta-``
    names. The published samples show no ``userMeta``, so the record
    carries it only when asked.
    """
    obj: dict[str, Any] = {"deltaSize": size, "eTag": etag, "key": key, "size": size}
    if meta is not None:
        obj["objectMeta"] = {
            "mimeType": "application/octet-stream",
            "userMeta": {f"x-oss-meta-{name.lower()}": value for name, value in meta.items()},
        }
    return {
        "eventName": event_name,
        "eventSource": "acs:oss",
        "eventTime": event_time,
        "eventVersion": "1.0",
        "oss": {
            "bucket": {
                "arn": f"acs:oss:{region}:{ACCOUNT_ID}:{bucket}",
                "name": bucket,
                "ownerIdentity": ACCOUNT_ID,
            },
            "object": obj,
            "ossSchemaVersion": "1.0",
            "ruleId": "9adac8e253828f4f7c0466d941fa3db811610000",
        },
        "region": region,
        "requestParameters": {"sourceIPAddress": "140.205.10.10"},
        "responseElements": {"requestId": request_id},
        "userIdentity": {"principalId": ACCOUNT_ID},
    }


def oss_event(**record: Any) -> dict[str, Any]:
    """Build a classic FC OSS trigger event with one record."""
    return {"events": [oss_record(**record)]}


def oss_eventbridge_event(*, event_id: str = CLOUD_EVENT_ID, **record: Any) -> dict[str, Any]:
    """Build an EventBridge OSS CloudEvent (FC 3.0 OSS trigger) with one record."""
    data = oss_record(**record)
    data["oss"]["bucket"]["virtualBucket"] = ""
    data["oss"]["object"].setdefault("objectMeta", {"mimeType": "application/octet-stream"})
    bucket = data["oss"]["bucket"]["name"]
    key = data["oss"]["object"]["key"]
    return {
        "datacontenttype": "application/json;charset=utf-8",
        "aliyunaccountid": ACCOUNT_ID,
        "data": data,
        "subject": f"acs:oss:{data['region']}:{ACCOUNT_ID}:{bucket}/{key}",
        "aliyunoriginalaccountid": ACCOUNT_ID,
        "source": "acs.oss",
        "type": f"oss:{data['eventName']}",
        "aliyunpublishtime": "2024-05-20T06:45:43.682Z",
        "specversion": "1.0",
        "aliyuneventbusname": "default",
        "id": event_id,
        "time": data["eventTime"],
        "aliyunregionid": data["region"],
    }


def direct_request(parameters: Mapping[str, str] | None = None) -> dict[str, str]:
    """Build a direct open request: the API parameters as a JSON object."""
    request = dict(REQUEST_PARAMETERS)
    if parameters:
        request.update(parameters)
    return request


def encode_base64(text: str) -> str:
    """Encode text as MNS SDKs and OSS encode message bodies: Base64 of its UTF-8 bytes."""
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def request_body(parameters: Mapping[str, str] | None = None, *, encode: bool = False) -> str:
    """Build an MNS message body with a direct open request, optionally Base64-encoded."""
    text = json.dumps(direct_request(parameters))
    return encode_base64(text) if encode else text


def oss_notification_body(**record: Any) -> str:
    """Build the MNS message body of an OSS event notification: Base64 of the JSON."""
    return encode_base64(json.dumps(oss_event(**record)))


def mns_topic_json(
    message: str,
    *,
    message_id: str = MESSAGE_ID,
    attributes: Mapping[str, str] | None = None,
    publish_time: int | str = PUBLISH_TIME,
) -> dict[str, Any]:
    """Build an MNS topic trigger event in JSON format.

    Message attributes are merged into the top level, as the trigger does.
    """
    event: dict[str, Any] = dict(attributes or {})
    event.update(
        {
            "TopicOwner": ACCOUNT_ID,
            "Message": message,
            "Subscriber": ACCOUNT_ID,
            "PublishTime": publish_time,
            "SubscriptionName": SUBSCRIPTION,
            "MessageMD5": hashlib.md5(message.encode("utf-8")).hexdigest().upper(),
            "TopicName": TOPIC,
            "MessageId": message_id,
        }
    )
    return event


def mns_topic_stream(message: str, *, attributes: Mapping[str, str] | None = None) -> str | dict[str, Any]:
    """Build an MNS topic trigger event in STREAM format.

    Without attributes the event is the message body itself; with them it
    is ``{"body": ..., "attrs": {...}}``.
    """
    if not attributes:
        return message
    return {"body": message, "attrs": dict(attributes)}


def mns_queue_event(
    body: str,
    *,
    message_id: str = MESSAGE_ID,
    event_id: str = "5f0c7a10-6f65-4bcf-a814-a396fc8d0001",
    queue: str = QUEUE,
) -> dict[str, Any]:
    """Build one ``mns:Queue:SendMessage`` CloudEvent of the FC MNS queue trigger."""
    return {
        "id": event_id,
        "source": "MNS-opendb-mnstrigger",
        "specversion": "1.0",
        "type": "mns:Queue:SendMessage",
        "datacontenttype": "application/json; charset=utf-8",
        "subject": f"acs:mns:{REGION}:{ACCOUNT_ID}:queues/{queue}",
        "time": "2024-05-20T06:45:43.093Z",
        "aliyunaccountid": ACCOUNT_ID,
        "aliyunpublishtime": "2024-05-20T06:45:44.028Z",
        "aliyunoriginalaccountid": ACCOUNT_ID,
        "aliyuneventbusname": "MNS-opendb-mnstrigger",
        "aliyunregionid": REGION,
        "aliyunpublishaddr": "42.120.10.10",
        "data": {
            "requestId": MNS_REQUEST_ID,
            "messageId": message_id,
            "messageBody": body,
        },
    }


def mns_queue_batch(bodies: list[str]) -> list[dict[str, Any]]:
    """Build a batch of queue CloudEvents, one per body, with distinct ids."""
    return [
        mns_queue_event(
            body,
            message_id=f"{MESSAGE_ID[:-4]}{index:04X}",
            event_id=f"5f0c7a10-6f65-4bcf-a814-a396fc8d{index:04x}",
        )
        for index, body in enumerate(bodies, start=1)
    ]
