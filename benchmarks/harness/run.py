"""One benchmark run: environments, package sizes, cold starts, warm events and the import profile.

The result is a plain dict of figures, which the report turns into a table
and a page, and which ``--json`` writes as it is.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from opendb_local.emulator import Emulator

from . import emulation, environments, importtime, measure, targets
from .implementations import IMPLEMENTATIONS, OPENDB, REPO_ROOT, REQUIREMENTS, Implementation, by_name
from .machine import describe
from .summary import summarize

CODE_ZIP = REPO_ROOT / "build" / "opendb-code.zip"
LAYER_ZIP = REPO_ROOT / "build" / "opendb-layer.zip"


@dataclass(frozen=True)
class Options:
    """How much to measure, and with which interpreter."""

    quick: bool
    runs: int
    events: int
    warmup: int
    import_profiles: int
    base_python: Path
    workdir: Path
    command: str


@dataclass(frozen=True)
class _Target:
    """The environment variables and the server timer of one benchmarked program's emulator."""

    variables: dict[str, str]
    times: emulation.ServerTimes | None


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _environments(options: Options) -> dict[str, environments.Environment]:
    if options.quick:
        # The test environment already contains opendb's dependencies and both SDK sets.
        return {name: environments.shared(name, Path(sys.executable)) for name in REQUIREMENTS}
    return {
        name: environments.ensure(name, requirements, options.base_python, options.workdir)
        for name, requirements in REQUIREMENTS.items()
    }


def _package_sizes() -> dict[str, int]:
    """Build both zips with scripts/package and return their sizes in bytes."""
    subprocess.run(
        [str(REPO_ROOT / "scripts" / "package")], cwd=REPO_ROOT, check=True, stdout=subprocess.DEVNULL, timeout=600
    )
    return {"code_zip_bytes": CODE_ZIP.stat().st_size, "layer_zip_bytes": LAYER_ZIP.stat().st_size}


def _stdlib_names(python: Path) -> frozenset[str]:
    completed = subprocess.run(
        [str(python), "-c", "import sys; print(' '.join(sys.stdlib_module_names))"],
        capture_output=True, text=True, check=True, timeout=60,
    )
    return frozenset(completed.stdout.split())


def _serve(stack: ExitStack, credentials: dict[str, str]) -> dict[str, _Target]:
    """Start one timed emulator for every program that sends requests."""
    served = {}
    for implementation in IMPLEMENTATIONS:
        variables = {"FC_REGION": emulation.REGION, **credentials}
        if implementation.module is None:
            served[implementation.name] = _Target(variables, None)
            continue
        endpoints, times = stack.enter_context(emulation.serve_timed(Emulator(emulation.bench_state())))
        variables["OPENDB_RDS_ENDPOINT"] = endpoints.rds_endpoint
        variables["OPENDB_OSS_ENDPOINT"] = endpoints.oss_endpoint
        served[implementation.name] = _Target(variables, times)
    return served


def _cold_figures(runs: list[measure.ColdRun]) -> dict:
    return {
        "to_result": summarize([run.to_result_ms for run in runs]).to_dict(),
        "to_exit": summarize([run.to_exit_ms for run in runs]).to_dict(),
        "startup": summarize([run.startup_ms for run in runs]).to_dict(),
        "import": summarize([run.import_ms for run in runs]).to_dict(),
        "initialize": summarize([run.initialize_ms for run in runs]).to_dict(),
        "first_event": summarize([run.first_event_ms for run in runs]).to_dict(),
    }


def _warm_figures(warm: measure.WarmRun) -> dict:
    return {
        "wall": summarize(warm.wall_ms).to_dict(),
        "server": summarize(warm.server_ms).to_dict(),
        "added": summarize(warm.added_ms).to_dict(),
        "requests_per_event": {"minimum": min(warm.requests), "maximum": max(warm.requests)},
    }


def _import_profile(
    options: Options, environment: environments.Environment, event_file: Path, target: _Target
) -> dict[str, float]:
    """Return the median milliseconds per owner over ``options.import_profiles`` profiled opendb cold runs."""
    stdlib = _stdlib_names(environment.python)
    samples: dict[str, list[float]] = {}
    for _ in range(options.import_profiles):
        text = measure.import_profile(environment, by_name(OPENDB), event_file, target.variables, options.workdir)
        for owner, milliseconds in importtime.attribute(text, stdlib).items():
            samples.setdefault(owner, []).append(milliseconds)
    medians = {owner: statistics.median(values) for owner, values in samples.items()}
    return dict(sorted(medians.items(), key=lambda item: -item[1]))


def _measure_cold(
    options: Options,
    envs: dict[str, environments.Environment],
    served: dict[str, _Target],
    event_file: Path,
) -> dict[str, list[measure.ColdRun]]:
    programs = [implementation for implementation in IMPLEMENTATIONS if implementation.cold]

    def once(implementation: Implementation) -> measure.ColdRun:
        target = served[implementation.name]
        environment = envs[implementation.environment]
        return measure.cold_run(environment, implementation, event_file, target.variables, target.times, options.workdir)

    # The first process of each program writes bytecode caches and makes the one real open; it is not counted.
    _progress("Cold starts: one uncounted run each, then the counted runs in turn")
    for implementation in programs:
        once(implementation)
    # Taking turns spreads any drift in machine load over every program alike.
    runs: dict[str, list[measure.ColdRun]] = {implementation.name: [] for implementation in programs}
    for _ in range(options.runs):
        for implementation in programs:
            runs[implementation.name].append(once(implementation))
    return runs


def _measure_warm(
    options: Options,
    envs: dict[str, environments.Environment],
    served: dict[str, _Target],
    event_file: Path,
) -> dict[str, measure.WarmRun]:
    runs = {}
    for implementation in IMPLEMENTATIONS:
        if not implementation.warm:
            continue
        _progress(f"Warm events: {implementation.short}")
        target = served[implementation.name]
        if target.times is None:
            raise measure.BenchmarkError(f"{implementation.name} has no emulator to time")
        runs[implementation.name] = measure.warm_run(
            envs[implementation.environment], implementation, event_file, target.variables, target.times,
            options.workdir, options.events, options.warmup,
        )
    return runs


def _implementation_figures(
    implementation: Implementation,
    environment: environments.Environment,
    cold: list[measure.ColdRun] | None,
    warm: measure.WarmRun | None,
) -> dict:
    # Only a program with its own venv has an installed size; the baselines reuse opendb's.
    own_environment = implementation.environment == implementation.name and environment.site_packages is not None
    return {
        "short": implementation.short,
        "title": implementation.title,
        "packages": list(environment.packages) if own_environment else [],
        "installed_bytes": environments.installed_size(environment.site_packages) if own_environment else None,
        "cold": _cold_figures(cold) if cold else None,
        "peak_rss_mib": summarize([run.peak_rss_kib / 1024 for run in cold]).to_dict() if cold else None,
        "requests_per_cold_run": sorted({run.requests for run in cold}) if cold else None,
        "warm": _warm_figures(warm) if warm else None,
    }


def run(options: Options) -> dict:
    """Measure everything once and return the figures, with a verdict per target."""
    options.workdir.mkdir(parents=True, exist_ok=True)
    envs = _environments(options)
    machine = describe(environments.interpreter_version(envs[OPENDB].python))
    _progress("Building the code zip and the layer zip")
    packages = _package_sizes()

    event_file = options.workdir / "event.json"
    event_file.write_bytes(emulation.upload_event())
    credentials = emulation.sts_credentials(emulation.bench_state())

    with ExitStack() as stack:
        served = _serve(stack, credentials)
        cold = _measure_cold(options, envs, served, event_file)
        warm = _measure_warm(options, envs, served, event_file)
        _progress("Import profile of an opendb cold start")
        profile = _import_profile(options, envs[OPENDB], event_file, served[OPENDB])

    figures: dict = {
        "settings": {
            "quick": options.quick,
            "runs": options.runs,
            "events": options.events,
            "warmup": options.warmup,
            "import_profiles": options.import_profiles,
            "command": options.command,
        },
        "machine": machine,
        "implementations": {
            implementation.name: _implementation_figures(
                implementation, envs[implementation.environment], cold.get(implementation.name), warm.get(implementation.name)
            )
            for implementation in IMPLEMENTATIONS
        },
        "packages": packages,
        "import_profile": profile,
    }
    figures["targets"] = targets.evaluate(figures)
    return figures
