from opendb import errors


def test_retryable_classes_default_to_retry():
    assert errors.TransportError("reset", service="rds", action="X").retryable
    assert errors.NotReady("task running").retryable
    assert errors.DeadlineExceeded("out of time").retryable


def test_permanent_classes_default_to_no_retry():
    assert not errors.InvalidEvent("bad").retryable
    assert not errors.InvalidMetadata("bad", key="k", value="v").retryable
    assert not errors.NotAllowed("no").retryable
    assert not errors.ConfigurationError("no").retryable


def test_api_error_log_fields_carry_code():
    error = errors.ApiError(
        "throttled", service="rds", action="CreateOnlineDatabaseTask",
        status_code=400, code="Throttling", request_id="R1", retryable=True,
    )
    fields = error.log_fields()
    assert fields["code"] == "Throttling"
    assert fields["api_request_id"] == "R1"
    assert fields["retryable"] is True
