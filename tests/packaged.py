"""Helpers for the deployment tests: template.yml, the built zips, and a clean interpreter."""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yml"
POLICY = ROOT / "deploy" / "policy.json"
BUNDLE = ROOT / "deploy" / "bundle.py"
BUILD_LAYER = ROOT / "scripts" / "build-layer"
PACKAGE = ROOT / "scripts" / "package"
LAYER_ZIP = ROOT / "build" / "opendb-layer.zip"
CODE_ZIP = ROOT / "build" / "opendb-code.zip"

# Stands in for ${config('AccountID')}, which Serverless Devs reads from `s config`.
ACCOUNT_ID = "1234567890123456"

_REFERENCE = re.compile(r"\$\{([^}]*)\}")


def load_template() -> dict:
    return yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))


def function_props(template: dict) -> dict:
    return template["resources"]["opendb"]["props"]


def references(value: Any) -> list[str]:
    """Return every ${...} expression in a YAML value, at any depth."""
    if isinstance(value, str):
        return [match.strip() for match in _REFERENCE.findall(value)]
    if isinstance(value, dict):
        return [found for item in value.values() for found in references(item)]
    if isinstance(value, list):
        return [found for item in value for found in references(item)]
    return []


def resolve(value: Any, variables: dict) -> Any:
    """Substitute ${vars.NAME} and ${config('AccountID')} as Serverless Devs does.

    Raises KeyError for an undefined variable or any other expression, so a
    typo in the template fails the test that resolves it.
    """

    def substitute(match: re.Match) -> str:
        expression = match.group(1).strip()
        if expression.startswith("vars."):
            return str(variables[expression[len("vars."):]])
        if expression == "config('AccountID')":
            return ACCOUNT_ID
        raise KeyError(f"unsupported reference ${{{expression}}}")

    if isinstance(value, str):
        return _REFERENCE.sub(substitute, value)
    if isinstance(value, dict):
        return {key: resolve(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, variables) for item in value]
    return value


def resolved_props(template: dict) -> dict:
    return resolve(function_props(template), template["vars"])


def build_code_zip(out: Path) -> Path:
    """Build the code zip with the same command scripts/package runs."""
    subprocess.run([sys.executable, str(BUNDLE), "code", str(out)], check=True, capture_output=True, text=True)
    return out


def site_packages() -> str:
    """The test environment's site-packages, where httpx and structlog are installed."""
    return sysconfig.get_paths()["purelib"]


def run_clean(script: str, path: list[str], *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``script`` in an interpreter whose import path is ``path`` plus the standard library.

    -I ignores PYTHONPATH and the user's site-packages, and -S skips
    site-packages with their .pth files, among them the editable install of
    opendb that would otherwise shadow the packaged code.
    """
    prelude = f"import sys\nsys.path[:0] = {path!r}\n"
    return subprocess.run(
        [sys.executable, "-I", "-S", "-c", prelude + script, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
