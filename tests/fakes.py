"""Test doubles shared by several test modules."""


class FakeClock:
    """A monotonic clock that moves only when ``sleep`` is called, so waits cost no real time."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds
