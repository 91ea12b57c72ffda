"""Fault injection: seeded random failures and scripted sequences, applied before an action runs."""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass, field, fields

# Each kind, in the order in which one random draw is split between the rates.
FAULT_KINDS = (
    "throttling",  # RDS: 400 Throttling.User. OSS has no throttling code, so it gets a 503.
    "throttling_429",  # RDS: 429 Throttling.User with Retry-After. OSS: 503.
    "unavailable",  # 503 ServiceUnavailable
    "internal_error",  # 500 InternalError
    "html_body",  # a gateway's HTML error page, status html_status
    "empty_body",  # no body at all, status empty_body_status
    "delay",  # wait delay_seconds, then handle the request normally
    "drop",  # close the connection before the action runs
    "lost_response",  # run the action, then close the connection without a response
)
NO_FAULT = "none"


@dataclass
class Faults:
    """Per-kind probabilities (0 to 1, summing to at most 1) drawn from a seeded generator.

    Only requests to ``services`` (and to ``actions``, when set) draw a fault.
    Kinds queued with ``push`` are used first, one per matching request, before
    any random draw; ``"none"`` in the queue lets one request through.
    """

    seed: int = 0
    throttling: float = 0.0
    throttling_429: float = 0.0
    unavailable: float = 0.0
    internal_error: float = 0.0
    html_body: float = 0.0
    empty_body: float = 0.0
    delay: float = 0.0
    drop: float = 0.0
    lost_response: float = 0.0
    services: frozenset[str] = frozenset({"rds", "oss"})
    actions: frozenset[str] | None = None
    delay_seconds: float = 30.0
    retry_after_seconds: int = 1
    html_status: int = 502
    empty_body_status: int = 500
    _random: random.Random = field(init=False, repr=False)
    _queue: deque[str] = field(init=False, repr=False, default_factory=deque)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        total = 0.0
        for kind in FAULT_KINDS:
            rate = getattr(self, kind)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault rate {kind}={rate} must be between 0 and 1")
            total += rate
        if total > 1.0 + 1e-9:
            raise ValueError(f"fault rates add up to {total:.3f}; their sum must be at most 1")
        self.services = frozenset(self.services)
        if self.actions is not None:
            self.actions = frozenset(self.actions)
        self._random = random.Random(self.seed)

    @classmethod
    def from_spec(cls, spec: str, *, seed: int = 0) -> Faults:
        """Parse ``"throttling=0.1,delay=0.05,delay_seconds=2"`` as given on a command line."""
        known = {item.name for item in fields(cls) if not item.name.startswith("_")}
        values: dict[str, object] = {"seed": seed}
        for part in filter(None, (piece.strip() for piece in spec.split(","))):
            name, separator, text = part.partition("=")
            if not separator or name not in known or name in {"services", "actions", "seed"}:
                raise ValueError(f"invalid fault setting {part!r}; expected NAME=NUMBER with NAME one of {', '.join(FAULT_KINDS)}")
            number = float(text)
            values[name] = int(number) if name in {"retry_after_seconds", "html_status", "empty_body_status"} else number
        return cls(**values)  # type: ignore[arg-type]

    def push(self, *kinds: str) -> None:
        """Queue faults for the next matching requests, in order."""
        for kind in kinds:
            if kind not in FAULT_KINDS and kind != NO_FAULT:
                raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(FAULT_KINDS)} or none")
        with self._lock:
            self._queue.extend(kinds)

    def choose(self, service: str, action: str) -> str | None:
        """Return the fault kind for this request, or None to handle it normally."""
        if service not in self.services:
            return None
        if self.actions is not None and action not in self.actions:
            return None
        with self._lock:
            if self._queue:
                kind = self._queue.popleft()
                return None if kind == NO_FAULT else kind
            draw = self._random.random()
        threshold = 0.0
        for kind in FAULT_KINDS:
            threshold += getattr(self, kind)
            if draw < threshold:
                return kind
        return None
