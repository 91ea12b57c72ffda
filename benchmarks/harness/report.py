"""Render a run's figures as a terminal table and as the Markdown results page."""

from __future__ import annotations

from .implementations import FLOOR, FLOOR_CLIENT, HTTPX_FLOOR, IMPLEMENTATIONS, LEGACY_SDK, NEW_SDK, OPENDB, TRANSPORT
from .importtime import HTTPX, LATE_STDLIB, OPENDB as OPENDB_OWNER, RUNNER, STARTUP, STRUCTLOG

MIB = 1024 * 1024


def _cold_programs() -> list:
    return [implementation for implementation in IMPLEMENTATIONS if implementation.cold]


def _status(verdict: dict) -> str:
    if verdict["passed"] is None:
        return "n/a"
    return "pass" if verdict["passed"] else "MISS"


def _measured(verdict: dict) -> str:
    value = verdict["measured"]
    if value is None:
        return "not measured"
    if "×" in verdict["limit"]:
        return f"{value:.3f}×"
    if "MiB" in verdict["limit"]:
        return f"{value:.2f} MiB"
    return f"{value:.3f} ms"


def _installed(figure: dict) -> str:
    if figure["installed_bytes"] is None:
        return "n/a"
    return f"{figure['installed_bytes'] / MIB:.1f} MiB"


def _warm_cell(figure: dict, key: str) -> str:
    warm = figure["warm"]
    if warm is None:
        return "-"
    return f"{warm['added'][key]:.3f}"


def terminal_table(figures: dict) -> str:
    """Return a plain-text summary: one row per implementation, then one line per target."""
    lines = [
        f"{'':<14} {'cold ms':>8} {'IQR ms':>13} {'exit ms':>8} {'RSS MiB':>8} {'warm ms':>8} {'p99 ms':>8} {'installed':>10}"
    ]
    for implementation in IMPLEMENTATIONS:
        figure = figures["implementations"][implementation.name]
        if figure["cold"] is None:
            cells = ["-", "-", "-", "-"]
        else:
            cold = figure["cold"]["to_result"]
            cells = [
                f"{cold['median']:.1f}",
                f"{cold['q1']:.1f}-{cold['q3']:.1f}",
                f"{figure['cold']['to_exit']['median']:.1f}",
                f"{figure['peak_rss_mib']['median']:.1f}",
            ]
        lines.append(
            f"{figure['short']:<14} {cells[0]:>8} {cells[1]:>13} {cells[2]:>8} {cells[3]:>8}"
            f" {_warm_cell(figure, 'median'):>8} {_warm_cell(figure, 'p99'):>8} {_installed(figure):>10}"
        )
    lines.append("")
    lines.extend(terminal_table_targets(figures["targets"]))
    return "\n".join(lines)


def terminal_table_targets(verdicts: list[dict]) -> list[str]:
    """Return one line per target: pass, MISS or n/a, the measured value, the limit and how it was computed."""
    return [
        f"{_status(verdict):<4}  {verdict['target']}: {_measured(verdict)} (target {verdict['limit']}); {verdict['detail']}"
        for verdict in verdicts
    ]


def _ms(summary: dict, key: str = "median") -> str:
    return f"{summary[key]:.1f}"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    return [_row(header), "|" + "|".join(":---" if side == "l" else "---:" for side in align) + "|", *[_row(row) for row in rows]]


def _ratio(value: float, other: float) -> str:
    return f"{value / other:.2f}×"


def _cold_section(figures: dict) -> list[str]:
    implementations = figures["implementations"]
    reference_a = implementations[NEW_SDK]["cold"]["to_result"]["median"]
    reference_b = implementations[LEGACY_SDK]["cold"]["to_result"]["median"]
    floor = implementations[FLOOR]["cold"]["to_result"]["median"]
    floor_client = implementations[FLOOR_CLIENT]["cold"]["to_result"]["median"]
    rows = []
    for implementation in _cold_programs():
        figure = implementations[implementation.name]
        cold = figure["cold"]["to_result"]
        rows.append([
            implementation.title,
            _ms(cold),
            f"{_ms(cold, 'q1')}–{_ms(cold, 'q3')}",
            f"{_ms(cold, 'minimum')}–{_ms(cold, 'maximum')}",
            _ms(figure["cold"]["to_exit"]),
            _ratio(cold["median"], reference_a),
            _ratio(cold["median"], reference_b),
            _ratio(cold["median"], floor),
            _ratio(cold["median"], floor_client),
        ])
    header = [
        "", "to result, median ms", "IQR ms", "min–max ms", "to exit, median ms",
        "÷ Reference A", "÷ Reference B", "÷ floor", "÷ floor + client",
    ]
    return _table(header, rows, "lrrrrrrrr")


def _legacy_note(figures: dict) -> str:
    implementations = figures["implementations"]
    reference_b = implementations[LEGACY_SDK]["cold"]["to_result"]["median"]
    floor = implementations[FLOOR]["cold"]["to_result"]["median"]
    ours = implementations[OPENDB]["cold"]["to_result"]["median"]
    reach = (
        "which is below the floor, so no function that imports httpx and structlog can reach it"
        if 0.3 * reference_b < floor
        else "which is above the floor"
    )
    return (
        f"The official-SDK target is judged against Reference A. Against Reference B opendb's ratio is "
        f"{ours / reference_b:.2f}×; 0.3× Reference B would be {0.3 * reference_b:.1f} ms, {reach} "
        f"({floor:.1f} ms)."
    )


def _phase_section(figures: dict) -> list[str]:
    rows = []
    for implementation in _cold_programs():
        cold = figures["implementations"][implementation.name]["cold"]
        rows.append([
            implementation.short,
            _ms(cold["startup"]),
            _ms(cold["import"]),
            _ms(cold["initialize"]),
            _ms(cold["first_event"]),
        ])
    header = ["", "interpreter start ms", "import ms", "initializer ms", "first event ms"]
    return _table(header, rows, "lrrrr")


def _warm_section(figures: dict) -> list[str]:
    rows = []
    for implementation in IMPLEMENTATIONS:
        warm = figures["implementations"][implementation.name]["warm"]
        if not implementation.warm:
            continue
        requests = warm["requests_per_event"]
        counted = str(requests["minimum"]) if requests["minimum"] == requests["maximum"] else f"{requests['minimum']}–{requests['maximum']}"
        rows.append([
            implementation.short,
            f"{warm['wall']['median']:.3f}",
            f"{warm['server']['median']:.3f}",
            f"{warm['added']['median']:.3f}",
            f"{warm['added']['q1']:.3f}–{warm['added']['q3']:.3f}",
            f"{warm['added']['p99']:.3f}",
            counted,
        ])
    header = ["", "event wall ms", "emulator ms", "added ms, median", "added IQR ms", "added p99 ms", "requests per event"]
    return _table(header, rows, "lrrrrrr")


def _memory_and_size_section(figures: dict) -> list[str]:
    rows = []
    for implementation in _cold_programs():
        figure = figures["implementations"][implementation.name]
        rss = figure["peak_rss_mib"]
        installed = _installed(figure) if implementation.environment == implementation.name else "(opendb's)"
        rows.append([implementation.short, f"{rss['median']:.1f}", f"{rss['maximum']:.1f}", installed])
    header = ["", "peak RSS median MiB", "peak RSS max MiB", "installed dependencies"]
    return _table(header, rows, "lrrr")


def _target_section(figures: dict) -> list[str]:
    rows = [
        [verdict["target"], verdict["limit"], _measured(verdict), _status(verdict), verdict["detail"]]
        for verdict in figures["targets"]
    ]
    return _table(["target", "limit", "measured", "result", "how"], rows, "lrrll")


def _profile_section(figures: dict) -> list[str]:
    profile = figures["import_profile"]
    total = sum(profile.values())
    rows = [[owner, f"{milliseconds:.1f}", f"{milliseconds / total:.0%}"] for owner, milliseconds in profile.items()]
    return _table(["imported by", "self time ms", "share"], rows, "lrr")


def _not_ours(figures: dict) -> list[str]:
    profile = figures["import_profile"]
    ours = profile.get(OPENDB_OWNER, 0.0)
    theirs = profile.get(HTTPX, 0.0) + profile.get(STRUCTLOG, 0.0)
    startup = profile.get(STARTUP, 0.0)
    client_cost = figures["implementations"][FLOOR_CLIENT]["cold"]["initialize"]["median"]
    warm = {name: figures["implementations"][name]["warm"]["added"]["median"] for name in (OPENDB, TRANSPORT, HTTPX_FLOOR)}
    return [
        f"- **httpx and its dependencies** ({profile.get(HTTPX, 0.0):.1f} ms in the profile) and **structlog** "
        f"({profile.get(STRUCTLOG, 0.0):.1f} ms) are opendb's two runtime dependencies. The floor process pays "
        "for them too, which is why the floor ratio is the one that measures opendb's own cost.",
        f"- **The interpreter's startup** ({startup:.1f} ms in the profile: site, encodings and the venv's "
        "path files) comes before any function code and is the same for every process.",
        f"- **opendb's own modules** take {ours:.1f} ms in the profile, against {theirs:.1f} ms for its two "
        "dependencies.",
        f"- **The TLS context**: `httpx.Client()` loads certifi's CA bundle when it is created, "
        f"{client_cost:.1f} ms (median initializer time of the *floor + client* process). opendb needs it for "
        "the https endpoints it calls in production, so it creates the client in the initializer.",
        f"- **Per warm event**, {warm[TRANSPORT]:.3f} ms is loopback transport (a new TCP connection per "
        f"request, because the emulator closes each one) and {warm[HTTPX_FLOOR] - warm[TRANSPORT]:.3f} ms is httpx "
        f"sending three requests; opendb's own code adds {warm[OPENDB] - warm[HTTPX_FLOOR]:.3f} ms (medians).",
        f"- Rows for *{LATE_STDLIB}* and *{RUNNER}* are standard-library modules loaded on first use and the "
        "runner that plays FC's part; FC's real runtime loads its own modules before the function instead.",
    ]


def _packages_section(figures: dict) -> list[str]:
    lines = []
    for implementation in IMPLEMENTATIONS:
        packages = figures["implementations"][implementation.name]["packages"]
        if packages:
            lines.append(f"- {implementation.short}: " + ", ".join(f"`{package}`" for package in packages))
    return lines or ["- Not recorded: a --quick run uses the test environment for every program."]


def page(figures: dict) -> str:
    """Return the Markdown results page for ``figures``."""
    machine = figures["machine"]
    settings = figures["settings"]
    packages = figures["packages"]
    zips = packages["code_zip_bytes"] + packages["layer_zip_bytes"]
    lines = [
        "# Benchmarks",
        "",
        "`scripts/bench` writes this page. To update the figures, run it again rather than editing them here.",
        "",
        "The benchmark compares opendb with the same job written with Alibaba's official Python SDKs.",
        "Each program handles one OSS upload event: HeadObject to read the object's `x-oss-meta-*`",
        "metadata, DescribeMigrateTaskById to check the migrate task, and CreateOnlineDatabaseTask with a",
        "ClientToken. The programs are:",
        "",
        "- **opendb**: `functions/open_database`, with httpx and structlog at the versions in",
        "  `layers/requirements.txt`.",
        "- **Reference A**: `benchmarks/references/new_sdk.py`, with `alibabacloud-rds20140815` on",
        "  tea-openapi (ACS3-HMAC-SHA256 signatures) and `alibabacloud-oss-v2` for HeadObject.",
        "- **Reference B**: `benchmarks/references/legacy_sdk.py`, with `aliyun-python-sdk-core`,",
        "  `aliyun-python-sdk-rds` (RPC signature v1) and `oss2`.",
        "- **Floor**: a process that only runs `import httpx, structlog`, the least any httpx and structlog",
        "  function can do.",
        "",
        "Three more baselines are shown for reference and judged against no target:",
        "",
        "- **Floor + client**: the floor, then `httpx.Client()`. A client that verifies TLS loads certifi's",
        "  CA bundle when it is created, and opendb creates its client in the initializer. The references",
        "  build their TLS contexts only when they first open an https connection, which never happens",
        "  against the emulator, so in production they pay a cost that this benchmark does not show.",
        "- **Transport floor** (warm events only): the three requests, unsigned, with `http.client`. The",
        "  emulator rejects them; what remains after its server time is what any client pays on loopback.",
        "- **httpx floor** (warm events only): the same three unsigned requests through one `httpx.Client`,",
        "  as opendb sends them. opendb's added time minus this floor is what opendb's own code adds.",
        "",
        "## How to run",
        "",
        "```",
        "scripts/bench            # the full run; writes this page and build/bench/results.json",
        "scripts/bench --quick    # a few repetitions in the test environment, for a smoke test",
        "scripts/bench --help     # repetitions, interpreter and output paths",
        "```",
        "",
        "The full run creates one virtual environment per program under `build/bench/` from",
        "`benchmarks/requirements-*.txt`, which needs PyPI the first time, and reuses them after that.",
        "",
        "## Method",
        "",
        "- Every program talks to the local emulator (`local/opendb_local/emulator`) over plain http on",
        "  127.0.0.1, and the emulator checks every signature. Each program has its own emulator, so its",
        "  first event opens the database and every later event is a duplicate that the ClientToken turns",
        "  into a no-op: the emulator does the same work for every counted event.",
        "- The event names a marker object without a backup-file suffix, so opendb makes the same three",
        "  requests as the references. For a `.bak` key opendb also calls DescribeOssDownloads.",
        "- Reference A's OSS client signs with signature V1, because the emulator does not check the",
        "  SDK's default V4. It also sends the STS token in an `x-oss-security-token` header: when",
        "  alibabacloud-oss-v2 1.4.1 signs with V1, it puts the token only in a `security-token` header.",
        "- FC's own share of a cold start (starting the instance and its runtime) is not measured: each",
        "  figure covers one Python process, the way the function's code experiences it.",
        "- **Cold start**: a fresh process imports the function, runs `initializer(context)` and handles",
        "  one event (`benchmarks/function_runner.py` plays FC's part). The time runs from just before the",
        "  process is spawned to the handler's return (*to result*); *to exit* adds the interpreter's",
        "  shutdown. One uncounted run per program comes first, to write bytecode caches; then the programs",
        "  take turns, so drift in machine load touches all of them alike.",
        "- **Warm cost**: one process handles untimed warm-up events, then the timed ones. The emulator",
        "  records, for every request, the time from accepting the connection to writing the response;",
        "  the *added* time of an event is its wall time minus that server time. The added time still",
        "  contains the loopback TCP handshake and the kernel's wake-ups, because the emulator closes the",
        "  connection after every response and each request opens a new one. opendb runs with",
        "  `OPENDB_AFTER_OPEN_WAIT=0`, so it does not poll the task after the open.",
        "- **Peak RSS**: `VmHWM` from `/proc/self/status` at the end of each cold-start process.",
        "  `getrusage(RUSAGE_CHILDREN)` would report the harness's own size, which a child inherits at",
        "  fork and keeps until exec.",
        "- **Sizes**: `build/opendb-code.zip` and `build/opendb-layer.zip` as `scripts/package` builds them,",
        "  and each program's installed dependencies: every file in its venv's site-packages except",
        "  `__pycache__` bytecode and installer tooling (pip, setuptools, wheel).",
        "- Ratios divide medians from the same run, so the machine's speed mostly cancels out. Absolute",
        "  times are this machine's: an FC instance with the 0.35 vCPU that template.yml sets is slower.",
        "",
        "## Machine and run",
        "",
        f"- CPU: {machine['cpu']}, {machine['cores']} cores ({machine['usable_cores']} usable by this process)",
        f"- System: {machine['system']}",
        f"- Python: {machine['python']}",
        f"- Date: {machine['date']}",
        f"- Load average before the measurements (1, 5, 15 minutes): {machine['load_average']}",
        f"- Command: `{settings['command']}`",
        f"- Cold-start runs per program: {settings['runs']}; warm events: {settings['events']} after {settings['warmup']} warm-up events",
        "",
        "## Targets",
        "",
        *_target_section(figures),
        "",
        "## Cold start",
        "",
        *_cold_section(figures),
        "",
        _legacy_note(figures),
        "",
        "Medians of each phase, in milliseconds. *Interpreter start* runs from spawning the process to the",
        "runner's first line, and *first event* includes the three requests and the emulator's work on them.",
        "",
        *_phase_section(figures),
        "",
        "## Warm cost per event",
        "",
        *_warm_section(figures),
        "",
        "## Memory and size",
        "",
        *_memory_and_size_section(figures),
        "",
        f"opendb deploys `build/opendb-code.zip` ({packages['code_zip_bytes'] / 1024:.0f} KiB) and",
        f"`build/opendb-layer.zip` ({packages['layer_zip_bytes'] / 1024:.0f} KiB): {zips / MIB:.2f} MiB together.",
        "",
        "## Where opendb's cold start goes",
        "",
        "Self time of every module that one cold start imports, from `python -X importtime`, charged to",
        "the package whose import caused it (median of the profiled runs). importtime slows imports down,",
        "so these are estimates of the shares rather than exact times.",
        "",
        *_profile_section(figures),
        "",
        "What is not opendb's to change:",
        "",
        *_not_ours(figures),
        "",
        "What remains of opendb's own cost is spread thin. At import it is mostly the creation of its",
        "dataclasses (each one generates its methods with `exec`) and module-level regular expressions,",
        "all of which the first event uses. Per event it is the JSON log lines at the info level,",
        "signing, parsing the event and building the result.",
        "",
        "## Installed packages",
        "",
        *_packages_section(figures),
        "",
    ]
    return "\n".join(lines)
