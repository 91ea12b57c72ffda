"""Retry decisions for API failures, and the backoff between attempts.

The decision follows the API's error Code first, because RDS sends throttling
as HTTP 400 as well as 429, and only then the HTTP status.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Callable, TypeVar

from .deadline import Deadline
from .errors import ApiError, DeadlineExceeded, OpendbError

T = TypeVar("T")


@dataclass(frozen=True)
class Rule:
    retryable: bool
    reason: str


# Error Code -> whether a later attempt can succeed, and why.
CODES: dict[str, Rule] = {
    # Load and availability: the same request succeeds once the load passes.
    "Throttling": Rule(True, "request rate above the API's limit"),
    "Throttling.User": Rule(True, "request rate above the account's limit"),
    "Throttling.Api": Rule(True, "request rate above the API's limit"),
    "Throttling.API": Rule(True, "request rate above the API's limit"),
    "ServiceUnavailable": Rule(True, "the service is temporarily unavailable"),
    "ServiceBusy": Rule(True, "the service is temporarily overloaded"),
    "InternalError": Rule(True, "a server-side fault, not caused by the request"),
    "UnknownError": Rule(True, "a server-side fault, not caused by the request"),
    "RequestTimeout": Rule(True, "the server timed out reading the request"),
    "SlowDown": Rule(True, "OSS asks the client to lower its request rate"),
    # State that changes by itself.
    "IncorrectDBInstanceState": Rule(True, "the instance is busy with another task and accepts the open after it"),
    "OperationDenied.DBInstanceStatus": Rule(True, "the instance is busy with another task and accepts the open after it"),
    "TaskConflict": Rule(True, "another task runs on the instance; it accepts the open after that task"),
    # Each attempt signs with a new nonce, so a reused nonce is a coincidence.
    "SignatureNonceUsed": Rule(True, "the nonce was used before; the next attempt signs with a new one"),
    # FC hands every invocation fresh STS credentials, so a retried invocation signs with a valid token.
    "InvalidSecurityToken.Expired": Rule(True, "the STS token expired; a retried invocation gets fresh credentials"),
    "SecurityTokenExpired": Rule(True, "the STS token expired; a retried invocation gets fresh credentials"),
    # The request itself is wrong: repeating it gets the same error.
    "SignatureDoesNotMatch": Rule(False, "the signature is wrong, which points at the AccessKey secret or a signing bug"),
    "IncompleteSignature": Rule(False, "the request lacks a signature parameter, which points at a signing bug"),
    "InvalidTimeStamp.Expired": Rule(False, "the clock differs from the server's by more than 15 minutes"),
    "InvalidTimeStamp.Format": Rule(False, "the Timestamp is malformed, which points at a signing bug"),
    "InvalidAccessKeyId.NotFound": Rule(False, "the AccessKey ID does not exist"),
    "InvalidAccessKeyId.Inactive": Rule(False, "the AccessKey is disabled"),
    "InvalidAccessKeyId": Rule(False, "the AccessKey ID does not exist"),
    "InvalidSecurityToken.Malformed": Rule(False, "the STS token is malformed"),
    "InvalidSecurityToken.MismatchWithAccessKey": Rule(False, "the STS token belongs to another AccessKey"),
    "InvalidSecurityToken": Rule(False, "the STS token is not valid"),
    "Forbidden.RAM": Rule(False, "the role lacks the RAM permission for this action"),
    "Forbidden": Rule(False, "the caller may not perform this action"),
    "NoPermission": Rule(False, "the role lacks a permission this action needs"),
    "AccessDenied": Rule(False, "the role may not access this resource"),
    "MissingParameter": Rule(False, "a required parameter is missing"),
    "InvalidParameter": Rule(False, "a parameter value is invalid"),
    "InvalidDBInstanceId.NotFound": Rule(False, "the instance does not exist in this region"),
    "InvalidDBName.NotFound": Rule(False, "the database does not exist on the instance"),
    "InvalidMigrateTaskId.NotFound": Rule(False, "the migrate task does not exist"),
    "IdempotentParameterMismatch": Rule(False, "the ClientToken was used before with other parameters"),
    "NoSuchKey": Rule(False, "the object no longer exists"),
    "NoSuchBucket": Rule(False, "the bucket does not exist"),
    "RequestTimeTooSkewed": Rule(False, "the clock differs from the server's by more than 15 minutes"),
}


def classify(code: str, status_code: int) -> Rule:
    """Return the rule for an error Code, falling back on the HTTP status for unknown codes."""
    rule = CODES.get(code)
    if rule is not None:
        return rule
    if status_code == 429:
        return Rule(True, f"HTTP 429 with unlisted code {code!r}: throttled")
    if status_code >= 500:
        return Rule(True, f"HTTP {status_code} with unlisted code {code!r}: a server-side fault")
    return Rule(False, f"HTTP {status_code} with unlisted code {code!r}: the request was rejected")


def api_error(
    message: str, *, service: str, action: str, status_code: int, code: str, request_id: str | None = None
) -> ApiError:
    """Build an ApiError for an error response, classified by ``classify``.

    The rule's reason is appended to the message, so the log says why the
    error is or is not retried.
    """
    rule = classify(code, status_code)
    return ApiError(
        f"{message} ({rule.reason})",
        service=service,
        action=action,
        status_code=status_code,
        code=code,
        request_id=request_id,
        retryable=rule.retryable,
    )


@dataclass
class Backoff:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base * 2**n))."""

    base: float = 0.2
    cap: float = 5.0
    max_attempts: int = 6
    rng: random.Random | None = None

    def delay(self, attempt: int) -> float:
        rng = self.rng or random
        return rng.uniform(0, min(self.cap, self.base * (2**attempt)))


def run_with_retries(
    call: Callable[[], T],
    *,
    deadline: Deadline,
    backoff: Backoff,
    on_retry: Callable[[OpendbError, int, float], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``call`` until it succeeds, fails permanently, or the deadline leaves no room.

    A retryable error is raised as it is when the attempts run out or the next
    wait would pass the deadline, so the caller still sees what failed.
    """
    attempt = 0
    while True:
        if deadline.expired():
            raise DeadlineExceeded(f"no time left before the function's deadline (attempt {attempt + 1})")
        try:
            return call()
        except OpendbError as error:
            if not error.retryable or attempt + 1 >= backoff.max_attempts:
                raise
            wait = backoff.delay(attempt)
            if not deadline.allows(wait):
                raise
            if on_retry is not None:
                on_retry(error, attempt + 1, wait)
            sleep(wait)
            attempt += 1
