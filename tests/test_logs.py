import io
import json
import threading
import types

import pytest
import structlog
from hypothesis import given, strategies as st

from opendb import logs


def test_redacts_secret_names_at_any_depth():
    redactor = logs.RedactSecrets()
    event = redactor(None, "info", {
        "event": "x",
        "AccessKeySecret": "s3cr3t-value",
        "headers": {"Authorization": "OSS id:sig", "x-oss-security-token": "tok", "Content-Type": "text/plain"},
        "nested": [{"SecurityToken": "abc"}],
    })
    assert event["AccessKeySecret"] == logs.REDACTED
    assert event["headers"]["Authorization"] == logs.REDACTED
    assert event["headers"]["x-oss-security-token"] == logs.REDACTED
    assert event["headers"]["Content-Type"] == "text/plain"
    assert event["nested"][0]["SecurityToken"] == logs.REDACTED


def test_redacts_secrets_inside_text():
    redactor = logs.RedactSecrets()
    text = redactor.scrub_text(
        "GET /?Signature=abc%2B%3D&SecurityToken=CAIS123&Action=X "
        "Authorization: OSS STS.NUx:ZmFrZXNpZw== x-acs-security-token: CAISabc"
    )
    assert "abc%2B" not in text
    assert "CAIS123" not in text
    assert "ZmFrZXNpZw==" not in text
    assert "CAISabc" not in text
    assert "Action=X" in text


def test_redacts_registered_secret_anywhere():
    redactor = logs.RedactSecrets()
    redactor.add("verysecretvalue123", None, "")
    event = redactor(None, "error", {"event": "failed", "error": "ValueError('verysecretvalue123 leaked')"})
    assert "verysecretvalue123" not in json.dumps(event)


def test_configure_writes_one_json_line_with_context():
    stream = io.StringIO()
    logs.configure("info", stream=stream)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(fc_request_id="req-1")
    logs.get_logger().info("Hello", step="start", token="hidden-token-1")
    logs.get_logger().debug("Not shown")
    structlog.contextvars.clear_contextvars()

    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["message"] == "Hello"
    assert record["fc_request_id"] == "req-1"
    assert record["level"] == "info"
    assert record["token"] == logs.REDACTED
    assert "time" in record
    assert list(record)[:4] == ["time", "level", "message", "step"]


def test_trace_id_from_span_context():
    context = types.SimpleNamespace(tracing=types.SimpleNamespace(span_context="abc123:def:0:1"))
    assert logs.trace_id_from(context) == "abc123"
    assert logs.trace_id_from(types.SimpleNamespace()) is None


def test_context_does_not_leak_between_threads():
    import contextvars

    seen = {}

    def run(name):
        def inner():
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(fc_request_id=name)
            barrier.wait()
            seen[name] = structlog.contextvars.get_contextvars()["fc_request_id"]

        contextvars.copy_context().run(inner)

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"a": "a", "b": "b"}


def _scrub_with_every_pattern(text):
    for pattern, replacement in logs._text_patterns():
        text = pattern.sub(replacement, text)
    return text


# Secret names in mixed case, with the non-ASCII letters that Python's
# case-insensitive matching folds onto ASCII ones.
_NAMES_IN_TEXT = [
    "Signature", "\u017fignature", "SecurityToken", "securitytoKen", "AccessKeySecret", "x-oss-security-token",
    "X-ACS-Security-Token", "Authorization", "author\u0130zation", "OSS", "oss", "ACS3-HMAC-SHA256",
]
_SEPARATORS = ["=", ": ", ":", " ", "='", '": "']
_NAMED_VALUES = st.builds(
    lambda before, name, separator, value, after: before + name + separator + value + after,
    st.text(max_size=3),
    st.sampled_from(_NAMES_IN_TEXT),
    st.sampled_from(_SEPARATORS),
    st.text(alphabet="abcK+/=:.-_ \u212a\u00e9", min_size=1, max_size=8),
    st.text(max_size=3),
)


@given(st.one_of(_NAMED_VALUES, st.text(max_size=30)))
def test_scrub_text_same_as_every_pattern(text):
    assert logs.RedactSecrets().scrub_text(text) == _scrub_with_every_pattern(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Signature=abc", "Signature=[REDACTED]"),
        ("\u017fignature=abc", "\u017fignature=[REDACTED]"),
        ("securitytoKen=abc", "securitytoKen=[REDACTED]"),
        ("AccessKeySecret=abc", "AccessKeySecret=[REDACTED]"),
        ("x-oss-security-token: abc", "x-oss-security-token: [REDACTED]"),
        ("X-ACS-Security-Token=abc", "X-ACS-Security-Token=[REDACTED]"),
        ("authorization=abc", "authorization=[REDACTED]"),
        ("OSS id:sig", "OSS [REDACTED]"),
        ("ACS3-HMAC-SHA256 Credential=x", "ACS3-HMAC-SHA256 [REDACTED]"),
        ("plain words", "plain words"),
    ],
)
def test_scrub_text_each_secret_shape(text, expected):
    assert logs.RedactSecrets().scrub_text(text) == expected
