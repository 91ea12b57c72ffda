"""Start the runner in a fresh process and turn its readings into cold-start and warm-event figures."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .emulation import ServerTimes
from .environments import Environment
from .implementations import BENCHMARKS, Implementation

RUNNER_CODE = "import function_runner; function_runner.main()"
NS_PER_MS = 1_000_000


class BenchmarkError(RuntimeError):
    """A benchmarked process failed or returned something other than an opened database."""


@dataclass(frozen=True)
class ColdRun:
    """One fresh process, from just before it is spawned to its result, in milliseconds."""

    to_result_ms: float
    to_exit_ms: float
    startup_ms: float
    import_ms: float
    initialize_ms: float
    first_event_ms: float
    peak_rss_kib: int
    requests: int


@dataclass(frozen=True)
class WarmRun:
    """Per-event figures of one process after warm-up, in milliseconds, in event order."""

    wall_ms: list[float]
    server_ms: list[float]
    added_ms: list[float]
    requests: list[int]


def _child_environment(implementation: Implementation, endpoints: Mapping[str, str], result_fd: int) -> dict[str, str]:
    path = [str(BENCHMARKS)]
    if implementation.source is not None and implementation.source != BENCHMARKS:
        path.append(str(implementation.source))
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": os.pathsep.join(path),
        "BENCH_RESULT_FD": str(result_fd),
        # opendb would otherwise poll the task for up to 20 s after the open, to log its new status.
        "OPENDB_AFTER_OPEN_WAIT": "0",
    }
    environ.update(endpoints)
    return environ


def _run(
    environment: Environment,
    implementation: Implementation,
    arguments: list[str],
    endpoints: Mapping[str, str],
    workdir: Path,
    timeout: float,
    python_options: tuple[str, ...] = (),
) -> tuple[int, dict[str, Any], int, str]:
    """Run the runner once; return the spawn time, its result, the exit time and its stderr.

    Times are monotonic ns.
    """
    read_fd, write_fd = os.pipe()
    result_pipe = os.fdopen(read_fd, "r", encoding="utf-8")
    chunks: list[str] = []
    # A thread drains the pipe while this one waits with a timeout, because a
    # warm run's result is larger than the pipe's buffer.
    reader = threading.Thread(target=lambda: chunks.append(result_pipe.read()), name="bench-result", daemon=True)
    command = [str(environment.python), *python_options, "-c", RUNNER_CODE, *arguments]
    with result_pipe, tempfile.TemporaryFile(dir=workdir) as stdout, tempfile.TemporaryFile(dir=workdir) as stderr:
        try:
            spawned = time.monotonic_ns()
            process = subprocess.Popen(
                command,
                cwd=workdir,
                env=_child_environment(implementation, endpoints, write_fd),
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                pass_fds=(write_fd,),
            )
        finally:
            os.close(write_fd)
        reader.start()
        # Popen.wait(timeout) polls with sleeps of up to 50 ms, which would
        # blur the exit time, so a timer kills a hung process instead.
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            process.kill()

        watchdog = threading.Timer(timeout, kill)
        watchdog.start()
        try:
            returncode = process.wait()
        finally:
            watchdog.cancel()
        exited = time.monotonic_ns()
        reader.join()
        if timed_out.is_set():
            raise BenchmarkError(f"{implementation.name}: {arguments[0]} run timed out after {timeout:g} s")
        text = "".join(chunks)

        stderr.seek(0)
        errors = stderr.read().decode("utf-8", "replace")
        if returncode != 0 or not text:
            raise BenchmarkError(f"{implementation.name}: {arguments[0]} run exited with {returncode}:\n{errors[-3000:]}")
    return spawned, json.loads(text), exited, errors


def cold_run(
    environment: Environment,
    implementation: Implementation,
    event_file: Path,
    endpoints: Mapping[str, str],
    times: ServerTimes | None,
    workdir: Path,
) -> ColdRun:
    """Start one process that imports the function, initializes it and handles one event."""
    arguments = [implementation.mode]
    if implementation.module is not None:
        arguments += [implementation.module, str(event_file.resolve())]
    spawned, result, exited, _ = _run(environment, implementation, arguments, endpoints, workdir, timeout=120)

    if not implementation.opened(result["result"]):
        raise BenchmarkError(f"{implementation.name}: the cold run did not open the database: {result['result']!r}")
    requests = times.within(spawned, exited)[1] if times is not None else 0
    return ColdRun(
        to_result_ms=(result["result_ns"] - spawned) / NS_PER_MS,
        to_exit_ms=(exited - spawned) / NS_PER_MS,
        startup_ms=(result["main_ns"] - spawned) / NS_PER_MS,
        import_ms=(result["imported_ns"] - result["main_ns"]) / NS_PER_MS,
        initialize_ms=(result["initialized_ns"] - result["imported_ns"]) / NS_PER_MS,
        first_event_ms=(result["result_ns"] - result["initialized_ns"]) / NS_PER_MS,
        peak_rss_kib=int(result["peak_rss_kib"]),
        requests=requests,
    )


def import_profile(
    environment: Environment,
    implementation: Implementation,
    event_file: Path,
    endpoints: Mapping[str, str],
    workdir: Path,
) -> str:
    """Return the ``python -X importtime`` output of one cold run: every import up to the first result."""
    if implementation.module is None:
        raise ValueError(f"{implementation.name} runs no function to profile")
    arguments = ["cold", implementation.module, str(event_file.resolve())]
    _, result, _, errors = _run(
        environment, implementation, arguments, endpoints, workdir, timeout=120, python_options=("-X", "importtime")
    )
    if not implementation.opened(result["result"]):
        raise BenchmarkError(f"{implementation.name}: the profiled run did not open the database: {result['result']!r}")
    return errors


def warm_run(
    environment: Environment,
    implementation: Implementation,
    event_file: Path,
    endpoints: Mapping[str, str],
    times: ServerTimes,
    workdir: Path,
    events: int,
    warmup: int,
) -> WarmRun:
    """Handle ``warmup`` untimed events, then ``events`` timed ones, in one process."""
    if implementation.module is None:
        raise ValueError(f"{implementation.name} handles no events")
    arguments = ["warm", implementation.module, str(event_file.resolve()), str(events), str(warmup)]
    _, result, _, _ = _run(environment, implementation, arguments, endpoints, workdir, timeout=60 + events)

    not_opened = [item for item in result["results"] if not implementation.opened(item)]
    if not_opened:
        raise BenchmarkError(
            f"{implementation.name}: {len(not_opened)} warm events did not open the database, first: {not_opened[0]!r}"
        )

    wall, server, added, requests = [], [], [], []
    for start_ns, end_ns in result["windows"]:
        busy_ns, count = times.within(start_ns, end_ns)
        wall.append((end_ns - start_ns) / NS_PER_MS)
        server.append(busy_ns / NS_PER_MS)
        added.append((end_ns - start_ns - busy_ns) / NS_PER_MS)
        requests.append(count)
    return WarmRun(wall, server, added, requests)
