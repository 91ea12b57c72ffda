"""Exceptions raised by opendb, with one base class for the whole package.

Every error carries ``retryable``: whether the same work can succeed if it runs
again later. The handler uses it to choose between raising (so that FC retries
the invocation) and reporting a permanent failure.

    OpendbError
    ├── InvalidEvent         permanent: the trigger payload cannot be parsed
    ├── InvalidMetadata      permanent: a metadata value is missing, invalid or conflicting
    ├── NotAllowed           permanent: the request names something outside the allow-lists
    ├── ConfigurationError   permanent: a setting or the credentials are unusable
    ├── ApiError             depends on the API's error Code (see opendb.retry)
    ├── TransportError       retryable: timeout, connection reset, DNS failure
    ├── NotReady             retryable: the migrate task has not restored the backup yet
    ├── DeadlineExceeded     retryable: the invocation ran out of time before finishing
    ├── RetryInvocation      retryable: raised by the handler so that FC retries the invocation
    └── InternalError        permanent: an unexpected exception, which points at a bug
"""

from __future__ import annotations


class OpendbError(Exception):
    """Base class of every error that opendb raises on purpose."""

    retryable: bool = False
    kind: str = "error"

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def log_fields(self) -> dict[str, object]:
        """Fields that describe this error in a log line."""
        return {
            "error": self.message,
            "error_class": type(self).__name__,
            "error_kind": self.kind,
            "retryable": self.retryable,
        }


class InvalidEvent(OpendbError):
    """The trigger payload, or one message in it, is not in any accepted form."""

    kind = "invalid_event"


class InvalidMetadata(OpendbError):
    """An open request is missing a value, or a value is invalid or conflicting."""

    kind = "invalid_metadata"

    def __init__(self, message: str, *, key: str | None = None, value: str | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.value = value

    def log_fields(self) -> dict[str, object]:
        fields = super().log_fields()
        if self.key is not None:
            fields["metadata_key"] = self.key
        if self.value is not None:
            fields["metadata_value"] = self.value
        return fields


class NotAllowed(OpendbError):
    """The request names an instance, bucket or prefix that the allow-lists exclude."""

    kind = "not_allowed"


class ConfigurationError(OpendbError):
    """A setting or the credentials cannot be used as given."""

    kind = "configuration"


class ApiError(OpendbError):
    """An error response from the RDS or OSS API.

    ``retryable`` follows the API's error Code, looked up in ``opendb.retry``.
    """

    kind = "api"

    def __init__(
        self,
        message: str,
        *,
        service: str,
        action: str,
        status_code: int,
        code: str,
        request_id: str | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message, retryable=retryable)
        self.service = service
        self.action = action
        self.status_code = status_code
        self.code = code
        self.request_id = request_id

    def log_fields(self) -> dict[str, object]:
        fields = super().log_fields()
        fields.update(
            service=self.service,
            action=self.action,
            status_code=self.status_code,
            code=self.code,
            api_request_id=self.request_id,
        )
        return fields


class TransportError(OpendbError):
    """The request did not get a response: timeout, connection error or similar."""

    kind = "transport"
    retryable = True

    def __init__(self, message: str, *, service: str, action: str) -> None:
        super().__init__(message)
        self.service = service
        self.action = action

    def log_fields(self) -> dict[str, object]:
        fields = super().log_fields()
        fields.update(service=self.service, action=self.action)
        return fields


class NotReady(OpendbError):
    """The migrate task has not finished restoring the backup that triggered the open."""

    kind = "not_ready"
    retryable = True


class DeadlineExceeded(OpendbError):
    """The invocation's time ran out before the work finished."""

    kind = "deadline"
    retryable = True


class RetryInvocation(OpendbError):
    """Raised by the handler after every record ran, when at least one can succeed later.

    FC then retries the whole invocation. Records that already succeeded are
    safe to repeat because the RDS call carries a deterministic ClientToken.
    """

    kind = "retry_invocation"
    retryable = True


class InternalError(OpendbError):
    """An unexpected exception inside opendb: a bug, reported as a permanent failure."""

    kind = "internal"
