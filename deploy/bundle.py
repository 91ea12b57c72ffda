"""Build the zip files that are deployed: the function's code and the dependency layer.

Both zips are reproducible: entries are sorted and carry a fixed timestamp,
so the same sources give byte-identical zips with the same checksum.

Usage:
    python deploy/bundle.py code OUT.zip       # functions/open_database, for template.yml's code
    python deploy/bundle.py tree DIR OUT.zip   # every file under DIR, paths relative to DIR
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CODE_DIR = REPO_ROOT / "functions" / "open_database"

# 1980-01-01 is the earliest time a zip entry can hold.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
SKIPPED_DIRECTORIES = {"__pycache__"}
SKIPPED_SUFFIXES = {".pyc", ".pyo"}


def is_packaged(relative: Path) -> bool:
    """Return True for a file that belongs in a zip: no caches, bytecode or hidden files."""
    if any(part in SKIPPED_DIRECTORIES or part.startswith(".") for part in relative.parts):
        return False
    return relative.suffix not in SKIPPED_SUFFIXES


def tree_entries(root: Path) -> list[tuple[str, Path]]:
    """Return (name in zip, path) for every packaged file under ``root``, sorted by name."""
    entries = []
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if path.is_file() and is_packaged(relative):
            entries.append((relative.as_posix(), path))
    return sorted(entries)


def write_zip(entries: list[tuple[str, Path]], out: Path) -> int:
    """Write ``entries`` to ``out`` reproducibly and return the zip's size in bytes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, path in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            executable = path.stat().st_mode & stat.S_IXUSR
            info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
            archive.writestr(info, path.read_bytes())
    # Replace the old zip only once the new one is complete.
    os.replace(partial, out)
    return out.stat().st_size


def build_code_zip(out: Path, source: Path = CODE_DIR) -> int:
    """Zip the function's code (index.py and the opendb package) with the handler file at the root."""
    entries = tree_entries(source)
    names = {name for name, _ in entries}
    if "index.py" not in names:
        raise SystemExit(f"{source} has no index.py, so index.handler would not resolve")
    return write_zip(entries, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build a reproducible deployment zip.")
    commands = parser.add_subparsers(dest="command", required=True)
    code = commands.add_parser("code", help="zip functions/open_database")
    code.add_argument("out", type=Path, help="zip file to write")
    tree = commands.add_parser("tree", help="zip every file under a directory")
    tree.add_argument("root", type=Path, help="directory whose contents go to the zip root")
    tree.add_argument("out", type=Path, help="zip file to write")
    args = parser.parse_args(argv)

    if args.command == "code":
        size = build_code_zip(args.out)
    else:
        if not args.root.is_dir():
            parser.error(f"{args.root} is not a directory")
        size = write_zip(tree_entries(args.root), args.out)
    print(f"{args.out}: {size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
