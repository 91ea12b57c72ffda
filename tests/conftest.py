"""Suite-wide check: no log line that the tests produce may contain a secret.

Every stream handed to ``opendb.logs.configure`` is wrapped in a tee that
keeps a copy of what is written, and the output pytest captures for each
test is kept too. The AccessKey secrets and STS tokens looked for are
those in local/samples/state.json, those of each emulator state
a test builds, and those the function resolves for an invocation
(``opendb.credentials.resolve``). Credentials that only sign, such as the
random ones of property tests, are left out.

At the end of the session the kept text is scanned for those values and
for signatures and Authorization headers. Each hit is listed under a failed
check named ``tests/conftest.py::log secret scan``, which fails the run.

NOTE: output that a test captures itself (capsys.readouterr, or a
subprocess run with capture_output) is not seen here, unless the test's
logger was configured through ``logs.configure`` in this process.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any, Iterable

import pytest
from opendb_local.emulator.state import State

from opendb import logs
from opendb import credentials as credentials_module
from opendb.credentials import Credentials

# test_log_scan.py runs a leaking session with the pytester fixture to show that it fails.
pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_STATE = ROOT / "local" / "samples" / "state.json"

# The redactor ignores shorter strings, so they may appear as ordinary words.
MIN_SECRET_LENGTH = 8

# Signed values that must never reach a log line, whatever the credentials.
SECRET_PATTERNS = (
    ("a Signature= value", re.compile(r"Signature=(?!\[REDACTED\])[^&\s\"',;\\]+")),
    ("an OSS Authorization header", re.compile(r"\bOSS [A-Za-z0-9.+/=_-]+:[A-Za-z0-9+/]{27}=")),
    ("an ACS3 Authorization header", re.compile(r"ACS3-HMAC-SHA256 Credential=")),
)


class LogCollector:
    """Text written to log streams and captured from tests, and the secrets to look for in it."""

    def __init__(self) -> None:
        self._chunks: list[tuple[str, str]] = []
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add_text(self, origin: str, text: str) -> None:
        with self._lock:
            self._chunks.append((origin, text))

    def add_secrets(self, *values: Any) -> None:
        with self._lock:
            for value in values:
                if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
                    self._secrets.add(value)

    def secrets(self) -> set[str]:
        with self._lock:
            return set(self._secrets)

    def lines(self) -> list[tuple[str, str]]:
        """Return (origin, line) pairs; chunks from one origin are joined first, since a write may hold part of a line."""
        with self._lock:
            chunks = list(self._chunks)
        joined: dict[str, list[str]] = {}
        for origin, text in chunks:
            joined.setdefault(origin, []).append(text)
        return [(origin, line) for origin, parts in joined.items() for line in "".join(parts).splitlines()]

    def discard(self, origin: str) -> None:
        with self._lock:
            self._chunks = [(kept, text) for kept, text in self._chunks if kept != origin]


def find_leaks(lines: Iterable[tuple[str, str]], secrets: Iterable[str]) -> list[str]:
    """Describe each line that contains a secret or a signed value, without repeating the value."""
    ordered = sorted(set(secrets), key=len, reverse=True)
    leaks = []
    for origin, line in lines:
        for secret in ordered:
            if secret in line:
                leaks.append(f"{origin}: a registered secret ({len(secret)} characters, starts {secret[:3]!r}): {_mask(line, ordered)}")
        for name, pattern in SECRET_PATTERNS:
            if pattern.search(line):
                leaks.append(f"{origin}: {name}: {_mask(line, ordered)}")
    return leaks


def _mask(line: str, secrets: list[str]) -> str:
    for secret in secrets:
        line = line.replace(secret, "<secret>")
    for _, pattern in SECRET_PATTERNS:
        line = pattern.sub("<signed value>", line)
    return line[:300]


class TeeStream:
    """Write to ``target`` and keep a copy in the collector."""

    def __init__(self, target: Any, collector: LogCollector, origin: str) -> None:
        self.target = target
        self.collector = collector
        self.origin = origin

    def write(self, text: str) -> int:
        self.collector.add_text(self.origin, text)
        return self.target.write(text)

    def flush(self) -> None:
        flush = getattr(self.target, "flush", None)
        if flush is not None:
            flush()


COLLECTOR = LogCollector()
_current_test = ["session"]


def _install() -> None:
    original_configure = logs.configure

    def configure(level: str = "info", stream: Any = None) -> None:
        target = stream if stream is not None else logs.StandardStream()
        original_configure(level, stream=TeeStream(target, COLLECTOR, _current_test[0]))

    configure.__doc__ = original_configure.__doc__
    logs.configure = configure

    original_resolve = credentials_module.resolve

    def resolve(*args: Any, **kwargs: Any) -> Credentials:
        resolved = original_resolve(*args, **kwargs)
        COLLECTOR.add_secrets(resolved.access_key_secret, resolved.security_token)
        return resolved

    credentials_module.resolve = resolve

    original_from_dict = State.from_dict.__func__  # type: ignore[attr-defined]

    def register_state(cls: type[State], data: Any) -> State:
        state = original_from_dict(cls, data)
        for key in state.access_keys.values():
            COLLECTOR.add_secrets(key.secret, key.security_token)
        return state

    State.from_dict = classmethod(register_state)  # type: ignore[method-assign]

    sample = json.loads(SAMPLE_STATE.read_text(encoding="utf-8"))
    for entry in sample.get("AccessKeys", {}).values():
        COLLECTOR.add_secrets(entry.get("AccessKeySecret"), entry.get("SecurityToken"))

    # Loggers configured before this point (at import) go through the tee as well.
    logs.configure()


_install()


@pytest.fixture
def log_collector() -> LogCollector:
    """The suite's collector, for tests of the scan itself."""
    return COLLECTOR


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any):
    _current_test[0] = item.nodeid
    yield
    _current_test[0] = "session"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for title, text in report.sections:
        if title.startswith("Captured std"):
            COLLECTOR.add_text(f"{report.nodeid} ({title})", text)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    leaks = find_leaks(COLLECTOR.lines(), COLLECTOR.secrets())
    if not leaks:
        return
    report = pytest.TestReport(
        nodeid="tests/conftest.py::log secret scan",
        location=("tests/conftest.py", 0, "log secret scan"),
        keywords={},
        outcome="failed",
        longrepr=f"{len(leaks)} log lines contain secrets:\n" + "\n".join(leaks[:50]),
        when="call",
    )
    session.config.hook.pytest_runtest_logreport(report=report)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
