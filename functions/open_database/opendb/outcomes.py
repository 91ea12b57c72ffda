"""Outcomes: what happened to each notice, and the handler's raise decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from .errors import OpendbError

OPENED = "opened"
SKIPPED = "skipped"
REJECTED = "rejected"
FAILED = "failed"


@dataclass
class Outcome:
    """The result of one notice, as reported in the handler's result."""

    status: str
    notice: str
    source: str
    parameters: dict[str, str] | None = None
    object: dict[str, str] | None = None
    rds_request_id: str | None = None
    reason: str | None = None
    error: OpendbError | None = None
    details: dict[str, object] = field(default_factory=dict)

    @property
    def retryable(self) -> bool:
        return self.status == FAILED and self.error is not None and self.error.retryable

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-serialisable form for the handler's result."""
        result: dict[str, object] = {
            "outcome": self.status,
            "notice": self.notice,
            "source": self.source,
            "parameters": self.parameters,
            "object": self.object,
            "rdsRequestId": self.rds_request_id,
        }
        if self.reason is not None:
            result["reason"] = self.reason
        if self.error is not None:
            result["error"] = {
                "class": type(self.error).__name__,
                "message": self.error.message,
                "retryable": self.error.retryable,
            }
            code = getattr(self.error, "code", None)
            if code:
                result["error"]["code"] = code
        result.update(self.details)
        return result


def needs_retry(outcomes: Iterable[Outcome]) -> bool:
    """Return True when any outcome failed in a way that can succeed later."""
    return any(outcome.retryable for outcome in outcomes)
