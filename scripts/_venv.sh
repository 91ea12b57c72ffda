# Sourced by the scripts: create .venv once and install the project's
# local and test dependencies from pyproject.toml into it.
# Set OPENDB_PYTHON to choose the interpreter (default: python3).

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$repo_root/.venv"
stamp="$venv/.installed-$(sha1sum "$repo_root/pyproject.toml" | cut -c1-12)"

if [ ! -x "$venv/bin/python" ]; then
    "${OPENDB_PYTHON:-python3}" -m venv "$venv"
fi
if [ ! -e "$stamp" ]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$repo_root[test]"
    rm -f "$venv"/.installed-*
    touch "$stamp"
fi

export PYTHONPATH="$repo_root/functions/open_database:$repo_root/local${PYTHONPATH:+:$PYTHONPATH}"
PYTHON="$venv/bin/python"
