"""The function's lifecycle: set up once per instance, then handle each invocation.

FC calls ``initializer`` once when an instance starts and ``handler`` for every
event. An instance may run several invocations at once in threads, so
per-invocation state lives only in the contextvars copy that each one runs in.
"""

from __future__ import annotations

import contextvars
import threading
import time
from typing import Any

import httpx
import structlog

from . import credentials as creds
from . import logs, settings as settings_module
from .deadline import Deadline
from .errors import ConfigurationError, RetryInvocation
from .events import parse_event
from .failures import FailureRecorder, needs_record
from .notices import Notice
from .opener import Opener
from .oss import OssClient
from .outcomes import FAILED, Outcome, needs_retry
from .rds import RdsClient


class Application:
    """Settings and HTTP clients shared by every invocation in one instance."""

    def __init__(self, settings: settings_module.Settings, http: httpx.Client | None = None) -> None:
        self.settings = settings
        self.http = http or httpx.Client(timeout=settings.http_timeout, follow_redirects=False, trust_env=False)
        self.rds = RdsClient(
            self.http, settings.rds_endpoint, signature_version=settings.signature_version, timeout=settings.http_timeout
        )
        self.oss = OssClient(self.http, settings)

    def handle(self, event: Any, context: Any, *, started: float | None = None, **opener_options: Any) -> dict:
        """Process every notice in ``event``; raise RetryInvocation when any can succeed later."""
        started = time.monotonic() if started is None else started
        return contextvars.copy_context().run(self._handle, event, context, started, opener_options)

    def _handle(self, event: Any, context: Any, started: float, opener_options: dict) -> dict:
        structlog.contextvars.clear_contextvars()
        request_id = getattr(context, "request_id", None)
        structlog.contextvars.bind_contextvars(fc_request_id=request_id, trace_id=logs.trace_id_from(context))
        log = logs.get_logger()

        notices = parse_event(event)
        log.info("Invocation started", step="start", notices=len(notices), event_bytes=_size(event))

        outcomes = self._process_all(event, notices, context, started, log, opener_options)

        summary: dict[str, int] = {}
        for outcome in outcomes:
            summary[outcome.status] = summary.get(outcome.status, 0) + 1
        result = {"requestId": request_id, "summary": summary, "records": [o.to_dict() for o in outcomes]}

        # A permanent failure whose record could not be written would leave only a log line behind.
        # So it is retried too, and FC's next attempt writes the record or its last one hands the
        # event to the function's asynchronous failure destination.
        unrecorded = [
            o for o in outcomes if self.settings.failure_bucket and needs_record(o) and "failureRecord" not in o.details
        ]
        if needs_retry(outcomes) or unrecorded:
            retryable = [o.notice for o in outcomes if o.retryable or any(o is u for u in unrecorded)]
            log.error(
                "Invocation failed: some records can succeed later or lack their failure record, raising so that FC retries",
                step="finish", summary=summary, retry_records=retryable,
            )
            error = RetryInvocation(
                f"{len(retryable)} of {len(outcomes)} records failed in a way that can succeed later "
                "or could not be recorded: " + ", ".join(retryable[:10])
            )
            error.result = result  # type: ignore[attr-defined]
            raise error
        log.info("Invocation finished", step="finish", summary=summary)
        return result

    def _process_all(
        self, event: Any, notices: list[Notice], context: Any, started: float, log: Any, options: dict
    ) -> list[Outcome]:
        try:
            credentials = creds.resolve(context)
        except ConfigurationError as error:
            log.error("No credentials: " + error.message, step="credentials", **error.log_fields())
            return [_failed(notice, error) for notice in notices]
        logs.redactor.add(credentials.access_key_secret, credentials.security_token)

        deadline = Deadline.from_context(context, margin=self.settings.deadline_margin, started=started)
        opener = Opener(self.settings, self.rds, self.oss, credentials, deadline, log, **options)
        recorder = FailureRecorder(
            self.oss, self.settings.failure_bucket, self.settings.failure_prefix, credentials, deadline, log
        )
        fc_request_id = getattr(context, "request_id", None)

        outcomes = []
        for index, notice in enumerate(notices):
            outcome = opener.process(notice)
            if needs_record(outcome):
                key = recorder.record(notice, outcome, index, event, fc_request_id)
                if key is not None:
                    outcome.details["failureRecord"] = f"oss://{self.settings.failure_bucket}/{key}"
            outcomes.append(outcome)
        return outcomes


def _failed(notice: Notice, error: Exception) -> Outcome:
    return Outcome(status=FAILED, notice=notice.label, source=notice.source, error=error)  # type: ignore[arg-type]


def _size(event: Any) -> int | None:
    if isinstance(event, (bytes, bytearray, str)):
        return len(event)
    return None


_lock = threading.Lock()
_application: Application | None = None


def initialize(context: Any = None) -> Application:
    """Configure logging, read settings and create the HTTP client, once per instance."""
    global _application
    with _lock:
        if _application is None:
            region = getattr(context, "region", None) if context is not None else None
            settings = settings_module.load(region=region)
            logs.configure(settings.log_level)
            _application = Application(settings)
            logs.get_logger().info(
                "Instance initialized",
                step="initialize",
                region=settings.region,
                rds_endpoint=settings.rds_endpoint,
                oss_endpoint=settings.oss_endpoint,
                signature_version=settings.signature_version,
            )
        return _application


def reset() -> None:
    """Forget the instance's application, so the next call initializes again (tests, the local shim)."""
    global _application
    with _lock:
        if _application is not None:
            _application.http.close()
        _application = None


def handle(event: Any, context: Any) -> dict:
    """Handle one FC invocation, initializing the instance first if FC did not."""
    started = time.monotonic()
    try:
        application = initialize(context)
    except ConfigurationError as error:
        logs.configure()
        logs.get_logger().error("Configuration invalid: " + error.message, step="initialize", **error.log_fields())
        raise
    return application.handle(event, context, started=started)


__all__ = ["Application", "initialize", "handle", "reset"]
