"""scripts/bench: one --quick run end to end, and the harness's arithmetic on known inputs.

The quick run keeps the benchmark working. It asserts what each program did
(three requests per event, an opened database, a peak RSS read) and never
how fast it was, because timings depend on the machine. The quick run builds
the layer with scripts/package, which downloads wheels on its first run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from harness import importtime, measure, report, targets  # noqa: E402
from harness.emulation import ServerTimes  # noqa: E402
from harness.environments import Environment  # noqa: E402
from harness.implementations import by_name  # noqa: E402
from harness.summary import summarize  # noqa: E402
from references import job  # noqa: E402

PROGRAMS = ("opendb", "new-sdk", "legacy-sdk")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """Run ``scripts/bench --quick`` once and return its exit code, output, page and figures."""
    folder = tmp_path_factory.mktemp("bench")
    page = folder / "bench.md"
    figures = folder / "bench.json"
    completed = subprocess.run(
        [str(ROOT / "scripts" / "bench"), "--quick", "--output", str(page), "--json", str(figures)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    loaded = json.loads(figures.read_text()) if figures.exists() else None
    text = page.read_text() if page.exists() else ""
    return completed, text, loaded


@pytest.mark.network
def test_quick_run_succeeds(quick_run):
    completed, _, figures = quick_run
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert figures is not None
    assert figures["settings"]["quick"] is True


@pytest.mark.network
@pytest.mark.parametrize("name", PROGRAMS)
def test_quick_run_cold_start_opens(quick_run, name):
    figure = quick_run[2]["implementations"][name]
    assert figure["cold"]["to_result"]["count"] == quick_run[2]["settings"]["runs"]
    assert figure["cold"]["to_result"]["median"] > 0
    assert figure["cold"]["to_exit"]["median"] >= figure["cold"]["to_result"]["median"]
    assert figure["requests_per_cold_run"] == [3]
    assert figure["peak_rss_mib"]["minimum"] > 1


@pytest.mark.network
@pytest.mark.parametrize("name", (*PROGRAMS, "transport", "httpx-floor"))
def test_quick_run_warm_events(quick_run, name):
    warm = quick_run[2]["implementations"][name]["warm"]
    assert warm["requests_per_event"] == {"minimum": 3, "maximum": 3}
    assert warm["added"]["count"] == quick_run[2]["settings"]["events"]
    assert warm["server"]["median"] > 0
    assert warm["wall"]["median"] > warm["server"]["median"]


@pytest.mark.network
def test_quick_run_floors(quick_run):
    implementations = quick_run[2]["implementations"]
    assert implementations["floor"]["cold"]["to_result"]["median"] > 0
    assert implementations["floor"]["requests_per_cold_run"] == [0]
    assert implementations["floor"]["warm"] is None
    assert implementations["floor-client"]["cold"]["initialize"]["median"] > 0
    assert implementations["transport"]["cold"] is None
    assert implementations["httpx-floor"]["cold"] is None


@pytest.mark.network
def test_quick_run_sizes(quick_run):
    figures = quick_run[2]
    assert figures["packages"]["code_zip_bytes"] == (ROOT / "build" / "opendb-code.zip").stat().st_size
    assert figures["packages"]["layer_zip_bytes"] == (ROOT / "build" / "opendb-layer.zip").stat().st_size
    # --quick runs every program in .venv, which is no measure of one program's size.
    assert figures["implementations"]["new-sdk"]["installed_bytes"] is None


@pytest.mark.network
def test_quick_run_judges_every_target(quick_run):
    verdicts = quick_run[2]["targets"]
    assert len(verdicts) == 5
    for verdict in verdicts:
        assert isinstance(verdict["passed"], bool), verdict
        assert verdict["measured"] > 0


@pytest.mark.network
def test_quick_run_page_and_table(quick_run):
    completed, page, figures = quick_run
    assert page.startswith("# Benchmarks")
    assert "## Targets" in page
    assert figures["machine"]["cpu"] in page
    assert "Reference A" in completed.stdout
    assert "transport" in completed.stdout


@pytest.mark.network
def test_quick_run_import_profile(quick_run):
    profile = quick_run[2]["import_profile"]
    assert profile[importtime.OPENDB] > 0
    assert profile[importtime.HTTPX] > 0
    assert profile[importtime.STRUCTLOG] > 0


def test_run_kills_hung_process(tmp_path):
    environment = Environment("test", Path(sys.executable), None)
    # A second -c before the runner's own makes the child sleep instead of running the runner.
    hang = ("-c", "import time; time.sleep(60)")
    with pytest.raises(measure.BenchmarkError, match="timed out after 0.5 s"):
        measure._run(environment, by_name("floor"), ["floor"], {}, tmp_path, timeout=0.5, python_options=hang)


def test_summarize_quartiles():
    summary = summarize([5.0, 1.0, 3.0, 2.0, 4.0])
    assert summary.median == 3.0
    assert summary.q1 == 2.0
    assert summary.q3 == 4.0
    assert summary.minimum == 1.0
    assert summary.maximum == 5.0
    assert summary.iqr == 2.0


def test_summarize_p99():
    summary = summarize([float(value) for value in range(101)])
    assert summary.p99 == pytest.approx(99.0)
    assert summary.count == 101


def test_summarize_single_and_empty():
    assert summarize([7.0]).p99 == 7.0
    with pytest.raises(ValueError):
        summarize([])


def test_server_times_clip_to_window():
    times = ServerTimes()
    times._intervals.extend([(100, 150), (200, 260), (290, 320), (400, 450)])
    busy, count = times.within(100, 300)
    assert busy == 50 + 60 + 10
    assert count == 3


def test_server_times_pair_by_connection():
    times = ServerTimes()
    first, second = object(), object()
    times.start(first)
    times.start(second)
    times.end(second)
    times.end(first)
    times.end(object())
    assert times.within(0, 2**62)[1] == 2


IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:      1000 |       1000 |   encodings.aliases
import time:      2000 |       3000 | site
import time:       100 |        100 | function_runner
import time:       500 |        500 |       email.utils
import time:      4000 |       4500 |     httpx._models
import time:       300 |       4800 |   httpx
import time:       700 |        700 |     re
import time:       200 |        900 |   opendb.logs
import time:       100 |       5800 | index
import time:       400 |        400 | hashlib
"""


def test_importtime_charges_stdlib_to_importer():
    totals = importtime.attribute(IMPORTTIME, frozenset({"encodings", "site", "email", "re", "hashlib"}))
    assert totals[importtime.STARTUP] == pytest.approx(3.0)
    assert totals[importtime.RUNNER] == pytest.approx(0.1)
    assert totals[importtime.HTTPX] == pytest.approx(4.8)
    assert totals[importtime.OPENDB] == pytest.approx(1.0)
    assert totals[importtime.LATE_STDLIB] == pytest.approx(0.4)


def _figures(opendb_cold, reference_cold, floor_cold, rss, warm_added, zips):
    def cold(median):
        return {"to_result": {"median": median}}

    return {
        "implementations": {
            "opendb": {
                "short": "opendb",
                "cold": cold(opendb_cold),
                "peak_rss_mib": {"maximum": rss, "median": rss, "count": 3},
                "warm": {"added": {"median": warm_added, "p99": warm_added * 2, "count": 30}},
            },
            "new-sdk": {"short": "Reference A", "cold": cold(reference_cold)},
            "floor": {"short": "floor", "cold": cold(floor_cold)},
        },
        "packages": {"code_zip_bytes": zips // 2, "layer_zip_bytes": zips - zips // 2},
    }


def test_targets_all_pass():
    verdicts = targets.evaluate(_figures(100.0, 400.0, 90.0, 30.0, 0.8, 1024 * 1024))
    assert [verdict["passed"] for verdict in verdicts] == [True, True, True, True, True]
    assert verdicts[0]["measured"] == pytest.approx(0.25)


def test_targets_each_miss():
    verdicts = targets.evaluate(_figures(200.0, 400.0, 90.0, 40.0, 1.5, 3 * 1024 * 1024))
    assert [verdict["passed"] for verdict in verdicts] == [False, False, False, False, False]
    assert verdicts[1]["measured"] == pytest.approx(200.0 / 90.0)


def test_report_marks_miss():
    verdicts = targets.evaluate(_figures(200.0, 400.0, 90.0, 30.0, 0.5, 1024))
    lines = report.terminal_table_targets(verdicts)
    assert lines[0].startswith("MISS")
    assert lines[1].startswith("MISS")
    assert lines[2].startswith("pass")


def test_job_parameters_from_metadata():
    parameters = job.open_parameters(
        {"RDS-Instance-Id": " rm-1 ", "rds-db-name": "sales", "rds-migrate-task-id": "7"}
    )
    assert parameters == {
        "DBInstanceId": "rm-1", "DBName": "sales", "MigrateTaskId": "7", "CheckDBMode": "AsyncExecuteDBCheck",
    }


def test_job_rejects_partial_metadata():
    assert job.open_parameters({"content-type": "x"}) is None
    with pytest.raises(ValueError, match="x-oss-meta-rds-migrate-task-id"):
        job.open_parameters({"rds-instance-id": "rm-1", "rds-db-name": "sales"})
