"""Deliver many upload events, with duplicates and injected faults, and check that each is accounted for.

``scripts/fault-injection`` serves the emulator on loopback ports, fills its
state with one migrate task, database and uploaded backup (with opendb
metadata) per event, and hands each event to one shared
``opendb.app.Application``, the way one FC instance with instance
concurrency would. A share of the events is delivered twice or three times,
some of the copies at the same moment from several threads. An invocation
that raises RetryInvocation is delivered again with a fresh request id, as
FC's asynchronous retry does, up to a bound. The emulator meanwhile fails
the given share of all requests with throttling (400 and 429), 503, 500, an
HTML or an empty body, a delay past the HTTP timeout, a dropped connection
or a response lost after the action ran.

Most events are ready to open. The rest exercise the other paths: tasks
that become ready (or whose backup file is restored) only after a few
status reads, failed tasks, invalid metadata, uploads without metadata and
tasks that never become ready.

Afterwards every event must be accounted for: opened exactly once, still
pending (every delivery raised RetryInvocation up to the bound), or a
permanent failure (rejected or failed) with a failure record in the failure
bucket. No database may be opened twice, none before its backup was
restored, and no log line may contain the credentials. The exit status is 1
when any of these breaks.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
import types
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Iterable, TextIO

from opendb import app, logs, settings as settings_module
from opendb.errors import RetryInvocation
from opendb.retry import Backoff

from . import samples
from .emulator import FAULT_KINDS, Emulator, Faults

REGION = "cn-hangzhou"
BUCKET = "faultrun-backups"
FAILURE_BUCKET = "faultrun-failures"
DATABASES_PER_INSTANCE = 25
FIRST_TASK_ID = 400000

# Plan kinds: the state an event's task, file and metadata start in, and the outcome expected.
READY = "ready"  # task Success, file Restored: opened
LATE_TASK = "late_task"  # task NoStart or Running, Success after a few status reads: opened
LATE_FILE = "late_file"  # task Waiting, its file Restoring until a few status reads: opened
TASK_FAILED = "task_failed"  # task Failed: a permanent failure
BAD_METADATA = "bad_metadata"  # migrate task id that is not a number: rejected
NO_METADATA = "no_metadata"  # an upload without opendb metadata: skipped
NEVER_READY = "never_ready"  # task Running for good: pending once the re-deliveries run out
PLAN_WEIGHTS = {
    READY: 0.80,
    LATE_TASK: 0.06,
    LATE_FILE: 0.04,
    TASK_FAILED: 0.03,
    BAD_METADATA: 0.03,
    NO_METADATA: 0.02,
    NEVER_READY: 0.02,
}

# Outcomes of an event after all its deliveries.
OUTCOMES = ("opened", "pending", "rejected", "failed", "skipped")
EXPECTED_OUTCOMES = {
    READY: {"opened", "pending"},
    LATE_TASK: {"opened", "pending"},
    LATE_FILE: {"opened", "pending"},
    TASK_FAILED: {"failed", "pending"},
    BAD_METADATA: {"rejected", "pending"},
    NO_METADATA: {"skipped", "pending"},
    NEVER_READY: {"pending"},
}
OPENABLE_PLANS = (READY, LATE_TASK, LATE_FILE)


@dataclass(frozen=True)
class Config:
    """One run's size, fault mix and timing. Times are in seconds."""

    events: int = 1000
    fault_rate: float = 0.2
    duplicates: float = 0.3
    threads: int = 4
    seed: int = 0
    signature: str = "acs3"
    max_redeliveries: int = 3
    http_timeout: float = 0.25
    delay_seconds: float = 0.5
    function_timeout: float = 2.0
    deadline_margin: float = 0.5
    poll_base: float = 0.05
    max_seconds: float = 900.0
    log_path: str | None = None


@dataclass(frozen=True)
class EventPlan:
    """One upload event and what its task was set up to do."""

    index: int
    kind: str
    instance_id: str
    db_name: str
    task_id: str
    key: str
    after_calls: int
    payload: bytes


@dataclass
class Delivery:
    """One delivery of an event, with its FC-style re-deliveries: the last result, or pending, or a crash."""

    index: int
    invocations: int = 0
    result: dict | None = None
    pending: bool = False
    crash: str | None = None
    seconds: float = 0.0


@dataclass
class Report:
    config: Config
    outcomes: Counter = field(default_factory=Counter)
    by_plan: dict[str, Counter] = field(default_factory=dict)
    faults: Counter = field(default_factory=Counter)
    requests: Counter = field(default_factory=Counter)
    deliveries: int = 0
    sequential_duplicates: int = 0
    concurrent_duplicates: int = 0
    invocations: int = 0
    redeliveries: int = 0
    call_retries: int = 0
    log_lines: int = 0
    opens: int = 0
    failure_records: int = 0
    wall_seconds: float = 0.0
    delivery_seconds: list[float] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)


# -- setting up ---------------------------------------------------------------


def make_plans(config: Config, rng: random.Random) -> list[EventPlan]:
    """Choose each event's kind (every kind at least once when there are enough events) and build its payload."""
    kinds = list(PLAN_WEIGHTS)
    chosen = kinds[: config.events] if config.events >= len(kinds) else []
    chosen += rng.choices(kinds, weights=list(PLAN_WEIGHTS.values()), k=config.events - len(chosen))
    rng.shuffle(chosen)

    plans = []
    for index, kind in enumerate(chosen):
        db_name = f"db{index:05d}"
        key = f"{db_name}/{db_name}_full.bak"
        request_id = f"FAULTRUN{index:016X}"
        if index % 2:
            event = samples.oss_eventbridge_event(
                event_id=f"{request_id}-0", bucket=BUCKET, key=key, region=REGION, request_id=request_id
            )
        else:
            event = samples.oss_event(bucket=BUCKET, key=key, region=REGION, request_id=request_id)
        plans.append(
            EventPlan(
                index=index,
                kind=kind,
                instance_id=f"rm-faultrun{index // DATABASES_PER_INSTANCE:04d}",
                db_name=db_name,
                task_id=str(FIRST_TASK_ID + index),
                key=key,
                after_calls=rng.randint(1, 3) if kind in (LATE_TASK, LATE_FILE) else 0,
                payload=json.dumps(event).encode("utf-8"),
            )
        )
    return plans


def make_state(plans: list[EventPlan], access_key_id: str, secret: str, token: str) -> dict:
    """Build the emulator state: the STS key, both buckets, and per event a database, task and object."""
    instances: dict[str, Any] = {}
    tasks: dict[str, Any] = {}
    objects: dict[str, Any] = {}
    for plan in plans:
        instance = instances.setdefault(plan.instance_id, {"Engine": "SQLServer", "Status": "Running", "Databases": {}})
        instance["Databases"][plan.db_name] = {"Status": "Restoring"}
        task_status, file_status = {
            LATE_TASK: ("NoStart" if plan.index % 2 else "Running", "Restoring"),
            LATE_FILE: ("Waiting", "Restoring"),
            TASK_FAILED: ("Failed", "Restoring"),
            NEVER_READY: ("Running", "Restoring"),
        }.get(plan.kind, ("Success", "Restored"))
        tasks[plan.task_id] = {
            "DBInstanceId": plan.instance_id,
            "DBName": plan.db_name,
            "Status": task_status,
            "BackupFiles": [{"FileName": plan.key, "Status": file_status}],
        }
        metadata = {
            "x-oss-meta-rds-instance-id": plan.instance_id,
            "x-oss-meta-rds-db-name": plan.db_name,
            "x-oss-meta-rds-migrate-task-id": f"task-{plan.task_id}" if plan.kind == BAD_METADATA else plan.task_id,
        }
        objects[plan.key] = {"Size": 1024, "Metadata": {} if plan.kind == NO_METADATA else metadata}
    return {
        "Region": REGION,
        "AccessKeys": {
            access_key_id: {"AccessKeySecret": secret, "SecurityToken": token, "Expiration": "2099-12-31T00:00:00Z"}
        },
        "Buckets": {BUCKET: {"Objects": objects}, FAILURE_BUCKET: {"Objects": {}}},
        "DBInstances": instances,
        "MigrateTasks": tasks,
    }


def make_faults(config: Config) -> Faults:
    """Split the fault rate evenly between every kind, on every RDS and OSS action."""
    share = config.fault_rate / len(FAULT_KINDS)
    return Faults(seed=config.seed, delay_seconds=config.delay_seconds, **{kind: share for kind in FAULT_KINDS})


def schedule_late_tasks(emulator: Emulator, plans: list[EventPlan]) -> None:
    for plan in plans:
        if plan.kind == LATE_TASK:
            emulator.schedule_task_status(plan.task_id, "Success", after_calls=plan.after_calls, file_status="Restored")
        elif plan.kind == LATE_FILE:
            emulator.schedule_task_status(plan.task_id, "Waiting", after_calls=plan.after_calls, file_status="Restored")


def record_ready_times(emulator: Emulator) -> dict[str, float]:
    """Record, per task, when a scheduled change made it ready, in the emulator's clock.

    Wraps the backend's apply_status_changes, which runs under the emulator's
    lock like the opens, so the times and the opens' timestamps are ordered.
    """
    ready_at: dict[str, float] = {}
    apply = emulator.rds.apply_status_changes

    def apply_and_note(task: Any) -> None:
        before = (task.status, [item.status for item in task.backup_files])
        apply(task)
        if (task.status, [item.status for item in task.backup_files]) != before:
            ready_at[task.task_id] = emulator.clock()

    emulator.rds.apply_status_changes = apply_and_note  # type: ignore[method-assign]
    return ready_at


class LogSink:
    """The function's log stream: counts lines and retries, looks for secrets, and optionally keeps a file."""

    def __init__(self, secrets: Iterable[str], path: str | None = None) -> None:
        self.secrets = [secret for secret in secrets if secret]
        self.lines = 0
        self.retries = 0
        self.leaks: list[str] = []
        self._partial = ""
        self._lock = threading.Lock()
        self._file: TextIO | None = open(path, "w", encoding="utf-8") if path else None

    def write(self, text: str) -> int:
        with self._lock:
            if self._file is not None:
                self._file.write(text)
            complete, _, self._partial = (self._partial + text).rpartition("\n")
            for line in complete.split("\n") if complete else []:
                self._read(line)
        return len(text)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()

    def _read(self, line: str) -> None:
        self.lines += 1
        if '"step": "retry"' in line:
            self.retries += 1
        for secret in self.secrets:
            if secret in line:
                self.leaks.append(f"log line {self.lines} contains a credential")
        if "Signature=" in line.replace("Signature=[REDACTED]", ""):
            self.leaks.append(f"log line {self.lines} contains a Signature= value")


# -- delivering ---------------------------------------------------------------


class Deliverer:
    """FC's side of delivery: each event goes to the shared application, and goes again while it raises RetryInvocation."""

    def __init__(self, application: app.Application, config: Config, access_key_id: str, secret: str, token: str) -> None:
        self.application = application
        self.config = config
        self.credentials = types.SimpleNamespace(access_key_id=access_key_id, access_key_secret=secret, security_token=token)
        self.poll = Backoff(base=config.poll_base, cap=config.poll_base * 10, max_attempts=1000)
        self.stop_at = time.monotonic() + config.max_seconds

    def context(self, plan: EventPlan) -> Any:
        return types.SimpleNamespace(
            request_id=f"faultrun-{plan.index}-{uuid.uuid4().hex[:12]}",
            credentials=self.credentials,
            function=types.SimpleNamespace(name="open_database", timeout=self.config.function_timeout),
            region=REGION,
        )

    def deliver(self, plan: EventPlan, barrier: threading.Barrier | None = None) -> Delivery:
        delivery = Delivery(plan.index)
        if barrier is not None:
            try:
                barrier.wait(timeout=60)
            except threading.BrokenBarrierError:
                pass  # the other copies are late: deliver this one now rather than not at all
        started = time.monotonic()
        for _ in range(self.config.max_redeliveries + 1):
            if time.monotonic() > self.stop_at:
                delivery.crash = "not delivered: the run's time limit passed"
                break
            delivery.invocations += 1
            try:
                delivery.result = self.application.handle(plan.payload, self.context(plan), poll=self.poll)
                delivery.pending = False
                break
            except RetryInvocation as error:
                delivery.result = getattr(error, "result", None)
                delivery.pending = True
            except Exception as error:  # noqa: BLE001 - anything else is the finding this run exists to report
                delivery.crash = f"{type(error).__name__}: {error}"
                break
        delivery.seconds = time.monotonic() - started
        return delivery


def schedule_deliveries(plans: list[EventPlan], config: Config, rng: random.Random) -> tuple[list[list[EventPlan]], int, int]:
    """Return delivery groups in order, and the counts of sequential and concurrent duplicates.

    A group of several copies of one event is delivered at the same moment.
    A sequential duplicate is its own group, at a random later position.
    """
    groups: list[list[EventPlan]] = []
    sequential = concurrent = 0
    max_group = max(1, min(3, config.threads))
    for plan in plans:
        group = [plan]
        if rng.random() < config.duplicates:
            if max_group > 1 and rng.random() < 0.5:
                extra = 1 if max_group == 2 or rng.random() < 0.7 else 2
                group += [plan] * extra
                concurrent += extra
            else:
                groups.append([plan])
                sequential += 1
        groups.append(group)
    rng.shuffle(groups)
    return groups, sequential, concurrent


def run_deliveries(deliverer: Deliverer, groups: list[list[EventPlan]], threads: int) -> list[Delivery]:
    """Run every group on a pool of ``threads``; the copies of a group meet at a barrier before they start.

    Groups are never larger than the pool, and the pool takes tasks in order,
    so every copy of the oldest waiting group finds a thread.
    """
    futures = []
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="fc-instance") as pool:
        for group in groups:
            barrier = threading.Barrier(len(group)) if len(group) > 1 else None
            for plan in group:
                futures.append(pool.submit(deliverer.deliver, plan, barrier))
    return [future.result() for future in futures]


# -- checking -----------------------------------------------------------------


def final_record(delivery: Delivery) -> dict | None:
    records = (delivery.result or {}).get("records") or []
    return records[0] if len(records) == 1 else None


def classify_event(plan: EventPlan, deliveries: list[Delivery], violations: list[str]) -> str:
    """Return the event's outcome over all its deliveries, adding a violation for every inconsistency."""
    settled: set[str] = set()
    for delivery in deliveries:
        if delivery.crash is not None:
            violations.append(f"event {plan.index} ({plan.kind}): a delivery raised {delivery.crash}")
            continue
        record = final_record(delivery)
        if record is None:
            violations.append(f"event {plan.index} ({plan.kind}): a result without exactly one record")
            continue
        if not delivery.pending:
            settled.add(str(record.get("outcome")))

    if len(settled) > 1:
        violations.append(f"event {plan.index} ({plan.kind}): deliveries disagree: {sorted(settled)}")
    for outcome in ("opened", "failed", "rejected", "skipped"):
        if outcome in settled:
            return outcome
    return "pending"


def check_event(
    plan: EventPlan,
    outcome: str,
    deliveries: list[Delivery],
    open_count: int,
    records: dict[str, dict],
    violations: list[str],
) -> None:
    name = f"event {plan.index} ({plan.kind})"
    if outcome not in EXPECTED_OUTCOMES[plan.kind]:
        violations.append(f"{name}: ended {outcome}, expected one of {sorted(EXPECTED_OUTCOMES[plan.kind])}")

    if outcome == "opened" and open_count != 1:
        violations.append(f"{name}: reported opened, but the emulator opened {plan.db_name} {open_count} times")
    if outcome in ("rejected", "failed", "skipped") and open_count != 0:
        violations.append(f"{name}: ended {outcome}, but the emulator opened {plan.db_name} {open_count} times")
    if outcome == "pending" and open_count > (1 if plan.kind in OPENABLE_PLANS else 0):
        violations.append(f"{name}: pending, but the emulator opened {plan.db_name} {open_count} times")

    if outcome in ("rejected", "failed"):
        keys = [
            str(record["failureRecord"]).split("/", 3)[-1]
            for record in (final_record(delivery) for delivery in deliveries if not delivery.pending)
            if record is not None and record.get("failureRecord")
        ]
        stored = [records[key] for key in keys if key in records]
        if not stored:
            violations.append(f"{name}: {outcome} without a failure record in {FAILURE_BUCKET}")
        for record in stored:
            if record["outcome"]["object"]["key"] != plan.key:
                violations.append(f"{name}: its failure record names another object")


def check_ready_before_open(plans: list[EventPlan], emulator: Emulator, ready_at: dict[str, float], violations: list[str]) -> None:
    late = {plan.task_id: plan for plan in plans if plan.kind in (LATE_TASK, LATE_FILE)}
    for opened in emulator.opens:
        plan = late.get(opened.migrate_task_id)
        if plan is None:
            continue
        became_ready = ready_at.get(plan.task_id)
        if became_ready is None or opened.timestamp < became_ready:
            violations.append(f"event {plan.index} ({plan.kind}): opened before its backup was restored")


def read_failure_records(emulator: Emulator) -> dict[str, dict]:
    with emulator.lock:
        objects = dict(emulator.state.buckets[FAILURE_BUCKET].objects)
    return {key: json.loads(stored.body or b"{}") for key, stored in objects.items()}


def check(
    plans: list[EventPlan], deliveries: list[Delivery], emulator: Emulator, ready_at: dict[str, float], report: Report
) -> None:
    """Account for every event and fill the report's outcomes and violations."""
    by_event: dict[int, list[Delivery]] = {}
    for delivery in deliveries:
        by_event.setdefault(delivery.index, []).append(delivery)
    records = read_failure_records(emulator)
    report.failure_records = len(records)

    for plan in plans:
        delivered = by_event.get(plan.index, [])
        if not delivered:
            report.violations.append(f"event {plan.index} ({plan.kind}): never delivered")
            continue
        outcome = classify_event(plan, delivered, report.violations)
        report.outcomes[outcome] += 1
        report.by_plan.setdefault(plan.kind, Counter())[outcome] += 1
        check_event(plan, outcome, delivered, emulator.open_count(plan.instance_id, plan.db_name), records, report.violations)

    with emulator.lock:
        counts = dict(emulator.rds.open_counts)
    for (instance_id, db_name), count in sorted(counts.items()):
        if count > 1:
            report.violations.append(f"{instance_id}/{db_name} opened {count} times")
    check_ready_before_open(plans, emulator, ready_at, report.violations)


# -- the run ------------------------------------------------------------------


def run(config: Config) -> Report:
    """Set up the emulator, deliver every event, wait for delayed requests to finish, and check."""
    rng = random.Random(config.seed)
    access_key_id = "STS.faultrun" + uuid.UUID(int=rng.getrandbits(128)).hex[:12]
    secret = uuid.uuid4().hex + uuid.uuid4().hex
    token = "CAIS" + uuid.uuid4().hex + uuid.uuid4().hex

    plans = make_plans(config, rng)
    emulator = Emulator(make_state(plans, access_key_id, secret, token), faults=make_faults(config))
    ready_at = record_ready_times(emulator)
    schedule_late_tasks(emulator, plans)
    groups, sequential, concurrent = schedule_deliveries(plans, config, rng)
    report = Report(config, sequential_duplicates=sequential, concurrent_duplicates=concurrent)

    sink = LogSink([secret, token], config.log_path)
    logs.configure("info", stream=sink)
    started = time.monotonic()
    try:
        with emulator.serve() as endpoints:
            settings = settings_module.load({
                "FC_REGION": REGION,
                "OPENDB_RDS_ENDPOINT": endpoints.rds_endpoint,
                "OPENDB_OSS_ENDPOINT": endpoints.oss_endpoint,
                "OPENDB_SIGNATURE_VERSION": config.signature,
                "OPENDB_HTTP_TIMEOUT": str(config.http_timeout),
                "OPENDB_DEADLINE_MARGIN": str(config.deadline_margin),
                "OPENDB_AFTER_OPEN_WAIT": "0",
                "OPENDB_FAILURE_BUCKET": FAILURE_BUCKET,
            })
            application = app.Application(settings)
            try:
                deliverer = Deliverer(application, config, access_key_id, secret, token)
                deliveries = run_deliveries(deliverer, groups, config.threads)
            finally:
                application.http.close()
            # A delayed request goes on in the server after its client gave up; let it finish before counting.
            time.sleep(config.delay_seconds + 0.2)
    finally:
        report.wall_seconds = time.monotonic() - started
        logs.configure()
        sink.close()

    report.deliveries = len(deliveries)
    report.invocations = sum(delivery.invocations for delivery in deliveries)
    report.redeliveries = report.invocations - report.deliveries
    report.delivery_seconds = sorted(delivery.seconds for delivery in deliveries)
    report.call_retries = sink.retries
    report.log_lines = sink.lines
    report.opens = len(emulator.opens)
    for call in emulator.calls.all():
        report.requests[f"{call.service} {call.action}"] += 1
        if call.fault:
            report.faults[call.fault] += 1
    check(plans, deliveries, emulator, ready_at, report)
    report.violations.extend(sink.leaks)
    return report


def format_report(report: Report) -> str:
    config = report.config
    lines = [
        f"Fault injection: {config.events} events, fault rate {config.fault_rate:g}, duplicates {config.duplicates:g}, "
        f"{config.threads} threads, seed {config.seed}, signature {config.signature}",
        f"Wall time: {report.wall_seconds:.1f} s",
        "",
        "Events by outcome: " + ", ".join(f"{name} {report.outcomes.get(name, 0)}" for name in OUTCOMES),
    ]
    for kind in PLAN_WEIGHTS:
        counts = report.by_plan.get(kind, Counter())
        total = sum(counts.values())
        lines.append(f"  {kind:<13} {total:>5}: " + ", ".join(f"{name} {count}" for name, count in sorted(counts.items())))
    requests = sum(report.requests.values())
    injected = sum(report.faults.values())
    lines += [
        "",
        f"Deliveries: {report.deliveries} ({report.sequential_duplicates} sequential and "
        f"{report.concurrent_duplicates} concurrent duplicates)",
        f"Invocations: {report.invocations} ({report.redeliveries} re-deliveries after RetryInvocation)",
        f"Retried calls inside invocations: {report.call_retries}",
        f"Requests: {requests}; faults injected: {injected} ({injected / requests:.1%})" if requests else "Requests: 0",
    ]
    for kind in FAULT_KINDS:
        lines.append(f"  {kind:<15} {report.faults.get(kind, 0)}")
    lines += [
        f"Opens: {report.opens}; failure records: {report.failure_records}; log lines: {report.log_lines}",
        f"Delivery time, including re-deliveries: median {_percentile(report.delivery_seconds, 0.5):.2f} s, "
        f"p95 {_percentile(report.delivery_seconds, 0.95):.2f} s, max {_percentile(report.delivery_seconds, 1.0):.2f} s",
        "",
    ]
    if report.violations:
        lines.append(f"INVARIANTS BROKEN: {len(report.violations)}")
        lines += [f"  {violation}" for violation in report.violations[:100]]
    else:
        lines.append("Every event accounted for; no database opened twice or before its backup was restored; no secret logged.")
    return "\n".join(lines)


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(fraction * len(values)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/fault-injection", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000, help="distinct upload events (default: 1000)")
    parser.add_argument("--fault-rate", type=float, default=0.2, help="share of all requests that fail (default: 0.2)")
    parser.add_argument("--duplicates", type=float, default=0.3, help="share of events delivered more than once (default: 0.3)")
    parser.add_argument("--threads", type=int, default=4, help="invocations running at once, as FC instance concurrency (default: 4)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the plan, duplicates and faults (default: 0)")
    parser.add_argument("--signature", choices=settings_module.SIGNATURE_VERSIONS, default="acs3", help="RDS signature (default: acs3)")
    parser.add_argument("--max-redeliveries", type=int, default=3, help="re-deliveries after RetryInvocation (default: 3)")
    parser.add_argument("--http-timeout", type=float, default=0.25, help="OPENDB_HTTP_TIMEOUT in seconds; injected delays last at least twice as long (default: 0.25)")
    parser.add_argument("--function-timeout", type=float, default=2.0, help="FC function timeout in seconds (default: 2)")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="stop starting invocations after this many seconds (default: 900)")
    parser.add_argument("--log", help="also write the function's log lines to this file")
    args = parser.parse_args(argv)

    if args.events < 1 or args.threads < 1 or args.max_redeliveries < 0:
        parser.error("--events and --threads must be at least 1, --max-redeliveries at least 0")
    if not 0 <= args.fault_rate <= 1 or not 0 <= args.duplicates <= 1:
        parser.error("--fault-rate and --duplicates must be between 0 and 1")
    config = Config(
        events=args.events,
        fault_rate=args.fault_rate,
        duplicates=args.duplicates,
        threads=args.threads,
        seed=args.seed,
        signature=args.signature,
        max_redeliveries=args.max_redeliveries,
        http_timeout=args.http_timeout,
        delay_seconds=max(2 * args.http_timeout, args.http_timeout + 0.1),
        function_timeout=args.function_timeout,
        max_seconds=args.max_seconds,
        log_path=args.log,
    )
    report = run(config)
    print(format_report(report))
    return 1 if report.violations else 0


if __name__ == "__main__":
    sys.exit(main())
