"""The dependency layer: pinned requirements, the zip's layout, and imports in a clean interpreter.

The build downloads wheels from PyPI on its first run and caches them under
build/wheels/, so the tests marked ``network`` are fast on reruns.
"""

import importlib.metadata
import json
import re
import subprocess
import zipfile
from email.parser import Parser

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.tags import compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

from packaged import BUILD_LAYER, LAYER_ZIP, ROOT, build_code_zip, run_clean

REQUIREMENTS = ROOT / "layers" / "requirements.txt"
WHEELS = ROOT / "build" / "wheels" / "cp310-manylinux-x86_64"

# Marker environment of FC's python3.10 runtime (CPython on Linux x86_64).
FC_PYTHON310 = {
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "python_version": "3.10",
    "python_full_version": "3.10.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "extra": "",
}
FC_PLATFORMS = ["manylinux_2_17_x86_64", "manylinux2014_x86_64", "linux_x86_64"]


def read_pins(text):
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            pins[canonicalize_name(requirement.name)] = requirement
    return pins


def pinned_version(requirement):
    [specifier] = requirement.specifier
    assert specifier.operator == "==", f"{requirement} is not pinned with =="
    return specifier.version


def test_requirements_pinned():
    pins = read_pins(REQUIREMENTS.read_text(encoding="utf-8"))
    assert {"httpx", "structlog"} <= set(pins)
    for requirement in pins.values():
        assert requirement.marker is None, f"{requirement}: the layer targets Python 3.10 only"
        assert re.fullmatch(r"[0-9][0-9a-z.]*", pinned_version(requirement))


def test_requirements_within_pyproject():
    pins = read_pins(REQUIREMENTS.read_text(encoding="utf-8"))
    runtime = [Requirement(text) for text in importlib.metadata.requires("opendb") if "extra ==" not in text]
    assert {canonicalize_name(requirement.name) for requirement in runtime} == {"httpx", "structlog"}
    for requirement in runtime:
        version = pinned_version(pins[canonicalize_name(requirement.name)])
        assert requirement.specifier.contains(version), f"layer pins {requirement.name}=={version}, pyproject says {requirement}"


def closure_problems(pins, metadata_by_name):
    """Return the requirements that FC's Python 3.10 needs but ``pins`` does not satisfy."""
    problems = []
    for name, metadata in sorted(metadata_by_name.items()):
        for text in metadata.get_all("Requires-Dist") or []:
            requirement = Requirement(text)
            if requirement.marker is not None and not Marker(str(requirement.marker)).evaluate(FC_PYTHON310):
                continue
            pin = pins.get(canonicalize_name(requirement.name))
            if pin is None:
                problems.append(f"{name} requires {requirement}, which is not pinned")
            elif not SpecifierSet(str(requirement.specifier)).contains(pinned_version(pin), prereleases=True):
                problems.append(f"{name} requires {requirement}, but {pin} is pinned")
    return problems


@pytest.fixture(scope="module")
def build_output():
    result = subprocess.run([str(BUILD_LAYER)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def layer_names(build_output):
    with zipfile.ZipFile(LAYER_ZIP) as archive:
        return archive.namelist()


@pytest.fixture(scope="module")
def layer_dir(build_output, tmp_path_factory):
    root = tmp_path_factory.mktemp("opt")
    with zipfile.ZipFile(LAYER_ZIP) as archive:
        archive.extractall(root)
    return root / "python"


@pytest.fixture(scope="module")
def layer_metadata(layer_dir):
    metadata = {}
    for path in layer_dir.glob("*.dist-info/METADATA"):
        parsed = Parser().parsestr(path.read_text(encoding="utf-8"))
        metadata[canonicalize_name(parsed["Name"])] = parsed
    return metadata


@pytest.mark.network
def test_layer_build_prints_size(build_output):
    assert f"build/opendb-layer.zip: {LAYER_ZIP.stat().st_size} bytes" in build_output.splitlines()


@pytest.mark.network
def test_layer_layout(layer_names):
    assert all(name.startswith("python/") for name in layer_names)
    assert "python/httpx/__init__.py" in layer_names
    assert "python/structlog/__init__.py" in layer_names
    assert not [name for name in layer_names if "__pycache__" in name or name.endswith(".pyc")]
    assert not [name for name in layer_names if name.startswith("python/bin/")]


@pytest.mark.network
def test_layer_holds_exactly_pins(layer_metadata):
    pins = read_pins(REQUIREMENTS.read_text(encoding="utf-8"))
    installed = {name: metadata["Version"] for name, metadata in layer_metadata.items()}
    assert installed == {name: pinned_version(requirement) for name, requirement in pins.items()}


@pytest.mark.network
def test_layer_dependencies_complete(layer_metadata):
    pins = read_pins(REQUIREMENTS.read_text(encoding="utf-8"))
    assert closure_problems(pins, layer_metadata) == []


@pytest.mark.network
def test_layer_missing_backport_detected(layer_metadata):
    pins = read_pins(REQUIREMENTS.read_text(encoding="utf-8"))
    del pins["exceptiongroup"]
    problems = closure_problems(pins, layer_metadata)
    assert len(problems) == 1
    assert problems[0].startswith("anyio requires exceptiongroup")


@pytest.mark.network
def test_layer_wheels_fit_fc_python310():
    supported = set(cpython_tags((3, 10), platforms=FC_PLATFORMS))
    supported |= set(compatible_tags((3, 10), "cp310", platforms=FC_PLATFORMS))
    wheels = sorted(WHEELS.glob("*.whl"))
    assert wheels
    for wheel in wheels:
        _, _, _, tags = parse_wheel_filename(wheel.name)
        assert tags & supported, f"{wheel.name} does not install on CPython 3.10 manylinux x86_64"


IMPORT_DEPENDENCIES = """
import json
import httpx, structlog
print(json.dumps({"httpx": httpx.__file__, "structlog": structlog.__file__, "path": sys.path}))
"""


@pytest.mark.network
def test_layer_imports_in_clean_interpreter(layer_dir):
    result = run_clean(IMPORT_DEPENDENCIES, [str(layer_dir)])
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["httpx"].startswith(str(layer_dir))
    assert found["structlog"].startswith(str(layer_dir))
    assert not [entry for entry in found["path"] if "site-packages" in entry]


RUN_HANDLER = """
import json
import index

class Credentials:
    access_key_id = "STS.testkeyid"
    access_key_secret = "test-secret-not-real"
    security_token = "test-token-not-real"

class Context:
    request_id = "1-test-request"
    region = "cn-hangzhou"
    credentials = Credentials()

index.initializer(Context())
folder = {"events": [{
    "eventName": "ObjectCreated:PutObject",
    "region": "cn-hangzhou",
    "oss": {"bucket": {"name": "my-rds-backups"}, "object": {"key": "backups/sales/"}},
}]}
result = index.handler(json.dumps(folder).encode(), Context())
print("RESULT " + json.dumps(result["summary"]))
"""


@pytest.mark.network
def test_packaged_code_runs_on_layer(layer_dir, tmp_path):
    # The event names a folder, which the handler skips before any request,
    # so this runs the whole invocation without leaving the machine.
    code_zip = build_code_zip(tmp_path / "opendb-code.zip")
    result = run_clean(RUN_HANDLER, [str(code_zip), str(layer_dir)], env={"FC_REGION": "cn-hangzhou"})
    assert result.returncode == 0, result.stderr
    summaries = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert summaries == ['RESULT {"skipped": 1}']
    steps = [json.loads(line)["step"] for line in result.stdout.splitlines() if line.startswith("{")]
    assert steps[0] == "initialize"
    assert "outcome" in steps
    assert steps[-1] == "finish"
