"""The FC runtime shim, driven with small stand-in entry modules written per test."""

from __future__ import annotations

import json
import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

from opendb_local.fcshim import Credentials, FunctionMeta, Runtime, ServiceMeta

CREDENTIALS = Credentials("STS.NUshimKey", "shim-secret", "shim-token")

RECORDING_ENTRY = '''
import json
import os
import time

initializer_contexts = []
handler_calls = []


def initializer(context):
    initializer_contexts.append(context)


def handler(event, context):
    handler_calls.append((event, context, time.monotonic()))
    return {
        "event_type": type(event).__name__,
        "event": json.loads(event),
        "request_id": context.request_id,
        "has_credentials": hasattr(context, "credentials"),
        "env_key_id": os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID"),
        "env_token": os.environ.get("ALIBABA_CLOUD_SECURITY_TOKEN"),
        "fc_region": os.environ.get("FC_REGION"),
    }
'''


def write_entry(directory: Path, source: str, name: str = "index.py") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


@pytest.fixture
def entry(tmp_path: Path) -> Path:
    return write_entry(tmp_path, RECORDING_ENTRY)


def test_initializer_runs_once(entry):
    with Runtime(entry, credentials=CREDENTIALS) as runtime:
        runtime.invoke({"n": 1})
        runtime.invoke({"n": 2})
        assert runtime.initializer_calls == 1
        assert len(runtime.module.initializer_contexts) == 1
        assert len(runtime.module.handler_calls) == 2


def test_handler_gets_event_bytes(entry):
    with Runtime(entry, credentials=CREDENTIALS) as runtime:
        from_dict = runtime.invoke({"a": 1})
        from_text = runtime.invoke('{"b": 2}')
        from_bytes = runtime.invoke(b'{"c": 3}')
    assert from_dict.result["event_type"] == "bytes"
    assert from_dict.result["event"] == {"a": 1}
    assert from_text.result["event"] == {"b": 2}
    assert from_bytes.result["event"] == {"c": 3}


def test_context_python310(entry):
    function = FunctionMeta(name="open-db", timeout=30, memory=512)
    service = ServiceMeta(name="svc", log_project="proj", log_store="store", qualifier="prod", version_id="3")
    with Runtime(entry, credentials=CREDENTIALS, function=function, service=service, region="cn-shanghai", account_id="42") as runtime:
        invocation = runtime.invoke({}, request_id="req-1")
        context = runtime.module.handler_calls[0][1]
    assert invocation.request_id == "req-1"
    assert context.request_id == "req-1"
    assert context.credentials.access_key_id == "STS.NUshimKey"
    assert context.credentials.access_key_secret == "shim-secret"
    assert context.credentials.security_token == "shim-token"
    assert context.function.name == "open-db"
    assert context.function.handler == "index.handler"
    assert context.function.initializer == "index.initializer"
    assert context.function.memory == 512
    assert context.function.timeout == 30
    assert context.service.log_project == "proj"
    assert context.service.log_store == "store"
    assert context.service.qualifier == "prod"
    assert context.service.version_id == "3"
    assert context.region == "cn-shanghai"
    assert context.account_id == "42"
    assert len(context.tracing.span_context.split(":")) == 4
    assert context.tracing.span_baggages == {}


def test_request_ids_differ(entry):
    with Runtime(entry, credentials=CREDENTIALS) as runtime:
        first = runtime.invoke({})
        second = runtime.invoke({})
        initializer_context = runtime.module.initializer_contexts[0]
    assert first.request_id != second.request_id
    assert initializer_context.request_id not in (first.request_id, second.request_id)


def test_credentials_repr_hides_secret():
    text = repr(CREDENTIALS)
    assert "STS.NUshimKey" in text
    assert "shim-secret" not in text
    assert "shim-token" not in text


def test_python312_uses_environment(entry):
    environ: dict[str, str] = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "previous"}
    runtime = Runtime(entry, credentials=CREDENTIALS, runtime="python3.12", environ=environ)
    invocation = runtime.invoke({})
    inside = dict(environ)
    runtime.close()
    assert invocation.result["has_credentials"] is False
    assert inside["ALIBABA_CLOUD_ACCESS_KEY_ID"] == "STS.NUshimKey"
    assert inside["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] == "shim-secret"
    assert inside["ALIBABA_CLOUD_SECURITY_TOKEN"] == "shim-token"
    assert environ == {"ALIBABA_CLOUD_ACCESS_KEY_ID": "previous"}


def test_python310_keeps_credentials_out_of_env(entry):
    with Runtime(entry, credentials=CREDENTIALS, environ={}) as runtime:
        invocation = runtime.invoke({})
    assert invocation.result["has_credentials"] is True
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" not in runtime.environment


def test_environment_applied_and_restored(entry):
    before = os.environ.get("FC_REGION")
    with Runtime(entry, credentials=CREDENTIALS, region="cn-beijing", environment={"OPENDB_X": "1"}) as runtime:
        invocation = runtime.invoke({})
        during = os.environ.get("OPENDB_X")
    assert invocation.result["fc_region"] == "cn-beijing"
    assert during == "1"
    assert os.environ.get("FC_REGION") == before
    assert "OPENDB_X" not in os.environ


def test_handler_error_is_returned(tmp_path):
    entry = write_entry(tmp_path, "def handler(event, context):\n    raise RuntimeError('boom')\n")
    with Runtime(entry, function=FunctionMeta(initializer="")) as runtime:
        invocation = runtime.invoke({})
    output = invocation.output()
    assert invocation.ok is False
    assert isinstance(invocation.error, RuntimeError)
    assert output["errorType"] == "RuntimeError"
    assert output["errorMessage"] == "boom"
    assert "boom" in output["stackTrace"][-1]


def test_initializer_failure_is_retried(tmp_path):
    entry = write_entry(
        tmp_path,
        """
        attempts = []

        def initializer(context):
            attempts.append(context.request_id)
            if len(attempts) == 1:
                raise ValueError("not yet")

        def handler(event, context):
            return "ok"
        """,
    )
    with Runtime(entry) as runtime:
        first = runtime.invoke({})
        second = runtime.invoke({})
        third = runtime.invoke({})
    assert isinstance(first.error, ValueError)
    assert second.result == "ok"
    assert third.result == "ok"
    assert runtime.initializer_calls == 2


def test_start_and_deadline_recorded(entry):
    with Runtime(entry, credentials=CREDENTIALS, function=FunctionMeta(timeout=30)) as runtime:
        invocation = runtime.invoke({})
        seen_by_handler = runtime.module.handler_calls[0][2]
    assert invocation.started <= seen_by_handler
    assert invocation.deadline == invocation.started + 30
    assert invocation.timed_out is False


def test_overrun_is_reported(tmp_path):
    entry = write_entry(tmp_path, "import time\n\ndef handler(event, context):\n    time.sleep(1.1)\n    return 1\n")
    with Runtime(entry, function=FunctionMeta(timeout=1, initializer="")) as runtime:
        invocation = runtime.invoke({})
    assert invocation.result == 1
    assert invocation.duration >= 1.1
    assert invocation.timed_out is True


def test_code_directory_on_path(tmp_path):
    write_entry(tmp_path, "VALUE = 'sibling'\n", name="helper_module_for_shim.py")
    entry = write_entry(tmp_path, "import helper_module_for_shim\n\ndef handler(event, context):\n    return helper_module_for_shim.VALUE\n")
    with Runtime(entry, function=FunctionMeta(initializer="")) as runtime:
        invocation = runtime.invoke({})
    assert invocation.result == "sibling"
    assert str(tmp_path) not in sys.path
    sys.modules.pop("helper_module_for_shim", None)


def test_close_restores_module_name(entry):
    previous = sys.modules.get("index")
    with Runtime(entry, credentials=CREDENTIALS) as runtime:
        runtime.invoke({})
        during = sys.modules.get("index")
    assert during is runtime.module
    assert sys.modules.get("index") is previous


def test_missing_handler_is_an_error(tmp_path):
    entry = write_entry(tmp_path, "def other(event, context):\n    return 1\n")
    with Runtime(entry, function=FunctionMeta(initializer="")) as runtime:
        invocation = runtime.invoke({})
    assert isinstance(invocation.error, AttributeError)
    assert "handler" in str(invocation.error)


def test_missing_entry_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="index.py"):
        Runtime(tmp_path / "index.py")


def test_unknown_runtime(entry):
    with pytest.raises(ValueError, match="python3.10"):
        Runtime(entry, runtime="python2.7")


def test_output_of_success(entry):
    with Runtime(entry, credentials=CREDENTIALS) as runtime:
        invocation = runtime.invoke({"k": "v"})
    assert json.loads(json.dumps(invocation.output()))["event"] == {"k": "v"}
    assert invocation.ok is True
    assert invocation.duration < 5
    assert invocation.started <= time.monotonic()
