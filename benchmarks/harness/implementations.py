"""The programs the benchmark runs: opendb, the two official-SDK references, and four baselines."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

REPO_ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = REPO_ROOT / "benchmarks"

OPENDB = "opendb"
NEW_SDK = "new-sdk"
LEGACY_SDK = "legacy-sdk"
FLOOR = "floor"
FLOOR_CLIENT = "floor-client"
TRANSPORT = "transport"
HTTPX_FLOOR = "httpx-floor"


def _opendb_opened(result: Any) -> bool:
    return isinstance(result, dict) and result.get("summary") == {"opened": 1}


def _reference_opened(result: Any) -> bool:
    return isinstance(result, dict) and len(result.get("opened") or []) == 1


def _transport_answered(result: Any) -> bool:
    return isinstance(result, dict) and len(result.get("statuses") or []) == 3


def _anything(result: Any) -> bool:
    return True


@dataclass(frozen=True)
class Implementation:
    """One program the benchmark starts, and the virtual environment it runs in.

    ``mode`` is the runner's mode for a cold start: ``cold`` runs ``module``,
    while ``floor`` and ``floor-client`` only import httpx and structlog (and
    create an httpx.Client). ``environment`` names the virtual environment:
    the baselines share opendb's, so they import the same httpx and structlog.
    ``cold`` and ``warm`` select the measurements that include it, and
    ``opened`` checks that a handler's result shows the job done.
    """

    name: str
    short: str
    title: str
    mode: str
    module: str | None
    source: Path | None
    environment: str
    cold: bool
    warm: bool
    opened: Callable[[Any], bool]


IMPLEMENTATIONS = (
    Implementation(
        OPENDB, "opendb", "opendb", "cold", "index", REPO_ROOT / "functions" / "open_database", OPENDB,
        cold=True, warm=True, opened=_opendb_opened,
    ),
    Implementation(
        NEW_SDK, "Reference A", "Reference A: alibabacloud-rds20140815 + alibabacloud-oss-v2", "cold",
        "references.new_sdk", BENCHMARKS, NEW_SDK, cold=True, warm=True, opened=_reference_opened,
    ),
    Implementation(
        LEGACY_SDK, "Reference B", "Reference B: aliyun-python-sdk-core + aliyun-python-sdk-rds + oss2", "cold",
        "references.legacy_sdk", BENCHMARKS, LEGACY_SDK, cold=True, warm=True, opened=_reference_opened,
    ),
    Implementation(
        FLOOR, "floor", "Floor: import httpx, structlog", "floor", None, None, OPENDB,
        cold=True, warm=False, opened=_anything,
    ),
    Implementation(
        FLOOR_CLIENT, "floor + client", "Floor + httpx.Client(): the floor, then one client with TLS verification",
        "floor-client", None, None, OPENDB, cold=True, warm=False, opened=_anything,
    ),
    Implementation(
        TRANSPORT, "transport", "Transport floor: the three requests, unsigned, with http.client", "cold",
        "references.bare_http", BENCHMARKS, OPENDB, cold=False, warm=True, opened=_transport_answered,
    ),
    Implementation(
        HTTPX_FLOOR, "httpx floor", "httpx floor: the three requests, unsigned, with one httpx.Client", "cold",
        "references.bare_httpx", BENCHMARKS, OPENDB, cold=False, warm=True, opened=_transport_answered,
    ),
)

# Requirements file of each virtual environment.
REQUIREMENTS = {
    OPENDB: BENCHMARKS / "requirements-opendb.txt",
    NEW_SDK: BENCHMARKS / "requirements-new-sdk.txt",
    LEGACY_SDK: BENCHMARKS / "requirements-legacy-sdk.txt",
}


def by_name(name: str) -> Implementation:
    for implementation in IMPLEMENTATIONS:
        if implementation.name == name:
            return implementation
    raise KeyError(f"no implementation named {name!r}")
