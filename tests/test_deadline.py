import types

from fakes import FakeClock

from opendb.deadline import Deadline


def test_from_context_uses_function_timeout_less_margin():
    clock = FakeClock()
    clock.now = 100.0
    context = types.SimpleNamespace(function=types.SimpleNamespace(timeout=60))
    deadline = Deadline.from_context(context, margin=3, started=95.0, clock=clock)
    assert deadline.end == 95.0 + 57
    assert deadline.remaining() == 52.0


def test_from_context_defaults_when_timeout_missing_or_bad():
    clock = FakeClock()
    for context in (types.SimpleNamespace(), types.SimpleNamespace(function=types.SimpleNamespace(timeout="soon"))):
        deadline = Deadline.from_context(context, margin=0, clock=clock, default_timeout=10)
        assert deadline.end == 10


def test_margin_larger_than_timeout_gives_expired_deadline():
    clock = FakeClock()
    deadline = Deadline.from_context(types.SimpleNamespace(function=types.SimpleNamespace(timeout=2)), margin=5, clock=clock)
    assert deadline.expired()
    assert deadline.remaining() == 0.0


def test_allows_and_bound():
    clock = FakeClock()
    deadline = Deadline(10.0, clock)
    assert deadline.allows(9.9)
    assert not deadline.allows(10.0)
    assert deadline.bound(30.0) <= 10.0
    assert deadline.bound(2.0) == 2.0
    clock.sleep(10.0)
    assert deadline.expired()
