import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opendb.errors import InvalidEvent
from opendb.events import parse, parse_event
from opendb.notices import Notice
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


# EventBridge OSS trigger (FC 3.0). local/samples/oss-eventbridge-put-object.json
# follows the OSS message format example of DataWorks' "event trigger" page.


def test_eventbridge_sample_parses_to_upload():
    notice = only(parse_event(load_sample("oss-eventbridge-put-object.json")))
    assert notice.error is None
    assert notice.skip_reason is None
    assert notice.source == "oss-eventbridge"
    assert notice.ids == {"event_id": samples.CLOUD_EVENT_ID, "oss_request_id": samples.OSS_REQUEST_ID}
    assert notice.metadata is None


def test_eventbridge_object_matches_classic():
    eventbridge = only(parse_event(load_sample("oss-eventbridge-put-object.json")))
    classic = only(parse_event(load_sample("oss-put-object.json")))
    assert eventbridge.object == classic.object


def test_eventbridge_generated_matches_sample():
    generated = parse_event(json.dumps(samples.oss_eventbridge_event()))
    published = parse_event(load_sample("oss-eventbridge-put-object.json"))
    assert generated == published


def test_eventbridge_list_of_one():
    notices = parse_event([samples.oss_eventbridge_event(key="a.bak")])
    notice = only(notices)
    assert notice.source == "oss-eventbridge"
    assert notice.object.key == "a.bak"


def test_eventbridge_type_names_event():
    event = samples.oss_eventbridge_event()
    event["type"] = "oss:ObjectRemoved:DeleteObject"
    notice = only(parse_event(event))
    assert "ObjectRemoved:DeleteObject" in notice.skip_reason
    assert notice.object.event_name == "ObjectRemoved:DeleteObject"


def test_eventbridge_bucket_event_skipped():
    event = {
        "id": "E1",
        "source": "acs.oss",
        "specversion": "1.0",
        "type": "oss:BucketCreated:PutBucket",
        "data": {"eventName": "BucketCreated:PutBucket", "oss": {"bucket": {"name": "b"}}},
    }
    notice = only(parse_event(event))
    assert notice.error is None
    assert "BucketCreated:PutBucket" in notice.skip_reason
    assert notice.object is None
    assert notice.ids == {"event_id": "E1"}


def test_eventbridge_data_as_json_text():
    event = samples.oss_eventbridge_event()
    event["data"] = json.dumps(event["data"])
    notice = only(parse_event(event))
    assert notice.error is None
    assert notice.object.key == samples.KEY


def test_eventbridge_data_not_object_rejected():
    event = samples.oss_eventbridge_event()
    event["data"] = [1, 2]
    notice = only(parse_event(event))
    assert notice.source == "oss-eventbridge"
    assert "data is a JSON array" in error_message(notice)
    assert notice.ids == {"event_id": samples.CLOUD_EVENT_ID}


def test_eventbridge_user_metadata_normalised():
    notice = only(parse_event(samples.oss_eventbridge_event(meta={"DBName": "sales", "MigrateTaskId": "9"})))
    assert notice.metadata == {"dbname": "sales", "migratetaskid": "9"}


def test_cloud_event_unsupported_type_rejected():
    event = {"id": "E9", "source": "acs.ecs", "specversion": "1.0", "type": "ecs:Instance:Started", "data": {}}
    notice = only(parse_event(event))
    message = error_message(notice)
    assert "ecs:Instance:Started" in message
    assert notice.ids == {"event_id": "E9"}


# MNS topic trigger, JSON format. The samples follow the JSON examples, with
# and without message attributes, of Function Compute's MNS topic trigger page.


def test_topic_json_sample_parses_to_request():
    notice = only(parse_event(load_sample("mns-topic-json.json")))
    assert notice.error is None
    assert notice.source == "mns-topic"
    assert notice.ids == {
        "message_id": samples.MESSAGE_ID,
        "topic": samples.TOPIC,
        "subscription": samples.SUBSCRIPTION,
    }
    assert notice.parameters == samples.REQUEST_PARAMETERS
    assert notice.object is None


def test_topic_json_generated_matches_sample():
    generated = parse_event(json.dumps(samples.mns_topic_json(samples.request_body())))
    published = parse_event(load_sample("mns-topic-json.json"))
    assert generated == published


def test_topic_json_attributes_sample():
    with_attributes = only(parse_event(load_sample("mns-topic-json-attributes.json")))
    without = only(parse_event(load_sample("mns-topic-json.json")))
    assert with_attributes == without


def test_topic_json_base64_request():
    event = samples.mns_topic_json(samples.request_body(encode=True))
    notice = only(parse_event(event))
    assert notice.error is None
    assert notice.parameters == samples.REQUEST_PARAMETERS


def test_oss_via_mns_sample_parses_to_upload():
    notice = only(parse_event(load_sample("oss-via-mns-topic.json")))
    classic = only(parse_event(load_sample("oss-put-object.json")))
    assert notice.error is None
    assert notice.source == "mns-topic"
    assert notice.object == classic.object
    assert notice.ids["message_id"] == samples.MESSAGE_ID
    assert notice.ids["oss_request_id"] == samples.OSS_REQUEST_ID


def test_oss_via_mns_generated_matches_sample():
    generated = parse_event(json.dumps(samples.mns_topic_json(samples.oss_notification_body())))
    published = parse_event(load_sample("oss-via-mns-topic.json"))
    assert generated == published


def test_oss_via_mns_bad_record_named():
    body = samples.encode_base64(json.dumps({"events": [{"eventName": "ObjectCreated:PutObject", "oss": {}}]}))
    notice = only(parse_event(samples.mns_topic_json(body, message_id="M7")))
    message = error_message(notice)
    assert "MNS message M7" in message
    assert "events[0].oss.bucket.name" in message
    assert notice.ids["message_id"] == "M7"


def test_topic_json_bad_body_rejected():
    notice = only(parse_event(samples.mns_topic_json("hello there", message_id="M1")))
    message = error_message(notice)
    assert "MNS message M1" in message
    assert "not JSON" in message
    assert notice.source == "mns-topic"
    assert notice.ids["message_id"] == "M1"


# MNS topic trigger, STREAM format: the body itself, or {"body", "attrs"}.


def test_topic_stream_sample_parses_to_request():
    notice = only(parse_event(load_sample("mns-topic-stream.txt")))
    assert notice.error is None
    assert notice.source == "mns-topic"
    assert notice.ids == {}
    assert notice.parameters == samples.REQUEST_PARAMETERS


def test_topic_stream_attributes_sample():
    notice = only(parse_event(load_sample("mns-topic-stream-attributes.json")))
    assert notice.error is None
    assert notice.source == "mns-topic"
    assert notice.parameters == samples.REQUEST_PARAMETERS


def test_topic_stream_generated_matches_sample():
    generated = parse_event(samples.mns_topic_stream(samples.request_body(encode=True)))
    published = parse_event(load_sample("mns-topic-stream.txt"))
    assert generated == published


def test_topic_stream_oss_notification():
    notice = only(parse_event(samples.oss_notification_body(key="x/y.bak").encode()))
    assert notice.error is None
    assert notice.source == "mns-topic"
    assert notice.object.key == "x/y.bak"


def test_topic_stream_plain_text_rejected():
    notice = only(parse_event(b"hello"))
    message = error_message(notice)
    assert "5 characters" in message
    assert "not JSON and not valid Base64" in message


def test_topic_stream_attributes_bad_body():
    notice = only(parse_event({"body": "abcd", "attrs": {"a": "b"}}))
    assert notice.source == "mns-topic"
    assert "not UTF-8" in error_message(notice)


# MNS queue trigger through EventBridge. mns-queue-batch.json follows the FC
# queue trigger templates, mns-queue-single.json the EventBridge MNS sample.


def test_queue_batch_sample_parses_each():
    notices = parse_event(load_sample("mns-queue-batch.json"))
    assert len(notices) == 2
    for index, notice in enumerate(notices, start=1):
        assert notice.error is None
        assert notice.source == "mns-queue"
        assert notice.parameters == samples.REQUEST_PARAMETERS
        assert notice.ids["queue"] == samples.QUEUE
        assert notice.ids["event_id"].endswith(f"{index:04x}")
        assert notice.ids["message_id"].endswith(f"{index:04X}")


def test_queue_generated_matches_sample():
    generated = parse_event(json.dumps(samples.mns_queue_batch([samples.request_body(encode=True)] * 2)))
    published = parse_event(load_sample("mns-queue-batch.json"))
    assert generated == published


def test_queue_single_sample():
    notice = only(parse_event(load_sample("mns-queue-single.json")))
    assert notice.error is None
    assert notice.source == "mns-queue"
    assert notice.parameters == samples.REQUEST_PARAMETERS
    assert notice.ids == {
        "event_id": "bffb9722-9c48-407b-9895-b038f78f0001",
        "message_id": samples.MESSAGE_ID,
        "queue": samples.QUEUE,
    }


def test_queue_batch_mixed_outcomes():
    good = samples.mns_queue_event(samples.request_body(encode=True), message_id="M0")
    bad_text = samples.mns_queue_event("abcd", message_id="M1")
    no_body = samples.mns_queue_event("", message_id="M2")
    del no_body["data"]["messageBody"]
    upload = samples.mns_queue_event(samples.oss_notification_body(), message_id="M4")
    batch = [good, bad_text, no_body, "junk", upload]

    notices = parse_event(json.dumps(batch).encode())

    assert len(notices) == 5
    assert notices[0].parameters == samples.REQUEST_PARAMETERS
    assert "batch item 1: MNS message M1: body" in error_message(notices[1])
    assert notices[1].ids["message_id"] == "M1"
    assert "batch item 2: data.messageBody is missing" == error_message(notices[2])
    assert "batch item 3" in error_message(notices[3])
    assert "expected a CloudEvent" in error_message(notices[3])
    assert notices[4].object.key == samples.KEY
    assert notices[4].ids["message_id"] == "M4"


def test_queue_other_type_skipped():
    event = samples.mns_queue_event("x")
    event["type"] = "mns:Queue:DeleteMessage"
    notice = only(parse_event(event))
    assert notice.error is None
    assert "mns:Queue:DeleteMessage" in notice.skip_reason


def test_queue_decoded_object_body():
    event = samples.mns_queue_event("")
    event["data"]["messageBody"] = samples.direct_request()
    notice = only(parse_event(event))
    assert notice.parameters == samples.REQUEST_PARAMETERS


# Message bodies: JSON first, then Base64 only when the decoding is UTF-8 JSON
# of an accepted form.


def body_notice(body):
    return only(parse_event(samples.mns_queue_event(body, message_id="MB")))


def test_body_base64_not_text():
    notice = body_notice(base64.b64encode(b"\xff\xfe\xfd\x00\x01").decode())
    assert "Base64 decoding (5 bytes) is not UTF-8 text" in error_message(notice)


@pytest.mark.parametrize("text", ["abcd", "QUJD", "Zm9v"])
def test_body_plain_text_base64_rejected(text):
    notice = body_notice(text)
    message = error_message(notice)
    assert "MNS message MB: body is not JSON" in message
    assert notice.parameters is None


def test_body_base64_text_not_json():
    notice = body_notice(samples.encode_base64("hello world"))
    assert "Base64 decoding is text but not JSON" in error_message(notice)


def test_body_base64_json_wrong_form():
    notice = body_notice(samples.encode_base64(json.dumps({"name": "secret-value"})))
    message = error_message(notice)
    assert "Base64 of a JSON object with keys name" in message
    assert "secret-value" not in message


def encoded_with_padding(padding):
    for length in range(3):
        name = "d" * length
        encoded = samples.request_body({"DBName": name}, encode=True)
        if len(encoded) - len(encoded.rstrip("=")) == len(padding):
            return encoded, name
    raise AssertionError(f"no request encodes with padding {padding!r}")


@pytest.mark.parametrize("padding", ["", "=", "=="])
def test_body_base64_padding_variants(padding):
    encoded, name = encoded_with_padding(padding)
    unpadded = encoded.rstrip("=")
    for variant in (encoded, unpadded, unpadded + padding[:1]):
        notice = body_notice(variant)
        assert notice.error is None, variant
        assert notice.parameters["DBName"] == name


def test_body_base64_excess_padding_rejected():
    encoded = samples.request_body(encode=True)
    notice = body_notice(encoded + "==")
    assert "not valid Base64" in error_message(notice)


def test_body_base64_wrapped_lines():
    encoded = samples.oss_notification_body()
    wrapped = "\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    notice = body_notice("  " + wrapped + "\n")
    assert notice.error is None
    assert notice.object.key == samples.KEY


def test_body_base64_url_safe_alphabet():
    request = None
    for suffix in range(200):
        candidate = json.dumps(samples.direct_request({"DBName": f"db?>{suffix}~"}))
        if any(character in samples.encode_base64(candidate) for character in "+/"):
            request = candidate
            break
    assert request is not None
    url_safe = samples.encode_base64(request).replace("+", "-").replace("/", "_")
    notice = body_notice(url_safe)
    assert notice.error is None
    assert notice.parameters["DBName"] == json.loads(request)["DBName"]


def test_body_json_not_object_rejected():
    notice = body_notice("1234")
    message = error_message(notice)
    assert "body is a JSON number" in message


def test_body_empty_rejected():
    assert "body is empty" in error_message(body_notice("  "))


def test_body_not_text_rejected():
    notice = body_notice(None)
    assert "body is a JSON null, expected text" in error_message(notice)


def test_body_json_with_whitespace():
    notice = body_notice("\n  " + samples.request_body() + "\n")
    assert notice.parameters == samples.REQUEST_PARAMETERS


def test_body_parameter_null_rejected():
    notice = body_notice(json.dumps({"DBInstanceId": "rm-1", "DBName": None}))
    message = error_message(notice)
    assert "body parameter DBName is a JSON null" in message


# Direct invocation.


def test_direct_sample_parses_to_request():
    notice = only(parse_event(load_sample("direct.json")))
    assert notice.error is None
    assert notice.source == "direct"
    assert notice.ids == {}
    assert notice.parameters == samples.REQUEST_PARAMETERS


def test_direct_unknown_keys_kept():
    notice = only(parse_event({"DBInstanceId": "rm-1", "ClientToken": "t", "Extra": "x"}))
    assert notice.parameters == {"DBInstanceId": "rm-1", "ClientToken": "t", "Extra": "x"}


def test_direct_numbers_become_strings():
    notice = only(parse_event(b'{"DBInstanceId": "rm-1", "MigrateTaskId": 107081}'))
    assert notice.parameters["MigrateTaskId"] == "107081"


@pytest.mark.parametrize("value", [None, True, [1], {"a": 1}])
def test_direct_non_scalar_rejected(value):
    notice = only(parse_event({"DBInstanceId": "rm-1", "DBName": value}))
    message = error_message(notice)
    assert "parameter DBName" in message
    assert notice.source == "direct"


# Anything else: one InvalidEvent naming the type and top-level keys.


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b"", "event payload is empty"),
        (b" \n\t", "event payload is empty"),
        (b"\x80abc", "not UTF-8 text"),
        (b"{not json", "is not JSON"),
        (b'"text"', "is a JSON string"),
        (b"42", "is a JSON number"),
        (b"null", "is a JSON null"),
        (b"true", "is a JSON boolean"),
        (b"[]", "empty JSON array"),
        (b"{}", "an empty JSON object"),
        (12, "Python int"),
    ],
)
def test_unknown_payload_rejected(raw, expected):
    notice = only(parse_event(raw))
    assert notice.source == "direct"
    assert expected in error_message(notice)


def test_unknown_object_names_keys_only():
    notice = only(parse_event({"password": "hunter2", "user": "root"}))
    message = error_message(notice)
    assert "keys password, user" in message
    assert "hunter2" not in message


def test_unknown_object_key_list_capped():
    notice = only(parse_event({f"k{i}": i for i in range(40)}))
    message = error_message(notice)
    assert "k11" in message
    assert "k12," not in message
    assert "(40 keys)" in message


def test_deep_nesting_rejected():
    notice = only(parse_event(b"[" * 100000))
    assert "not JSON" in error_message(notice)


def test_byte_order_mark_accepted():
    notice = only(parse_event(b"\xef\xbb\xbf" + load_sample("direct.json")))
    assert notice.parameters == samples.REQUEST_PARAMETERS


def test_parser_bug_becomes_invalid_event(monkeypatch):
    def broken(value):
        raise KeyError("bug")

    monkeypatch.setattr(parse, "_parse_value", broken)
    notice = only(parse_event({"DBInstanceId": "rm-1"}))
    message = error_message(notice)
    assert "event parser failed with KeyError" in message
    assert "keys DBInstanceId" in message


def test_topic_envelope_without_message_rejected():
    notice = only(parse_event({"TopicName": "t", "MessageId": "M"}))
    assert "keys TopicName, MessageId" in error_message(notice)


# Property checks: parse_event returns notices, and never raises, for any input.

SOURCES = {"oss", "oss-eventbridge", "mns-topic", "mns-queue", "direct"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


def check_notices(notices):
    assert isinstance(notices, list)
    assert notices
    for notice in notices:
        assert isinstance(notice, Notice)
        assert notice.source in SOURCES
        assert all(isinstance(value, str) for value in notice.ids.values())
        if notice.error is not None:
            assert isinstance(notice.error, InvalidEvent)
            assert "event parser failed" not in notice.error.message
        else:
            assert notice.skip_reason or notice.object or notice.parameters is not None


@settings(max_examples=300)
@given(st.binary(max_size=512))
def test_property_random_bytes(raw):
    check_notices(parse_event(raw))


@settings(max_examples=300)
@given(st.text(max_size=256))
def test_property_random_text(raw):
    check_notices(parse_event(raw))


@settings(max_examples=300)
@given(json_values)
def test_property_random_json(value):
    check_notices(parse_event(json.dumps(value).encode()))


@settings(max_examples=300)
@given(json_values, st.sampled_from(["oss", "eventbridge", "topic", "queue", "stream", "base64"]))
def test_property_random_json_in_forms(value, form):
    if form == "oss":
        event = {"events": [value, {"eventName": "ObjectCreated:PutObject", "oss": value}]}
    elif form == "eventbridge":
        event = {"specversion": "1.0", "type": "oss:ObjectCreated:PutObject", "source": "acs.oss", "data": value}
    elif form == "topic":
        event = samples.mns_topic_json(json.dumps(value))
        event["MessageId"] = value
    elif form == "queue":
        event = [samples.mns_queue_event("x"), value]
        event[0]["data"]["messageBody"] = value
    elif form == "stream":
        event = {"body": value, "attrs": value}
    else:
        event = samples.encode_base64(json.dumps({"events": [value]}))
    check_notices(parse_event(json.dumps(event) if not isinstance(event, str) else event))
