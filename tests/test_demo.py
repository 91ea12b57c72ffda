"""The README's first command: the demo must open the database and show the log lines."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_opens_database():
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'functions/open_database'}:{ROOT / 'local'}"}
    completed = subprocess.run(
        [sys.executable, "-m", "opendb_local.demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    output = completed.stdout
    assert "is now Online; CreateOnlineDatabaseTask opened it 1 time(s)" in output

    log_lines = [json.loads(line) for line in output.splitlines() if line.startswith("{\"time\"")]
    steps = [line["step"] for line in log_lines]
    assert steps[:2] == ["initialize", "start"]
    assert steps.count("readiness") == 2
    assert [line["ready"] for line in log_lines if line["step"] == "readiness"] == [False, True]
    assert steps[-2:] == ["outcome", "finish"]
    assert log_lines[-2]["outcome"] == "opened"
