import json

from opendb.errors import ApiError, InvalidMetadata, NotReady
from opendb.outcomes import Outcome, needs_retry


def test_to_dict_is_json_and_carries_error_code():
    error = ApiError("denied", service="rds", action="A", status_code=403, code="Forbidden.RAM")
    outcome = Outcome("failed", "n1", "oss", parameters={"DBName": "A"}, error=error, details={"clientToken": "t"})
    data = json.loads(json.dumps(outcome.to_dict()))
    assert data["outcome"] == "failed"
    assert data["error"] == {"class": "ApiError", "message": "denied", "retryable": False, "code": "Forbidden.RAM"}
    assert data["clientToken"] == "t"


def test_retryable_only_for_failed_with_retryable_error():
    assert Outcome("failed", "n", "oss", error=NotReady("wait")).retryable
    assert not Outcome("failed", "n", "oss", error=InvalidMetadata("bad")).retryable
    assert not Outcome("rejected", "n", "oss", error=NotReady("wait")).retryable
    assert not Outcome("opened", "n", "oss").retryable


def test_needs_retry_any():
    opened = Outcome("opened", "a", "oss")
    waiting = Outcome("failed", "b", "oss", error=NotReady("wait"))
    assert needs_retry([opened, waiting])
    assert not needs_retry([opened])
    assert not needs_retry([])
