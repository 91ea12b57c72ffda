"""The DBA command line, against the emulator on a loopback port."""

import copy
import json
from pathlib import Path

import pytest
from opendb_local.emulator import Emulator

from opendb import cli

ROOT = Path(__file__).resolve().parent.parent
STATE = json.loads((ROOT / "local/samples/state.json").read_text())
LONG_TERM_KEY = "LTAIemulatorSampleKey01"
INSTANCE = "rm-bp1opendbdemo0001"


@pytest.fixture
def served(monkeypatch):
    emulator = Emulator(copy.deepcopy(STATE))
    with emulator.serve() as endpoints:
        monkeypatch.setenv("OPENDB_RDS_ENDPOINT", endpoints.rds_endpoint)
        monkeypatch.setenv("OPENDB_OSS_ENDPOINT", endpoints.oss_endpoint)
        monkeypatch.setenv("OPENDB_AFTER_OPEN_WAIT", "0")
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", LONG_TERM_KEY)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", STATE["AccessKeys"][LONG_TERM_KEY]["AccessKeySecret"])
        monkeypatch.delenv("ALIBABA_CLOUD_SECURITY_TOKEN", raising=False)
        monkeypatch.delenv("FC_REGION", raising=False)
        yield emulator


def test_cli_opens_and_summarizes(served, capsys):
    code = cli.main(["--instance", INSTANCE, "--db", "sales", "--task", "107081", "--region", "cn-hangzhou"])
    output = capsys.readouterr().out
    assert code == cli.EXIT_OK
    assert output.startswith(f"Opened {INSTANCE}/sales (task 107081)")
    assert "RequestId" in output
    assert served.open_count(INSTANCE, "sales") == 1


def test_cli_json_output(served, capsys):
    code = cli.main(["--instance", INSTANCE, "--db", "sales", "--task", "107081", "--region", "cn-hangzhou", "--json",
                     "--check-db-mode", "SyncExecuteDBCheck"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert result["records"][0]["outcome"] == "opened"
    assert result["records"][0]["parameters"]["CheckDBMode"] == "SyncExecuteDBCheck"


def test_cli_invalid_value_is_permanent(served, capsys):
    code = cli.main(["--instance", "bad id", "--db", "sales", "--task", "107081", "--region", "cn-hangzhou"])
    output = capsys.readouterr().out
    assert code == cli.EXIT_PERMANENT
    assert "Not opened (rejected)" in output
    assert "'bad id'" in output
    assert served.calls.find(service="rds") == []


def test_cli_not_ready_exits_tempfail(served, capsys):
    served.state.migrate_tasks["107081"].status = "Running"
    code = cli.main(["--instance", INSTANCE, "--db", "sales", "--task", "107081", "--region", "cn-hangzhou", "--timeout", "2"])
    output = capsys.readouterr().out
    assert code == cli.EXIT_RETRYABLE
    assert "run the same command again" in output


def test_cli_missing_credentials(served, monkeypatch, capsys):
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_ID")
    code = cli.main(["--instance", INSTANCE, "--db", "sales", "--task", "107081", "--region", "cn-hangzhou"])
    output = capsys.readouterr().out
    assert code == cli.EXIT_PERMANENT
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in output


def test_cli_missing_region(monkeypatch, capsys):
    for name in ("FC_REGION", "ALIBABA_CLOUD_REGION_ID", "OPENDB_RDS_ENDPOINT", "OPENDB_OSS_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    code = cli.main(["--instance", INSTANCE, "--db", "sales", "--task", "1"])
    assert code == cli.EXIT_USAGE
    assert "FC_REGION" in capsys.readouterr().err


def test_cli_verbose_logs_go_to_stderr(served, capsys):
    cli.main(["--instance", INSTANCE, "--db", "sales", "--task", "107081", "--region", "cn-hangzhou", "--verbose"])
    captured = capsys.readouterr()
    log_lines = [json.loads(line) for line in captured.err.splitlines()]
    assert any(line.get("step") == "outcome" for line in log_lines)
    assert STATE["AccessKeys"][LONG_TERM_KEY]["AccessKeySecret"] not in captured.err
