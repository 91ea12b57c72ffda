import json

import pytest

from opendb.events import parse_event
from opendb_local import generate_event, samples


def run(capsys, *argv):
    assert generate_event.main(list(argv)) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(
    "form, source",
    [
        ("oss", "oss"),
        ("oss-eventbridge", "oss-eventbridge"),
        ("mns-topic-json", "mns-topic"),
        ("mns-topic-stream", "mns-topic"),
        ("mns-queue", "mns-queue"),
        ("oss-via-mns", "mns-topic"),
        ("direct", "direct"),
    ],
)
def test_generate_every_form_parses(capsys, form, source):
    output = run(capsys, form)
    notices = parse_event(output.encode())
    assert len(notices) == 1
    assert notices[0].error is None
    assert notices[0].skip_reason is None
    assert notices[0].source == source


def test_generate_oss_options(capsys):
    output = run(capsys, "oss", "--bucket", "b1", "--key", "dir/a b.bak", "--meta", "DBName=sales")
    notice = parse_event(output)[0]
    assert notice.object.bucket == "b1"
    assert notice.object.key == "dir/a b.bak"
    assert notice.metadata == {"dbname": "sales"}


def test_generate_params_replace_defaults(capsys):
    output = run(capsys, "direct", "--param", "DBName=crm", "--param", "Extra=1")
    parameters = parse_event(output)[0].parameters
    assert parameters["DBName"] == "crm"
    assert parameters["Extra"] == "1"
    assert parameters["DBInstanceId"] == samples.REQUEST_PARAMETERS["DBInstanceId"]


def test_generate_no_default_params(capsys):
    output = run(capsys, "direct", "--no-default-params", "--param", "DBInstanceId=rm-9")
    assert json.loads(output) == {"DBInstanceId": "rm-9"}


def test_generate_queue_batch_count(capsys):
    output = run(capsys, "mns-queue", "--count", "3", "--param", "DBName=crm")
    notices = parse_event(output)
    assert len(notices) == 3
    assert len({notice.ids["message_id"] for notice in notices}) == 3
    assert all(notice.parameters["DBName"] == "crm" for notice in notices)


def test_generate_queue_body_plain(capsys):
    output = run(capsys, "mns-queue", "--encoding", "plain")
    body = json.loads(output)[0]["data"]["messageBody"]
    assert json.loads(body) == samples.REQUEST_PARAMETERS


def test_generate_topic_attributes(capsys):
    output = run(capsys, "mns-topic-json", "--attr", "Extend=x")
    event = json.loads(output)
    assert event["Extend"] == "x"
    assert parse_event(output)[0].parameters == samples.REQUEST_PARAMETERS


def test_generate_stream_is_raw_text(capsys):
    output = run(capsys, "mns-topic-stream")
    assert not output.startswith("{")
    assert parse_event(output)[0].parameters == samples.REQUEST_PARAMETERS


def test_generate_skipped_event_name(capsys):
    output = run(capsys, "oss-eventbridge", "--event-name", "ObjectCreated:AppendObject")
    notice = parse_event(output)[0]
    assert "AppendObject" in notice.skip_reason


def test_generate_rejects_bad_pair(capsys):
    with pytest.raises(SystemExit):
        generate_event.main(["direct", "--param", "novalue"])
    assert "invalid NAME=VALUE pair" in capsys.readouterr().err


def test_generate_rejects_zero_count(capsys):
    with pytest.raises(SystemExit):
        generate_event.main(["mns-queue", "--count", "0"])
    assert "--count must be at least 1" in capsys.readouterr().err
