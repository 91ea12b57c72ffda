"""The invocation's deadline: the FC timeout, measured from the invocation's start, less a margin."""

from __future__ import annotations

import time
from typing import Any, Callable


class Deadline:
    """A point in time after which no retry, poll or new request starts."""

    def __init__(self, end: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.end = end
        self.clock = clock

    @classmethod
    def after(cls, seconds: float, clock: Callable[[], float] = time.monotonic) -> "Deadline":
        return cls(clock() + seconds, clock)

    @classmethod
    def from_context(
        cls,
        context: Any,
        *,
        margin: float,
        started: float | None = None,
        default_timeout: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> "Deadline":
        """Build the deadline from ``context.function.timeout`` (seconds).

        ``started`` is the clock reading when the invocation began. The handler
        takes it on entry, which is as close to FC's start as the code can see.
        """
        function = getattr(context, "function", None)
        timeout = getattr(function, "timeout", None)
        try:
            seconds = float(timeout) if timeout is not None else default_timeout
        except (TypeError, ValueError):
            seconds = default_timeout
        begin = clock() if started is None else started
        return cls(begin + max(0.0, seconds - margin), clock)

    def now(self) -> float:
        return self.clock()

    def remaining(self) -> float:
        return max(0.0, self.end - self.clock())

    def expired(self) -> bool:
        return self.clock() >= self.end

    def bound(self, seconds: float) -> float:
        """Return ``seconds``, shortened to the time left before the deadline."""
        return min(seconds, self.remaining())

    def allows(self, seconds: float) -> bool:
        """Return True when ``seconds`` from now is still before the deadline."""
        return self.clock() + seconds < self.end
