"""The fault-injection run: a small run keeps every invariant, and the checks catch a broken function."""

from __future__ import annotations

import random
import uuid

import pytest
from opendb_local import faultrun
from opendb_local.faultrun import Config, Delivery

from opendb import metadata, opener

# Short timeouts keep a run of a few dozen events within a few seconds.
FAST = {"http_timeout": 0.1, "delay_seconds": 0.2, "function_timeout": 1.0, "max_redeliveries": 2}


@pytest.mark.parametrize(("signature", "events", "seed"), [("acs3", 40, 3), ("v1", 16, 4)])
def test_run_keeps_invariants(signature, events, seed):
    report = faultrun.run(Config(events=events, seed=seed, signature=signature, **FAST))

    assert report.violations == []
    assert sum(report.outcomes.values()) == events
    assert report.opens == report.outcomes["opened"]
    assert report.outcomes["opened"] > 0
    assert sum(report.faults.values()) > 0
    assert report.deliveries == events + report.sequential_duplicates + report.concurrent_duplicates
    assert report.invocations == report.deliveries + report.redeliveries
    assert report.failure_records >= report.outcomes["rejected"] + report.outcomes["failed"]


def test_run_every_plan_kind():
    report = faultrun.run(Config(events=14, seed=5, fault_rate=0.0, duplicates=0.0, **FAST))

    assert report.violations == []
    assert set(report.by_plan) == set(faultrun.PLAN_WEIGHTS)
    assert report.by_plan[faultrun.NEVER_READY] == {"pending": report.by_plan[faultrun.NEVER_READY].total()}
    assert report.faults == {}


def test_run_catches_open_without_readiness(monkeypatch):
    # A function that opens without waiting for the restore: the worst mistake it can make.
    monkeypatch.setattr(opener.Opener, "wait_until_ready", lambda self, request, log: "Success")

    report = faultrun.run(Config(events=21, seed=6, fault_rate=0.0, duplicates=0.0, **FAST))

    assert report.violations
    assert any("opened before its backup was restored" in violation for violation in report.violations)
    assert any("never_ready" in violation for violation in report.violations)


def test_run_catches_random_client_token(monkeypatch):
    # Without a deterministic ClientToken a duplicate delivery opens again, and RDS refuses the second open.
    monkeypatch.setattr(metadata.OpenRequest, "client_token", property(lambda self: "opendb-" + uuid.uuid4().hex))

    report = faultrun.run(Config(events=12, seed=7, fault_rate=0.0, duplicates=1.0, **FAST))

    assert any("deliveries disagree" in violation for violation in report.violations)


ARGV = ["--events", "8", "--seed", "8", "--http-timeout", "0.1", "--function-timeout", "1", "--max-redeliveries", "1"]


def test_main_exit_status(capsys, monkeypatch):
    assert faultrun.main(ARGV) == 0
    output = capsys.readouterr().out
    assert "Events by outcome:" in output
    assert "Every event accounted for" in output

    monkeypatch.setattr(opener.Opener, "wait_until_ready", lambda self, request, log: "Success")
    assert faultrun.main(ARGV) == 1
    assert "INVARIANTS BROKEN" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--events", "0"], ["--fault-rate", "1.5"], ["--threads", "0"]])
def test_main_rejects_bad_options(argv):
    with pytest.raises(SystemExit) as caught:
        faultrun.main(argv)
    assert caught.value.code == 2


# -- the checks on their own ------------------------------------------------


def plan(kind):
    return faultrun.EventPlan(
        index=1, kind=kind, instance_id="rm-faultrun0000", db_name="db00001", task_id="400001",
        key="db00001/db00001_full.bak", after_calls=0, payload=b"{}",
    )


def delivered(outcome, *, pending=False, record_key=None, crash=None):
    record = {"outcome": outcome}
    if record_key:
        record["failureRecord"] = f"oss://{faultrun.FAILURE_BUCKET}/{record_key}"
    return Delivery(1, invocations=1, result={"records": [record]}, pending=pending, crash=crash)


def stored_record(key="db00001/db00001_full.bak"):
    return {"outcome": {"object": {"bucket": faultrun.BUCKET, "key": key}}}


@pytest.mark.parametrize(
    ("kind", "deliveries", "open_count", "records", "expected"),
    [
        (faultrun.READY, [delivered("opened")], 0, {}, "the emulator opened db00001 0 times"),
        (faultrun.READY, [delivered("opened")], 2, {}, "the emulator opened db00001 2 times"),
        (faultrun.TASK_FAILED, [delivered("opened")], 1, {}, "ended opened"),
        (faultrun.TASK_FAILED, [delivered("failed", record_key="r1")], 0, {}, "without a failure record"),
        (faultrun.BAD_METADATA, [delivered("rejected", record_key="r1")], 0, {"r1": stored_record("other.bak")}, "another object"),
        (faultrun.NEVER_READY, [delivered("failed", pending=True)], 1, {}, "pending, but the emulator opened"),
        (faultrun.READY, [delivered("opened"), delivered("failed", record_key="r1")], 1, {"r1": stored_record()}, "disagree"),
        (faultrun.READY, [delivered("opened", crash="ValueError: boom")], 0, {}, "raised ValueError"),
    ],
)
def test_checks_flag_violation(kind, deliveries, open_count, records, expected):
    violations = []
    event = plan(kind)

    outcome = faultrun.classify_event(event, deliveries, violations)
    faultrun.check_event(event, outcome, deliveries, open_count, records, violations)

    assert any(expected in violation for violation in violations), violations


@pytest.mark.parametrize(
    ("kind", "deliveries", "open_count", "records"),
    [
        (faultrun.READY, [delivered("opened"), delivered("opened")], 1, {}),
        (faultrun.READY, [delivered("failed", pending=True), delivered("opened")], 1, {}),
        (faultrun.TASK_FAILED, [delivered("failed", record_key="r1")], 0, {"r1": stored_record()}),
        (faultrun.NEVER_READY, [delivered("failed", pending=True)], 0, {}),
        (faultrun.NO_METADATA, [delivered("skipped")], 0, {}),
    ],
)
def test_checks_accept_consistent_event(kind, deliveries, open_count, records):
    violations = []
    event = plan(kind)

    outcome = faultrun.classify_event(event, deliveries, violations)
    faultrun.check_event(event, outcome, deliveries, open_count, records, violations)

    assert violations == []


def test_duplicate_groups_fit_pool():
    plans = faultrun.make_plans(Config(events=200), random.Random(1))

    groups, sequential, concurrent = faultrun.schedule_deliveries(plans, Config(events=200, threads=2), random.Random(2))

    assert max(len(group) for group in groups) <= 2
    assert sum(len(group) for group in groups) == 200 + sequential + concurrent
    assert concurrent > 0
    assert sequential > 0
