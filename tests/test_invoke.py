"""scripts/invoke end to end: the emulator on loopback, the shim, and an entry module."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
INVOKE = REPO / "scripts" / "invoke"
SAMPLES = REPO / "local" / "samples"
REAL_ENTRY = REPO / "functions" / "open_database" / "index.py"

# A stand-in for the function: it reads an object's metadata with the context's
# STS credentials from the OSS endpoint that invoke passes in the environment.
HEAD_OBJECT_ENTRY = '''
import json
import os

import oss2


def initializer(context):
    print(json.dumps({"message": "initialized", "region": os.environ["FC_REGION"]}), flush=True)


def handler(event, context):
    request = json.loads(event)
    if hasattr(context, "credentials"):
        key = context.credentials
        auth = oss2.StsAuth(key.access_key_id, key.access_key_secret, key.security_token)
    else:
        auth = oss2.StsAuth(
            os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
            os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
            os.environ["ALIBABA_CLOUD_SECURITY_TOKEN"],
        )
    bucket = oss2.Bucket(auth, os.environ["OPENDB_OSS_ENDPOINT"], request["bucket"])
    head = bucket.head_object(request["key"])
    print(json.dumps({"message": "head done", "status": head.status}), flush=True)
    return {
        "db": head.headers["x-oss-meta-rds-db-name"],
        "rds_endpoint": os.environ["OPENDB_RDS_ENDPOINT"],
    }
'''


def run_invoke(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(INVOKE), *arguments], capture_output=True, text=True, timeout=120, cwd=REPO)


@pytest.fixture
def head_entry(tmp_path: Path) -> Path:
    path = tmp_path / "index.py"
    path.write_text(textwrap.dedent(HEAD_OBJECT_ENTRY), encoding="utf-8")
    return path


@pytest.fixture
def head_event(tmp_path: Path) -> Path:
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"bucket": "rds-backups", "key": "sales/sales_FULL_20240520.bak"}), encoding="utf-8")
    return path


def test_invoke_prints_result_last(head_entry, head_event):
    result = run_invoke(str(head_event), "--entry", str(head_entry))
    lines = result.stdout.strip().splitlines()
    output = json.loads(lines[-1])
    assert result.returncode == 0
    assert json.loads(lines[0]) == {"message": "initialized", "region": "cn-hangzhou"}
    assert json.loads(lines[1]) == {"message": "head done", "status": 200}
    assert output["db"] == "sales"
    assert output["rds_endpoint"].startswith("http://127.0.0.1:")
    assert "emulator: oss HeadObject 200 OK" in result.stderr


def test_invoke_python312_credentials(head_entry, head_event):
    result = run_invoke(str(head_event), "--entry", str(head_entry), "--runtime", "python3.12")
    assert result.returncode == 0
    assert json.loads(result.stdout.strip().splitlines()[-1])["db"] == "sales"


def test_invoke_handler_error(head_entry, tmp_path):
    event = tmp_path / "missing.json"
    event.write_text(json.dumps({"bucket": "rds-backups", "key": "no/such.bak"}), encoding="utf-8")
    result = run_invoke(str(event), "--entry", str(head_entry))
    output = json.loads(result.stdout.strip().splitlines()[-1])
    assert result.returncode == 1
    assert output["errorType"] == "NoSuchKey"
    assert "emulator: oss HeadObject 404 NoSuchKey" in result.stderr


def test_invoke_with_state_option(head_entry, head_event, tmp_path):
    state = json.loads((SAMPLES / "state.json").read_text(encoding="utf-8"))
    state["Region"] = "cn-shanghai"
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps(state), encoding="utf-8")
    result = run_invoke(str(head_event), "--entry", str(head_entry), "--state", str(state_file))
    assert result.returncode == 0
    assert json.loads(result.stdout.splitlines()[0])["region"] == "cn-shanghai"


def test_invoke_rejects_state_without_sts(head_entry, head_event, tmp_path):
    state = json.loads((SAMPLES / "state.json").read_text(encoding="utf-8"))
    state["AccessKeys"] = {"LTAIonly": {"AccessKeySecret": "s"}}
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps(state), encoding="utf-8")
    result = run_invoke(str(head_event), "--entry", str(head_entry), "--state", str(state_file))
    assert result.returncode == 2
    assert "no STS AccessKey" in result.stderr


@pytest.mark.skipif(not REAL_ENTRY.is_file(), reason="the function's entry module is not in the tree")
def test_invoke_real_handler_opens_database():
    result = run_invoke(str(SAMPLES / "direct.json"), "--env", "OPENDB_AFTER_OPEN_WAIT=0")
    assert result.returncode == 0
    assert "emulator: rds CreateOnlineDatabaseTask 200 OK" in result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])
