"""The code zip that template.yml deploys: its contents and that it imports on its own."""

import re
import subprocess
import sys
import zipfile

import pytest

from packaged import BUNDLE, CODE_ZIP, PACKAGE, ROOT, build_code_zip, function_props, load_template, run_clean, site_packages

SOURCE = ROOT / "functions" / "open_database"


@pytest.fixture(scope="module")
def code_zip(tmp_path_factory):
    return build_code_zip(tmp_path_factory.mktemp("code") / "opendb-code.zip")


def zip_names(path):
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def source_files():
    names = set()
    for path in SOURCE.rglob("*"):
        relative = path.relative_to(SOURCE)
        if path.is_file() and "__pycache__" not in relative.parts and path.suffix != ".pyc":
            names.add(relative.as_posix())
    return names


def test_code_zip_holds_function_sources(code_zip):
    assert set(zip_names(code_zip)) == source_files()


def test_code_zip_handler_at_root(code_zip):
    names = zip_names(code_zip)
    assert "index.py" in names
    assert "opendb/__init__.py" in names
    assert "opendb/events/__init__.py" in names


def test_code_zip_nothing_else(code_zip):
    for name in zip_names(code_zip):
        assert name == "index.py" or name.startswith("opendb/"), name
        assert "__pycache__" not in name
        assert not name.endswith(".pyc")


def test_code_zip_reproducible(code_zip, tmp_path):
    again = build_code_zip(tmp_path / "again.zip")
    assert again.read_bytes() == code_zip.read_bytes()


def test_bundle_prints_size(tmp_path):
    out = tmp_path / "code.zip"
    result = subprocess.run([sys.executable, str(BUNDLE), "code", str(out)], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == f"{out}: {out.stat().st_size} bytes"


def test_bundle_skips_caches_and_hidden(tmp_path):
    tree = tmp_path / "tree"
    (tree / "pkg" / "__pycache__").mkdir(parents=True)
    (tree / "pkg" / "__init__.py").write_text("")
    (tree / "pkg" / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\0")
    (tree / "pkg" / "stale.pyc").write_bytes(b"\0")
    (tree / ".git").mkdir()
    (tree / ".git" / "HEAD").write_text("ref")
    (tree / ".env").write_text("SECRET=1")
    out = tmp_path / "tree.zip"
    subprocess.run([sys.executable, str(BUNDLE), "tree", str(tree), str(out)], check=True, capture_output=True)
    assert zip_names(out) == ["pkg/__init__.py"]


IMPORT_ALL = """
import importlib, pkgutil
code_zip = sys.argv[1]
import index
import opendb
names = [module.name for module in pkgutil.walk_packages(opendb.__path__, "opendb.")]
for name in names:
    importlib.import_module(name)
print(len(names))
for name, module in sorted(sys.modules.items()):
    top = name.split(".")[0]
    origin = getattr(module, "__file__", "") or ""
    if top == "opendb_local":
        print(f"loaded {name}")
    if top in ("opendb", "index") and not origin.startswith(code_zip):
        print(f"{name} from {origin}")
"""


def test_code_zip_imports_alone(code_zip):
    # Only the code zip and the installed dependencies are on the path: an
    # import of anything under local/ or tests/ would fail here.
    result = run_clean(IMPORT_ALL, [str(code_zip), site_packages()], str(code_zip))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    module_count = sum(1 for name in zip_names(code_zip) if name.startswith("opendb/") and name.endswith(".py")) - 1
    assert lines == [str(module_count)]


def test_template_code_path_is_package_output():
    script = PACKAGE.read_text(encoding="utf-8")
    code = function_props(load_template())["code"]
    assert code.startswith("./")
    assert f"deploy/bundle.py code {code[2:]}" in script


@pytest.mark.network
def test_package_script_builds_both():
    result = subprocess.run([str(PACKAGE)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    sizes = re.findall(r"^(build/opendb-(?:code|layer)\.zip): (\d+) bytes$", result.stdout, re.MULTILINE)
    assert [name for name, _ in sizes] == ["build/opendb-code.zip", "build/opendb-layer.zip"]
    for name, size in sizes:
        assert (ROOT / name).stat().st_size == int(size)
    assert set(zip_names(CODE_ZIP)) == source_files()
