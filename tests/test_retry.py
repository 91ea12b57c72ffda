import random

import pytest

from opendb import retry
from opendb.deadline import Deadline
from opendb.errors import ApiError, DeadlineExceeded, TransportError
from fakes import FakeClock



@pytest.mark.parametrize(
    ("code", "status", "retryable"),
    [
        ("Throttling.User", 400, True),
        ("Throttling", 429, True),
        ("ServiceUnavailable", 503, True),
        ("InternalError", 500, True),
        ("SignatureNonceUsed", 400, True),
        ("InvalidSecurityToken.Expired", 400, True),
        ("SignatureDoesNotMatch", 400, False),
        ("Forbidden.RAM", 403, False),
        ("InvalidParameter", 400, False),
        ("IdempotentParameterMismatch", 400, False),
        ("SomethingNew", 502, True),
        ("SomethingNew", 429, True),
        ("SomethingNew", 400, False),
    ],
)
def test_classify(code, status, retryable):
    rule = retry.classify(code, status)
    assert rule.retryable is retryable
    assert rule.reason


def test_every_rule_has_reason():
    for code, rule in retry.CODES.items():
        assert rule.reason, code


def test_backoff_full_jitter_bounds():
    backoff = retry.Backoff(base=0.5, cap=4.0, rng=random.Random(7))
    for attempt in range(10):
        ceiling = min(4.0, 0.5 * 2**attempt)
        for _ in range(50):
            assert 0 <= backoff.delay(attempt) <= ceiling


def _api_error(code, retryable):
    return ApiError("x", service="rds", action="A", status_code=400, code=code, retryable=retryable)


def test_run_retries_until_success():
    clock = FakeClock()
    calls = []

    def call():
        calls.append(clock.now)
        if len(calls) < 3:
            raise _api_error("Throttling", True)
        return "ok"

    seen = []
    result = retry.run_with_retries(
        call,
        deadline=Deadline(100, clock),
        backoff=retry.Backoff(rng=random.Random(1)),
        on_retry=lambda error, attempt, wait: seen.append(attempt),
        sleep=clock.sleep,
    )
    assert result == "ok"
    assert len(calls) == 3
    assert seen == [1, 2]


def test_run_stops_on_permanent_error():
    clock = FakeClock()
    calls = []

    def call():
        calls.append(1)
        raise _api_error("SignatureDoesNotMatch", False)

    with pytest.raises(ApiError):
        retry.run_with_retries(call, deadline=Deadline(100, clock), backoff=retry.Backoff(), sleep=clock.sleep)
    assert len(calls) == 1


def test_run_never_sleeps_past_deadline():
    clock = FakeClock()

    def call():
        raise TransportError("reset", service="rds", action="A")

    with pytest.raises(TransportError):
        retry.run_with_retries(
            call,
            deadline=Deadline(3.0, clock),
            backoff=retry.Backoff(base=1.0, cap=100, max_attempts=100, rng=random.Random(3)),
            sleep=clock.sleep,
        )
    assert clock.now < 3.0


def test_run_raises_deadline_when_already_expired():
    clock = FakeClock()
    clock.now = 10
    with pytest.raises(DeadlineExceeded):
        retry.run_with_retries(lambda: "ok", deadline=Deadline(5, clock), backoff=retry.Backoff(), sleep=clock.sleep)
