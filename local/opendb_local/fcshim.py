"""A local stand-in for the Function Compute Python runtime: context objects and an invoker.

``Runtime`` loads an entry module from a file, calls ``initializer(context)``
once, then ``handler(event_bytes, context)`` per event, the way an FC instance
does. The context has the attributes of the python3.10 runtime's context. With
``runtime="python3.12"`` the context has no ``credentials`` and the STS
credentials go into the ALIBABA_CLOUD_* environment variables instead.

Known differences from FC: the handler runs in this process and is never
stopped at its timeout (``Invocation.timed_out`` reports an overrun), and the
instance is never frozen between invocations.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import sys
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Mapping, MutableMapping

DEFAULT_ENTRY = Path(__file__).resolve().parents[2] / "functions" / "open_database" / "index.py"
RUNTIMES = ("python3.10", "python3.12")

ENV_ACCESS_KEY_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ENV_ACCESS_KEY_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
ENV_SECURITY_TOKEN = "ALIBABA_CLOUD_SECURITY_TOKEN"


@dataclass(frozen=True)
class Credentials:
    """The function role's STS credentials. The repr hides the secret and the token."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class FunctionMeta:
    name: str = "open-database"
    handler: str = "index.handler"
    memory: int = 256
    timeout: int = 60
    initializer: str = "index.initializer"


@dataclass(frozen=True)
class ServiceMeta:
    name: str = "opendb"
    log_project: str = ""
    log_store: str = ""
    qualifier: str = "LATEST"
    version_id: str = ""


@dataclass(frozen=True)
class Tracing:
    """OpenTracing data. ``span_context`` is ``trace-id:span-id:parent-span-id:flags`` in Jaeger's format."""

    span_context: str
    jaeger_endpoint: str = ""
    span_baggages: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """The context that the python3.10 runtime passes to the initializer and the handler."""

    request_id: str
    credentials: Credentials | None
    function: FunctionMeta
    service: ServiceMeta
    region: str
    account_id: str
    tracing: Tracing


@dataclass(frozen=True)
class ContextWithoutCredentials:
    """The python3.12 runtime's context: the same attributes except ``credentials``."""

    request_id: str
    function: FunctionMeta
    service: ServiceMeta
    region: str
    account_id: str
    tracing: Tracing


@dataclass
class Invocation:
    """One handler call: its result or the exception it raised, and when it ran.

    ``started`` and ``deadline`` are ``time.monotonic()`` readings: the moment
    just before the handler was called, and that moment plus the function's
    timeout. ``timed_out`` is True when the handler ran longer than the timeout.
    """

    request_id: str
    started: float
    deadline: float
    duration: float = 0.0
    result: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def timed_out(self) -> bool:
        return self.started + self.duration > self.deadline

    def output(self) -> Any:
        """Return the result, or the error document that FC's Python runtime returns for an exception."""
        if self.error is None:
            return self.result
        return {
            "errorMessage": str(self.error),
            "errorType": type(self.error).__name__,
            "stackTrace": traceback.format_exception(type(self.error), self.error, self.error.__traceback__),
        }


class Runtime:
    """One FC instance of a function: the entry module is loaded once and keeps its state between invocations.

    Use it as a context manager, or call ``close()``, to undo its changes to
    ``sys.path``, ``sys.modules`` and the environment.
    """

    def __init__(
        self,
        entry: str | Path = DEFAULT_ENTRY,
        *,
        credentials: Credentials | None = None,
        runtime: str = "python3.10",
        function: FunctionMeta | None = None,
        service: ServiceMeta | None = None,
        region: str = "cn-hangzhou",
        account_id: str = "1234567890123456",
        environment: Mapping[str, str] | None = None,
        environ: MutableMapping[str, str] | None = None,
    ) -> None:
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
        self.entry = Path(entry).resolve()
        if not self.entry.is_file():
            raise FileNotFoundError(f"entry module {self.entry} does not exist")
        self.credentials = credentials
        self.runtime = runtime
        self.function = function or FunctionMeta()
        self.service = service or ServiceMeta()
        self.region = region
        self.account_id = account_id
        self.environ = os.environ if environ is None else environ
        self.environment = self._instance_environment(environment or {})
        self.module: ModuleType | None = None
        self.initializer_calls = 0
        self._initialized = False
        self._saved_environ: dict[str, str | None] = {}
        self._added_path: str | None = None
        self._saved_module: ModuleType | None = None

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def context(self, request_id: str | None = None) -> Context | ContextWithoutCredentials:
        """Build a context for one call, with a new request id unless one is given."""
        common = dict(
            request_id=request_id or str(uuid.uuid4()),
            function=self.function,
            service=self.service,
            region=self.region,
            account_id=self.account_id,
            tracing=Tracing(span_context=f"{secrets.token_hex(8)}:{secrets.token_hex(8)}:0:1"),
        )
        if self.runtime == "python3.12":
            return ContextWithoutCredentials(**common)
        return Context(credentials=self.credentials, **common)

    def invoke(self, event: bytes | str | Mapping[str, Any] | list[Any], *, request_id: str | None = None) -> Invocation:
        """Call the handler with the event as bytes and return what happened.

        The first call loads the module and runs the initializer. When the
        initializer raises, this invocation fails with that error and the next
        one runs the initializer again, as FC does.
        """
        context = self.context(request_id)
        started = time.monotonic()
        invocation = Invocation(context.request_id, started, started + self.function.timeout)
        try:
            self._start()
            handler = self._entry_attribute(self.function.handler)
            invocation.started = time.monotonic()
            invocation.deadline = invocation.started + self.function.timeout
            invocation.result = handler(_event_bytes(event), context)
        except Exception as error:  # noqa: BLE001 - the runtime reports every error of the function
            invocation.error = error
        invocation.duration = time.monotonic() - invocation.started
        return invocation

    def close(self) -> None:
        for name, value in self._saved_environ.items():
            if value is None:
                self.environ.pop(name, None)
            else:
                self.environ[name] = value
        self._saved_environ.clear()
        if self._added_path is not None and self._added_path in sys.path:
            sys.path.remove(self._added_path)
        self._added_path = None
        if self.module is not None and sys.modules.get(self.entry.stem) is self.module:
            if self._saved_module is None:
                del sys.modules[self.entry.stem]
            else:
                sys.modules[self.entry.stem] = self._saved_module

    def _instance_environment(self, extra: Mapping[str, str]) -> dict[str, str]:
        environment = {
            "FC_REGION": self.region,
            "FC_ACCOUNT_ID": self.account_id,
            "FC_FUNCTION_NAME": self.function.name,
            "FC_FUNC_CODE_PATH": str(self.entry.parent),
        }
        if self.runtime == "python3.12" and self.credentials is not None:
            environment[ENV_ACCESS_KEY_ID] = self.credentials.access_key_id
            environment[ENV_ACCESS_KEY_SECRET] = self.credentials.access_key_secret
            if self.credentials.security_token:
                environment[ENV_SECURITY_TOKEN] = self.credentials.security_token
        environment.update(extra)
        return environment

    def _start(self) -> None:
        if self.module is None:
            self._apply_environment()
            self.module = self._load()
        if not self._initialized:
            initializer = self._entry_attribute(self.function.initializer) if self.function.initializer else None
            if initializer is not None:
                self.initializer_calls += 1
                initializer(self.context())
            self._initialized = True

    def _apply_environment(self) -> None:
        for name, value in self.environment.items():
            if name not in self._saved_environ:
                self._saved_environ[name] = self.environ.get(name)
            self.environ[name] = value

    def _load(self) -> ModuleType:
        # FC runs the function with its code directory first on sys.path.
        code_dir = str(self.entry.parent)
        if code_dir not in sys.path:
            sys.path.insert(0, code_dir)
            self._added_path = code_dir
        name = self.entry.stem
        spec = importlib.util.spec_from_file_location(name, self.entry)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {self.entry} as a Python module")
        module = importlib.util.module_from_spec(spec)
        # The module is registered under its own name while the runtime lives,
        # as FC imports it, and close() puts back whatever had that name before.
        self._saved_module = sys.modules.get(name)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module

    def _entry_attribute(self, qualified: str) -> Any:
        """Return the function named by ``module.function``, checking that the module is the entry."""
        module_name, _, attribute = qualified.rpartition(".")
        if module_name != self.entry.stem:
            raise ValueError(f"handler {qualified!r} names module {module_name!r}, but the entry module is {self.entry.stem!r}")
        function = getattr(self.module, attribute, None)
        if not callable(function):
            raise AttributeError(f"entry module {self.entry} has no function {attribute!r}")
        return function


def _event_bytes(event: bytes | str | Mapping[str, Any] | list[Any]) -> bytes:
    if isinstance(event, bytes):
        return event
    if isinstance(event, str):
        return event.encode("utf-8")
    return json.dumps(event).encode("utf-8")
