"""Attribute a cold start's import time to its owners, from ``python -X importtime`` output.

CPython prints one line per module in post-order, children before their
parent, each indented two spaces per level below the import that caused it.
A standard-library module is charged to the nearest third-party or opendb
module above it, because that module is why it was loaded. A module imported
while no other import runs is a root. Roots before the benchmark runner are
the interpreter's own startup, and later standard-library roots come from
imports inside functions.

importtime adds its own overhead, so the shares are estimates and their sum
is larger than the import time a plain run measures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

OPENDB = "opendb"
HTTPX = "httpx and its dependencies"
STRUCTLOG = "structlog"
RUNNER = "benchmark runner"
STARTUP = "interpreter startup"
LATE_STDLIB = "standard library, imported inside functions"
OTHER = "other third-party packages"

_OWNERS = {
    "index": OPENDB,
    "opendb": OPENDB,
    "httpx": HTTPX,
    "httpcore": HTTPX,
    "h11": HTTPX,
    "anyio": HTTPX,
    "sniffio": HTTPX,
    "idna": HTTPX,
    "certifi": HTTPX,
    "exceptiongroup": HTTPX,
    "typing_extensions": HTTPX,
    "structlog": STRUCTLOG,
    "function_runner": RUNNER,
}

_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$")


@dataclass
class _Node:
    name: str
    depth: int
    self_us: int
    children: list[_Node] = field(default_factory=list)


def _parse(text: str) -> list[_Node]:
    """Return the root imports, each with its subtree, in the order they finished."""
    pending: list[_Node] = []
    for line in text.splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        depth = (len(match.group(3)) - 1) // 2
        node = _Node(match.group(4), depth, int(match.group(1)))
        # Post-order: the lines just before this one at depth + 1 are its children.
        while pending and pending[-1].depth > depth:
            node.children.insert(0, pending.pop())
        pending.append(node)
    return pending


def _owner(module: str, stdlib: frozenset[str]) -> str | None:
    top = module.split(".", 1)[0]
    if top in _OWNERS:
        return _OWNERS[top]
    if top in stdlib or top.startswith("_"):
        return None
    return OTHER


def attribute(text: str, stdlib: frozenset[str]) -> dict[str, float]:
    """Return milliseconds of import self-time per owner, for importtime output ``text``.

    ``stdlib`` names the standard library's top-level modules
    (``sys.stdlib_module_names`` of the interpreter that produced the text).
    """
    totals: dict[str, float] = {}
    runner_seen = False

    def visit(node: _Node, inherited: str) -> None:
        owner = _owner(node.name, stdlib) or inherited
        totals[owner] = totals.get(owner, 0.0) + node.self_us / 1000
        for child in node.children:
            visit(child, owner)

    for root in _parse(text):
        if root.name == "function_runner":
            runner_seen = True
        visit(root, LATE_STDLIB if runner_seen else STARTUP)
    return totals
