import json
from pathlib import Path

import pytest

from opendb.errors import InvalidEvent
from opendb.events import parse_event
from opendb_local import samples

SAMPLES = Path(__file__).resolve().parent.parent / "local" / "samples"


def load_sample(name):
    return (SAMPLES / name).read_bytes()


def only(notices):
    assert len(notices) == 1
    return notices[0]


def error_message(notice):
    assert isinstance(notice.error, InvalidEvent)
    return notice.error.message


# Classic FC OSS trigger. local/samples/oss-put-object.json follows the OSS
# trigger sample of Function Compute's "trigger event format" page.


def test_oss_sample_parses_to_upload():
    notice = only(parse_event(load_sample("oss-put-object.json")))
    assert notice.error is None
    assert notice.skip_reason is None
    assert notice.source == "oss"
    assert notice.ids == {"oss_request_id": "664AEB5F3D2C1B0A9E8F7D6C"}
    assert notice.object.bucket == "opendb-backups"
    assert notice.object.key == "backups/sales/sales_full.bak"
    assert notice.object.region == "cn-hangzhou"
    assert notice.object.etag == "5B3C1A45D9F7E9F8A1B2C3D4E5F60718"
    assert notice.object.size == 10485760
    assert notice.object.event_name == "ObjectCreated:PutObject"
    assert notice.object.event_time == "2024-05-20T06:45:43.000Z"
    assert notice.metadata is None
    assert notice.parameters is None


def test_oss_generated_matches_sample():
    generated = parse_event(json.dumps(samples.oss_event()).encode())
    published = parse_event(load_sample("oss-put-object.json"))
    assert generated == published


@pytest.mark.parametrize(
    "event_name",
    ["ObjectCreated:PutObject", "ObjectCreated:PostObject", "ObjectCreated:CompleteMultipartUpload"],
)
def test_oss_upload_names_accepted(event_name):
    notice = only(parse_event(samples.oss_event(event_name=event_name)))
    assert notice.error is None
    assert notice.skip_reason is None
    assert notice.object.event_name == event_name


@pytest.mark.parametrize(
    "event_name",
    [
        "ObjectCreated:AppendObject",
        "ObjectCreated:UploadPart",
        "ObjectCreated:CopyObject",
        "ObjectCreated:InitiateMultipartUpload",
        "ObjectRemoved:DeleteObject",
    ],
)
def test_oss_other_names_skipped(event_name):
    notice = only(parse_event(samples.oss_event(event_name=event_name)))
    assert notice.error is None
    assert event_name in notice.skip_reason
    assert notice.object.key == samples.KEY


def test_oss_folder_placeholder_skipped():
    notice = only(parse_event(samples.oss_event(key="backups/sales/")))
    assert notice.error is None
    assert "folder" in notice.skip_reason
    assert notice.object.key == "backups/sales/"


def test_oss_key_kept_undecoded():
    key = "backups/sales%202024/a+b%2Fc.bak"
    notice = only(parse_event(samples.oss_event(key=key)))
    assert notice.object.key == key


def test_oss_user_metadata_normalised():
    event = samples.oss_event()
    event["events"][0]["oss"]["object"]["objectMeta"] = {
        "mimeType": "application/octet-stream",
        "userMeta": {"X-Oss-Meta-DBName": "Sales DB", "x-oss-meta-migratetaskid": 107081, "Plain": " v "},
    }
    notice = only(parse_event(event))
    assert notice.error is None
    assert notice.metadata == {"dbname": "Sales DB", "migratetaskid": "107081", "plain": " v "}


def test_oss_metadata_conflict_rejected():
    event = samples.oss_event()
    event["events"][0]["oss"]["object"]["objectMeta"] = {
        "userMeta": {"x-oss-meta-dbname": "a", "DBName": "b"},
    }
    notice = only(parse_event(event))
    message = error_message(notice)
    assert "events[0].oss.object.objectMeta.userMeta" in message
    assert "dbname" in message
    assert notice.object.key == samples.KEY


def test_oss_metadata_absent_without_usermeta():
    event = samples.oss_event()
    event["events"][0]["oss"]["object"]["objectMeta"] = {"mimeType": "text/plain"}
    notice = only(parse_event(event))
    assert notice.metadata is None


def test_oss_metadata_generated():
    notice = only(parse_event(samples.oss_event(meta={"DBName": "sales"})))
    assert notice.metadata == {"dbname": "sales"}


def test_oss_records_each_get_notice():
    event = {
        "events": [
            samples.oss_record(key="a.bak", request_id="R1"),
            "not a record",
            samples.oss_record(key="c.bak", request_id="R3", event_name="ObjectRemoved:DeleteObject"),
        ]
    }
    notices = parse_event(event)
    assert len(notices) == 3
    assert notices[0].object.key == "a.bak"
    assert notices[0].ids == {"oss_request_id": "R1"}
    assert "events[1]" in error_message(notices[1])
    assert "JSON string" in error_message(notices[1])
    assert notices[2].skip_reason is not None
    assert notices[2].ids == {"oss_request_id": "R3"}


def test_oss_missing_key_rejected():
    event = samples.oss_event()
    del event["events"][0]["oss"]["object"]["key"]
    notice = only(parse_event(event))
    assert "events[0].oss.object.key" in error_message(notice)
    assert notice.ids == {"oss_request_id": samples.OSS_REQUEST_ID}


def test_oss_missing_bucket_rejected():
    event = samples.oss_event()
    event["events"][0]["oss"]["bucket"] = None
    notice = only(parse_event(event))
    assert "events[0].oss.bucket.name" in error_message(notice)


def test_oss_missing_event_name_rejected():
    event = samples.oss_event()
    event["events"][0]["eventName"] = 7
    notice = only(parse_event(event))
    assert "events[0].eventName" in error_message(notice)


def test_oss_empty_events_rejected():
    notice = only(parse_event(b'{"events": []}'))
    assert notice.source == "oss"
    assert "empty" in error_message(notice)


def test_oss_events_not_list_rejected():
    notice = only(parse_event(b'{"events": {"eventName": "x"}}'))
    message = error_message(notice)
    assert "events is a JSON object" in message


def test_oss_region_from_arn():
    event = samples.oss_event(region="cn-shanghai")
    del event["events"][0]["region"]
    notice = only(parse_event(event))
    assert notice.object.region == "cn-shanghai"


def test_oss_size_string_and_junk():
    event = samples.oss_event()
    event["events"][0]["oss"]["object"]["size"] = "2048"
    assert only(parse_event(event)).object.size == 2048
    event["events"][0]["oss"]["object"]["size"] = [1]
    assert only(parse_event(event)).object.size is None
