"""Structured logging: one JSON object per line on stdout, with secrets removed.

Per-invocation fields (FC request id, trace id) live in structlog's context
variables. The handler runs each invocation in a copy of the current
contextvars context, so invocations that run concurrently in one instance
never see each other's fields.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
import threading
from typing import Any, MutableMapping

import structlog

REDACTED = "[REDACTED]"

# Field names whose values are always secret, compared in lower case with
# "-" and "_" removed.
_SECRET_NAMES = frozenset(
    {
        "accesskeysecret",
        "secret",
        "securitytoken",
        "xosssecuritytoken",
        "xacssecuritytoken",
        "token",
        "signature",
        "authorization",
        "password",
        "credentials",
    }
)

# Secrets that can hide inside free text: URLs, header dumps, exception reprs.
_TEXT_PATTERN_SOURCES = (
    (r"(?i)(Signature|SecurityToken|AccessKeySecret)=[^&\s\"',;]+", r"\1=" + REDACTED),
    (r"(?i)(x-(?:oss|acs)-security-token|authorization)(['\"]?\s*[:=]\s*['\"]?)[^\r\n\"',]+", r"\1\2" + REDACTED),
    (r"\bOSS [A-Za-z0-9.+/=_-]+:[A-Za-z0-9+/=]+", "OSS " + REDACTED),
    (r"ACS3-HMAC-SHA256 [^\r\n\"']+", "ACS3-HMAC-SHA256 " + REDACTED),
)

# Every match of a pattern above contains one of these literals, ignoring
# case, so text without any of them skips the four substitutions. Every log
# line's values pass through here, and almost none contain a secret.
_TEXT_TRIGGER_SOURCE = (
    r"(?i)signature=|securitytoken=|accesskeysecret=|x-(?:oss|acs)-security-token|authorization|OSS |ACS3-HMAC-SHA256 "
)


# The regexes are compiled on first use, because most invocations never log
# text that needs them, and compiling all five took about 0.7 ms of each cold
# start (Python 3.10 on the 2-core Xeon of docs/benchmarks.md).
@functools.lru_cache(maxsize=None)
def _text_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(source), replacement) for source, replacement in _TEXT_PATTERN_SOURCES)


@functools.lru_cache(maxsize=None)
def _text_trigger() -> re.Pattern[str]:
    return re.compile(_TEXT_TRIGGER_SOURCE)


_TEXT_TRIGGER_LITERALS = (
    "signature=",
    "securitytoken=",
    "accesskeysecret=",
    "x-oss-security-token",
    "x-acs-security-token",
    "authorization",
    "oss ",
    "acs3-hmac-sha256 ",
)


def _may_contain_secret(text: str) -> bool:
    # For ASCII text, ignoring case means comparing lower case, and substring
    # tests are much faster than the regex. Python's case-insensitive matching
    # also folds a few non-ASCII letters onto ASCII ones (U+017F onto "s",
    # U+212A onto "k"), so other text goes through the regex.
    if not text.isascii():
        return _text_trigger().search(text) is not None
    lowered = text.lower()
    for literal in _TEXT_TRIGGER_LITERALS:
        if literal in lowered:
            return True
    return False


# Field names come from a small set in the code, so the results are cached.
@functools.lru_cache(maxsize=1024)
def _is_secret_name(name: object) -> bool:
    normalized = str(name).lower().replace("-", "").replace("_", "")
    return normalized in _SECRET_NAMES or normalized.endswith("secret") or normalized.endswith("securitytoken")


class RedactSecrets:
    """A structlog processor that removes secrets from every event dict.

    It masks values under secret-looking names at any depth, rewrites
    signatures, tokens and Authorization headers inside text, and replaces
    every exact occurrence of a secret registered with ``add``, such as the
    current AccessKey secret and STS token.
    """

    def __init__(self) -> None:
        self._known: set[str] = set()
        # Longest first, so that a secret containing another is replaced whole.
        self._longest_first: tuple[str, ...] = ()
        self._lock = threading.Lock()

    def add(self, *secrets: str | None) -> None:
        with self._lock:
            for secret in secrets:
                # Very short strings would mask ordinary words; real secrets are long.
                if secret and len(secret) >= 8:
                    self._known.add(secret)
            self._longest_first = tuple(sorted(self._known, key=len, reverse=True))

    def scrub_text(self, text: str) -> str:
        for secret in self._longest_first:
            if secret in text:
                text = text.replace(secret, REDACTED)

        if not _may_contain_secret(text):
            return text
        for pattern, replacement in _text_patterns():
            text = pattern.sub(replacement, text)
        return text

    def _scrub(self, value: Any, depth: int = 0) -> Any:
        if depth > 8:
            return "[TRUNCATED]"
        if isinstance(value, str):
            return self.scrub_text(value)
        if isinstance(value, dict):
            return {
                key: (REDACTED if _is_secret_name(key) and item not in (None, "") else self._scrub(item, depth + 1))
                for key, item in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self._scrub(item, depth + 1) for item in value]
        if isinstance(value, (int, float, bool)) or value is None:
            return value
        return self.scrub_text(repr(value))

    def __call__(self, logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        for key in list(event_dict):
            value = event_dict[key]
            if _is_secret_name(key) and value not in (None, ""):
                event_dict[key] = REDACTED
            else:
                event_dict[key] = self._scrub(value)
        return event_dict


class OrderKeys:
    """A structlog processor that puts the fields a reader scans first at the start of each line."""

    def __init__(self, first: tuple[str, ...]) -> None:
        self.first = first

    def __call__(self, logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> dict[str, Any]:
        ordered = {key: event_dict[key] for key in self.first if key in event_dict}
        ordered.update((key, value) for key, value in event_dict.items() if key not in ordered)
        return ordered


redactor = RedactSecrets()


class StandardStream:
    """Writes to whatever ``sys.stdout`` or ``sys.stderr`` is at the time of each write.

    FC's runtime and test runners replace sys.stdout after the logger is
    configured. A stream bound at configure time could then be stale or closed.
    """

    def __init__(self, name: str = "stdout") -> None:
        if name not in ("stdout", "stderr"):
            raise ValueError(f"stream name must be stdout or stderr, not {name!r}")
        self.name = name

    def write(self, text: str) -> int:
        return getattr(sys, self.name).write(text)

    def flush(self) -> None:
        getattr(sys, self.name).flush()


_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def configure(level: str = "info", stream: Any = None) -> None:
    """Configure structlog to write redacted JSON lines to ``stream`` (stdout by default)."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
            structlog.processors.format_exc_info,
            redactor,
            structlog.processors.EventRenamer("message"),
            OrderKeys(("time", "level", "message", "step", "outcome", "fc_request_id")),
            structlog.processors.JSONRenderer(ensure_ascii=False, default=str),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS.get(level, logging.INFO)),
        logger_factory=structlog.PrintLoggerFactory(stream if stream is not None else StandardStream()),
        cache_logger_on_first_use=False,
    )


def get_logger() -> Any:
    return structlog.get_logger("opendb")


def trace_id_from(context: Any) -> str | None:
    """Return the trace id from FC's tracing context, when tracing is on.

    FC passes a Jaeger span context of the form "traceid:spanid:parentid:flags".
    """
    tracing = getattr(context, "tracing", None)
    span_context = getattr(tracing, "span_context", None) or getattr(tracing, "open_tracing_span_context", None)
    if not span_context or not isinstance(span_context, str):
        return None
    return span_context.split(":", 1)[0] or None
