"""The suite-wide log scan in conftest.py: what it registers, what it reads, and that a leak fails the run."""

from __future__ import annotations

import json
import os
import types
from pathlib import Path

import httpx
from opendb_local.emulator import IN_PROCESS_OSS_ENDPOINT, IN_PROCESS_RDS_ENDPOINT, Emulator

from opendb import app, logs, settings as settings_module

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = json.loads((ROOT / "local/samples/state.json").read_text())

INNER_SECRET = "inner-scan-secret-0001"
LEAKING_TESTS = f'''
from opendb import logs
from opendb_local.emulator import Emulator

SECRET = {INNER_SECRET!r}


def test_logs_secret_without_redactor(monkeypatch):
    Emulator({{"AccessKeys": {{"LTAIinnerScanKey01": {{"AccessKeySecret": SECRET}}}}}})
    # A logger configured without the redactor: the path a careless change could open.
    monkeypatch.setattr(logs, "redactor", lambda logger, method, event: event)
    logs.configure("info")
    logs.get_logger().info("Signed with " + SECRET)


def test_prints_signature():
    print("GET /?Action=DescribeMigrateTaskById&Signature=c2lnbmF0dXJl")


def test_logs_nothing():
    assert True
'''


def test_scan_registers_sample_secrets(log_collector):
    registered = log_collector.secrets()
    for entry in SAMPLE["AccessKeys"].values():
        assert entry["AccessKeySecret"] in registered
        if "SecurityToken" in entry:
            assert entry["SecurityToken"] in registered


def test_scan_registers_state_and_context(log_collector):
    state = {
        "AccessKeys": {"STS.scanTestKey0001": {"AccessKeySecret": "scan-state-secret-01", "SecurityToken": "CAISscanStateToken01"}},
    }
    emulator = Emulator(state)
    settings = settings_module.load({
        "FC_REGION": "cn-hangzhou",
        "OPENDB_RDS_ENDPOINT": IN_PROCESS_RDS_ENDPOINT,
        "OPENDB_OSS_ENDPOINT": IN_PROCESS_OSS_ENDPOINT,
    })
    application = app.Application(settings, http=httpx.Client(transport=emulator.transport()))
    context = types.SimpleNamespace(
        request_id="scan-1",
        credentials=types.SimpleNamespace(
            access_key_id="STS.scanTestKey0001", access_key_secret="scan-context-secret-01", security_token="CAISscanStateToken01"
        ),
        function=types.SimpleNamespace(timeout=5),
    )

    application.handle(b"not an event", context)

    registered = log_collector.secrets()
    assert "scan-state-secret-01" in registered
    assert "CAISscanStateToken01" in registered
    assert "scan-context-secret-01" in registered


def test_scan_reads_configured_stream(log_collector, request):
    logs.configure("info")
    logs.get_logger().info("scan probe line")

    lines = [line for origin, line in log_collector.lines() if origin == request.node.nodeid]
    assert any("scan probe line" in line for line in lines)


def test_scan_fails_run_on_leak(pytester, monkeypatch):
    conftest = (ROOT / "tests/conftest.py").read_text()
    pytester.makeconftest(conftest.replace(
        "ROOT = Path(__file__).resolve().parent.parent", f"ROOT = Path({str(ROOT)!r})"
    ))
    pytester.makepyfile(test_inner=LEAKING_TESTS)
    paths = [str(ROOT / "functions/open_database"), str(ROOT / "local"), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(path for path in paths if path))

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    output = result.stdout.str()
    assert result.ret == 1
    assert result.parseoutcomes() == {"failed": 1, "passed": 3}
    assert "log secret scan" in output
    assert "test_logs_secret_without_redactor: a registered secret" in output
    assert "test_prints_signature (Captured stdout call): a Signature= value" in output
    assert INNER_SECRET not in output
    assert "c2lnbmF0dXJl" not in output
