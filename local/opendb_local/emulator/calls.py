"""A thread-safe record of every request the emulator handled, for tests to inspect."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Mapping

# Never recorded: signatures and STS tokens are secrets or derived from them.
SECRET_PARAMETERS = frozenset({"Signature", "SecurityToken", "security-token", "Authorization"})


@dataclass(frozen=True)
class Call:
    """One request and the emulator's response to it.

    ``code`` is the error Code, or None when the request succeeded. ``fault`` is
    the injected fault kind, if any. ``effect`` is True when the action changed
    the state (a PutObject or an open that was not an idempotent replay).
    """

    service: str
    action: str
    parameters: Mapping[str, str]
    status: int
    code: str | None
    request_id: str
    access_key_id: str | None = None
    fault: str | None = None
    effect: bool = False
    timestamp: float = field(default_factory=time.time)


def without_secrets(parameters: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in parameters.items() if name not in SECRET_PARAMETERS}


class CallLog:
    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._lock = threading.Lock()

    def append(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def all(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def find(self, *, service: str | None = None, action: str | None = None) -> list[Call]:
        """Return the calls to ``service`` and ``action`` (either may be None for any), oldest first."""
        return [
            call
            for call in self.all()
            if (service is None or call.service == service) and (action is None or call.action == action)
        ]

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
