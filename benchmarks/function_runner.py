"""Play the FC runtime in one fresh benchmark process: import a function, initialize it, handle events.

The harness starts it as::

    python -c "import function_runner; function_runner.main()" MODE MODULE EVENT_FILE [EVENTS WARMUP]

with PYTHONPATH naming this folder and the function's folder. MODE is
``floor`` (import httpx and structlog only), ``floor-client`` (the same,
then create one ``httpx.Client()``), ``cold`` (one event) or ``warm``
(WARMUP untimed events, then EVENTS timed ones). MODULE is the entry
module, such as ``index``. The STS credentials come from BENCH_ACCESS_KEY_ID,
BENCH_ACCESS_KEY_SECRET and BENCH_SECURITY_TOKEN.

The result is one JSON object written to the file descriptor named by
BENCH_RESULT_FD, so that the function's log lines on stdout stay apart. Times
are ``time.monotonic_ns()`` readings, which on Linux share one clock across
processes, so the harness can relate them to its own readings.

Before the function, this module imports only ``time``, which is built into
the interpreter, so a cold start measures the interpreter and the function.
"""

import os
import sys
import time


class _Namespace:
    def __init__(self, **fields):
        self.__dict__.update(fields)


def _context(request_id):
    """Build the attributes of the FC python3.10 context that the functions read."""
    credentials = _Namespace(
        access_key_id=os.environ["BENCH_ACCESS_KEY_ID"],
        access_key_secret=os.environ["BENCH_ACCESS_KEY_SECRET"],
        security_token=os.environ["BENCH_SECURITY_TOKEN"],
    )
    function = _Namespace(name="open-database", handler="index.handler", memory=256, timeout=60)
    return _Namespace(
        request_id=request_id,
        credentials=credentials,
        function=function,
        region=os.environ.get("FC_REGION", "cn-hangzhou"),
        tracing=None,
    )


def _peak_rss_kib():
    # VmHWM is this process's own high-water mark. getrusage(RUSAGE_CHILDREN)
    # in the parent would instead report the parent's size, which the child
    # inherits at fork and keeps until exec.
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def _write_result(fields):
    import json

    fields["peak_rss_kib"] = _peak_rss_kib()
    with os.fdopen(int(os.environ["BENCH_RESULT_FD"]), "w", encoding="utf-8") as out:
        json.dump(fields, out, default=str)


def _run_floor(with_client):
    started = time.monotonic_ns()
    import httpx
    import structlog  # noqa: F401

    imported = time.monotonic_ns()
    if with_client:
        # The default client verifies TLS, so it loads certifi's CA bundle now.
        httpx.Client()
    done = time.monotonic_ns()
    _write_result({"main_ns": started, "imported_ns": imported, "initialized_ns": done, "result_ns": done, "result": None})


def _run_cold(module_name, event):
    started = time.monotonic_ns()
    module = __import__(module_name, fromlist=["handler"])
    imported = time.monotonic_ns()
    module.initializer(_context("bench-init"))
    initialized = time.monotonic_ns()
    result = module.handler(event, _context("bench-cold-1"))
    done = time.monotonic_ns()
    _write_result(
        {"main_ns": started, "imported_ns": imported, "initialized_ns": initialized, "result_ns": done, "result": result}
    )


def _run_warm(module_name, event, events, warmup):
    module = __import__(module_name, fromlist=["handler"])
    module.initializer(_context("bench-init"))
    for index in range(warmup):
        module.handler(event, _context(f"bench-warmup-{index}"))

    windows = []
    results = []
    for index in range(events):
        context = _context(f"bench-warm-{index}")
        started = time.monotonic_ns()
        result = module.handler(event, context)
        windows.append((started, time.monotonic_ns()))
        results.append(result)
    _write_result({"windows": windows, "results": results})


def main():
    mode = sys.argv[1]
    if mode in ("floor", "floor-client"):
        _run_floor(with_client=mode == "floor-client")
        return

    module_name = sys.argv[2]
    with open(sys.argv[3], "rb") as event_file:
        event = event_file.read()
    if mode == "cold":
        _run_cold(module_name, event)
    elif mode == "warm":
        _run_warm(module_name, event, int(sys.argv[4]), int(sys.argv[5]))
    else:
        raise SystemExit(f"unknown mode {mode!r}; use floor, floor-client, cold or warm")
