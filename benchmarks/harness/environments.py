"""Virtual environments for the benchmarked programs, and the installed size of their dependencies.

Each environment is created with ``python -m venv --without-pip`` and filled
by the harness's own pip through ``pip --python``, so it contains the
requirements and their dependencies and nothing else. An environment is
reused while its requirements and interpreter are unchanged.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

# Installer tooling that a venv may carry and that no function imports.
_TOOLING = frozenset({"pip", "setuptools", "wheel", "_distutils_hack", "pkg_resources", "distutils-precedence.pth"})


@dataclass(frozen=True)
class Environment:
    """An interpreter to run and, for a dedicated venv, its site-packages folder.

    ``site_packages`` is None for the shared test environment of ``--quick``,
    whose size is no measure of any one implementation.
    """

    name: str
    python: Path
    site_packages: Path | None
    packages: tuple[str, ...] = ()


def interpreter_version(python: Path | str) -> str:
    """Return ``sys.version`` of another interpreter, such as ``3.10.13 (main, ...) [GCC 12.2.0]``."""
    completed = subprocess.run(
        [str(python), "-c", "import sys; print(sys.version)"], capture_output=True, text=True, check=True, timeout=60
    )
    return completed.stdout.strip().replace("\n", " ")


def _requirements_text(requirements: Path) -> str:
    """Return the requirements with every ``-r`` include expanded, for the reuse stamp."""
    parts = []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("-r "):
            parts.append(_requirements_text((requirements.parent / stripped[3:].strip()).resolve()))
        else:
            parts.append(stripped)
    return "\n".join(parts)


def _site_packages(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python*/site-packages"))
    if len(found) != 1:
        raise RuntimeError(f"expected one site-packages folder under {venv}, found {len(found)}")
    return found[0]


def _packages(site_packages: Path) -> tuple[str, ...]:
    names = {
        f"{distribution.metadata['Name']}=={distribution.version}"
        for distribution in metadata.distributions(path=[str(site_packages)])
    }
    return tuple(sorted(names, key=str.lower))


def ensure(name: str, requirements: Path, base_python: Path, root: Path) -> Environment:
    """Create or reuse the venv ``root/venv-NAME`` with ``requirements`` installed for ``base_python``."""
    version = interpreter_version(base_python)
    stamp_text = f"{base_python}\n{version}\n{_requirements_text(requirements)}"
    stamp = hashlib.sha256(stamp_text.encode()).hexdigest()[:16]
    venv = root / f"venv-{name}"
    stamp_file = venv / f".bench-{stamp}"

    if not stamp_file.exists():
        if venv.exists():
            shutil.rmtree(venv)
        print(f"Creating {venv} from {requirements.name} with {base_python}", file=sys.stderr, flush=True)
        subprocess.run([str(base_python), "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
        subprocess.run(
            [
                sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                "--quiet", "--disable-pip-version-check", "--no-input", "-r", str(requirements),
            ],
            check=True,
            timeout=900,
        )
        stamp_file.touch()

    site_packages = _site_packages(venv)
    return Environment(name, venv / "bin" / "python", site_packages, _packages(site_packages))


def shared(name: str, python: Path) -> Environment:
    """Return the test environment's interpreter for ``name``, as ``--quick`` uses it."""
    return Environment(name, python, None)


def _is_tooling(entry: Path) -> bool:
    stem = entry.name.split("-", 1)[0] if entry.name.endswith((".dist-info", ".egg-info")) else entry.name
    return stem.lower() in _TOOLING or entry.name in _TOOLING


def installed_size(site_packages: Path) -> int:
    """Return the bytes of every installed file, leaving out installer tooling and __pycache__ bytecode."""
    total = 0
    for entry in site_packages.iterdir():
        if _is_tooling(entry):
            continue
        if entry.is_file():
            total += entry.stat().st_size
            continue
        for path in entry.rglob("*"):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            total += path.stat().st_size
    return total
