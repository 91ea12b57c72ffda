"""Command line of scripts/bench."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from . import report
from .implementations import REPO_ROOT
from .measure import BenchmarkError
from .run import Options, run

WORKDIR = REPO_ROOT / "build" / "bench"
PAGE = REPO_ROOT / "docs" / "benchmarks.md"
FULL_DEFAULTS = {"runs": 15, "events": 500, "warmup": 50, "profiles": 5}
QUICK_DEFAULTS = {"runs": 3, "events": 30, "warmup": 5, "profiles": 1}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description="Compare opendb's cold start, warm cost per event, peak RSS and size with "
        "functions written with Alibaba's official SDKs, against the local emulator.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="few repetitions, every program in the test environment (.venv) instead of its own venv, "
        "and results under build/bench/ rather than docs/benchmarks.md",
    )
    parser.add_argument("--runs", type=int, help="counted cold-start processes per program (default 15; 3 with --quick)")
    parser.add_argument("--events", type=int, help="timed warm events per program (default 500; 30 with --quick)")
    parser.add_argument("--warmup", type=int, help="untimed events before the timed ones (default 50; 5 with --quick)")
    parser.add_argument(
        "--profiles", type=int, help="python -X importtime runs of opendb's cold start (default 5; 1 with --quick)"
    )
    parser.add_argument(
        "--python",
        type=Path,
        default=Path(getattr(sys, "_base_executable", sys.executable)),
        help="interpreter for the benchmark venvs (default: the one behind .venv); ignored with --quick",
    )
    parser.add_argument("--output", type=Path, help="Markdown page to write (default docs/benchmarks.md; build/bench/quick.md with --quick)")
    parser.add_argument("--json", type=Path, help="figures as JSON (default build/bench/results.json; build/bench/quick.json with --quick)")
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    parsed = _parser().parse_args(arguments)
    quick = parsed.quick
    defaults = QUICK_DEFAULTS if quick else FULL_DEFAULTS
    warmup = defaults["warmup"] if parsed.warmup is None else parsed.warmup
    options = Options(
        quick=quick,
        runs=parsed.runs or defaults["runs"],
        events=parsed.events or defaults["events"],
        warmup=warmup,
        import_profiles=parsed.profiles or defaults["profiles"],
        base_python=parsed.python,
        workdir=WORKDIR,
        command=shlex.join(["scripts/bench", *arguments]),
    )
    output = parsed.output or (WORKDIR / "quick.md" if quick else PAGE)
    json_path = parsed.json or (WORKDIR / ("quick.json" if quick else "results.json"))

    try:
        figures = run(options)
    except BenchmarkError as error:
        print(f"scripts/bench: {error}", file=sys.stderr)
        return 1

    print(report.terminal_table(figures))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report.page(figures), encoding="utf-8")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nWrote {output} and {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
