"""Turn one notice into one outcome: resolve the request, check readiness, open.

Every path ends in an Outcome. Errors are classified and logged once with
their fields, and none escapes, so one bad message cannot stop the rest of a
batch.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Mapping

from . import metadata as meta
from . import readiness
from .credentials import Credentials
from .deadline import Deadline
from .errors import ApiError, InternalError, InvalidEvent, InvalidMetadata, NotAllowed, NotReady, OpendbError
from .notices import Notice
from .oss import OssClient
from .outcomes import FAILED, OPENED, REJECTED, SKIPPED, Outcome
from .rds import RdsClient
from .retry import Backoff, run_with_retries
from .settings import Settings

_REJECTED_ERRORS = (InvalidEvent, InvalidMetadata, NotAllowed)
_DIRECT_NAMES = frozenset(meta.METADATA_KEYS)


class Opener:
    """Process notices for one invocation with shared clients, credentials and deadline."""

    def __init__(
        self,
        settings: Settings,
        rds: RdsClient,
        oss: OssClient,
        credentials: Credentials,
        deadline: Deadline,
        log: Any,
        *,
        backoff: Backoff | None = None,
        poll: Backoff | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.rds = rds
        self.oss = oss
        self.credentials = credentials
        self.deadline = deadline
        self.log = log
        self.backoff = backoff or Backoff()
        self.poll = poll or Backoff(base=1.0, cap=10.0, max_attempts=1000)
        self.sleep = sleep
        self._key_pattern = meta.KeyPattern(settings.key_pattern) if settings.key_pattern else None

    # -- the steps ---------------------------------------------------------

    def process(self, notice: Notice) -> Outcome:
        """Return the outcome of one notice.

        Every exception, including a bug's, becomes a failed or rejected outcome
        here, so that one bad message cannot stop the rest of a batch.
        """
        log = self.log.bind(**notice.log_fields())
        outcome = Outcome(status=FAILED, notice=notice.label, source=notice.source, object=_object_dict(notice))
        try:
            self._process(notice, outcome, log)
        except _REJECTED_ERRORS as error:
            outcome.status = REJECTED
            outcome.error = error
            log.error("Notice rejected: " + error.message, step="outcome", outcome=REJECTED, **error.log_fields())
        except OpendbError as error:
            outcome.status = FAILED
            outcome.error = error
            log.error("Open failed: " + error.message, step="outcome", outcome=FAILED, **error.log_fields())
        except Exception as error:  # noqa: BLE001 - a bug must become an outcome, not stop the batch
            wrapped = InternalError(f"internal error: {type(error).__name__}: {error}")
            outcome.status = FAILED
            outcome.error = wrapped
            log.exception("Open failed with an unexpected error", step="outcome", outcome=FAILED, **wrapped.log_fields())
        return outcome

    def _process(self, notice: Notice, outcome: Outcome, log: Any) -> None:
        if notice.error is not None:
            raise notice.error
        if notice.skip_reason is not None:
            outcome.status = SKIPPED
            outcome.reason = notice.skip_reason
            log.info("Notice skipped: " + notice.skip_reason, step="outcome", outcome=SKIPPED)
            return

        request = self.resolve(notice, log)
        if request is None:
            outcome.status = SKIPPED
            outcome.reason = "no opendb metadata: the object names no instance, database or migrate task"
            log.info("Notice skipped: " + outcome.reason, step="outcome", outcome=SKIPPED)
            return

        outcome.parameters = request.api_parameters()
        outcome.details["clientToken"] = request.client_token
        log = log.bind(
            DBInstanceId=request.db_instance_id,
            DBName=request.db_name,
            MigrateTaskId=request.migrate_task_id,
            client_token=request.client_token,
        )
        log.info("Open request resolved", step="resolve", sources=dict(request.sources), CheckDBMode=request.check_db_mode)

        before = self.wait_until_ready(request, log) if self.settings.readiness_check else None
        response = self.open(request, log)
        outcome.rds_request_id = response.get("RequestId")
        outcome.status = OPENED
        if self.settings.readiness_check:
            outcome.details["taskStatus"] = self.watch_after_open(request, before, log)
        log.info("Database opened", step="outcome", outcome=OPENED, rds_request_id=outcome.rds_request_id)

    def resolve(self, notice: Notice, log: Any) -> meta.OpenRequest | None:
        """Gather the parameter sources in precedence order and build the request, or None to skip."""
        sources: list[tuple[str, Mapping[str, str]]] = []

        if notice.parameters is not None:
            unknown = sorted(set(notice.parameters) - _DIRECT_NAMES)
            if unknown:
                raise InvalidMetadata(
                    f"unknown parameter {unknown[0]!r}; accepted: {', '.join(sorted(_DIRECT_NAMES))}",
                    key=unknown[0],
                )
            sources.append(("direct parameters", {k: str(v).strip() for k, v in notice.parameters.items()}))

        if notice.metadata is not None:
            sources.append(("event metadata", meta.from_metadata(meta.normalize_metadata(notice.metadata))))
        elif notice.object is not None:
            head = self._with_retries(
                lambda: self.oss.head_object(notice.object, self.credentials, deadline=self.deadline), log, "HeadObject"
            )
            log.debug("Object metadata read with HeadObject", step="head_object", metadata_keys=sorted(head))
            sources.append(("HeadObject metadata", meta.from_metadata(head)))

        if self._key_pattern is not None and notice.object is not None:
            matched = self._key_pattern.match(notice.object.key)
            if matched:
                sources.append(("key pattern", matched))

        if not any(parameters for _, parameters in sources):
            return None
        return meta.build_request(sources, self.settings, notice.object)

    def wait_until_ready(self, request: meta.OpenRequest, log: Any) -> str | None:
        """Poll until the migrate task (and the triggering backup file) is restored.

        Returns the task status seen when ready. Raises NotReady when time runs
        out first, and ApiError when the task failed.
        """
        attempt = 0
        while True:
            check_started = self.deadline.now()
            verdict, status = self._check_ready(request, log)
            check_seconds = self.deadline.now() - check_started
            log.info("Readiness checked: " + verdict.reason, step="readiness", ready=verdict.ready, task_status=status)
            if verdict.ready:
                return status
            if verdict.state == "failed":
                raise ApiError(
                    f"cannot open: {verdict.reason}",
                    service="rds", action="DescribeMigrateTaskById", status_code=200, code="MigrateTaskFailed",
                )
            wait = self.poll.delay(attempt)
            # Requests end at the deadline, so a check that cannot finish by then would only time out.
            if not self.deadline.allows(wait + check_seconds):
                raise NotReady(f"not ready before the function's deadline: {verdict.reason}")
            self.sleep(wait)
            attempt += 1

    def _check_ready(self, request: meta.OpenRequest, log: Any) -> tuple[readiness.Verdict, str | None]:
        task = self._call("DescribeMigrateTaskById", request.task_parameters(), log)
        status = task.get("Status")
        verdict = readiness.judge_task(status)
        if not verdict.ready or request.object is None or not readiness.is_backup_file(request.object.key):
            return verdict, status

        try:
            downloads = self._call("DescribeOssDownloads", request.task_parameters(), log)
        except ApiError as error:
            if error.code in readiness.UNSUPPORTED_CODES:
                log.warning(
                    "DescribeOssDownloads is not supported for this instance; relying on the task status alone",
                    step="readiness", code=error.code,
                )
                return verdict, status
            raise
        return readiness.judge_file(request.object.key, readiness.download_items(downloads)), status

    def open(self, request: meta.OpenRequest, log: Any) -> dict:
        parameters = request.api_parameters()
        parameters["ClientToken"] = request.client_token
        log.info("Calling CreateOnlineDatabaseTask", step="open", CheckDBMode=request.check_db_mode)
        return self._call("CreateOnlineDatabaseTask", parameters, log)

    def watch_after_open(self, request: meta.OpenRequest, before: str | None, log: Any) -> str | None:
        """Poll the task until its status changes from ``before`` or time runs out; return the last status."""
        status = before
        attempt = 0
        watch = Deadline(min(self.deadline.end, self.deadline.now() + self.settings.after_open_wait), self.deadline.clock)
        while True:
            wait = self.poll.delay(attempt)
            if not watch.allows(wait):
                break
            self.sleep(wait)
            attempt += 1
            try:
                task = self._call("DescribeMigrateTaskById", request.task_parameters(), log)
            except OpendbError as error:
                # The open already succeeded; a failed status read must not turn it into a failure.
                log.warning("Task status after the open could not be read", step="after_open", **error.log_fields())
                break
            status = task.get("Status")
            if status != before:
                break
        log.info("Task status after the open", step="after_open", task_status=status, changed=status != before)
        return status

    # -- plumbing ----------------------------------------------------------

    def _call(self, action: str, parameters: Mapping[str, str], log: Any) -> dict:
        response = self._with_retries(
            lambda: self.rds.call(action, parameters, self.credentials, deadline=self.deadline), log, action
        )
        log.debug("RDS call succeeded", step="rds", action=action, rds_request_id=response.get("RequestId"))
        return response

    def _with_retries(self, call: Callable[[], Any], log: Any, action: str) -> Any:
        def on_retry(error: OpendbError, attempt: int, wait: float) -> None:
            log.warning(
                f"{action} failed, retrying in {wait:.2f} s",
                step="retry", attempt=attempt, wait_seconds=round(wait, 3), **error.log_fields(),
            )

        return run_with_retries(call, deadline=self.deadline, backoff=self.backoff, on_retry=on_retry, sleep=self.sleep)


def _object_dict(notice: Notice) -> dict[str, str] | None:
    if notice.object is None:
        return None
    found = {"bucket": notice.object.bucket, "key": notice.object.key}
    if notice.object.etag:
        found["eTag"] = notice.object.etag
    return found
