"""The house rules of wiring, checked on the source: the container wires, entrypoints call.

Routes (``chalicelib/api``) and Lambda handlers (``functions``) get ready use cases from the
container; they never hand ports to a service themselves, and never call a service function
directly (which would let them skip what the container's use case adds, such as hiding personal
data from staff who may not see it).
"""

from __future__ import annotations

import ast
from functools import cached_property
from pathlib import Path

import pytest

from chalicelib.bootstrap import Container

ROOT = Path(__file__).resolve().parents[2]
# auth.py reads who is calling with the settings and the clock: the API's edge, not a use case.
ENTRYPOINTS = sorted(
    p
    for p in [*ROOT.glob("chalicelib/api/*.py"), *ROOT.glob("functions/*.py")]
    if p.name != "auth.py"
)
# What the container builds (ports, policies, use cases), and the bundles' own names.
WIRED = {n for n, v in vars(Container).items() if isinstance(v, cached_property)}


def _is_container(node: ast.expr) -> bool:
    """``c``, ``container`` or a call of ``container()`` / ``bootstrap.container()``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr == "container"
    return isinstance(node, ast.Name) and node.id in ("c", "container")


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


@pytest.mark.parametrize("path", ENTRYPOINTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_entrypoints_pass_no_ports(path: Path):
    """No call hands on something the container built (``cards=c.cards``, ``ports=...``)."""
    passed = [
        f"line {node.lineno}: {kw.arg}=...{kw.value.attr}"
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.Call)
        for kw in node.keywords
        if isinstance(kw.value, ast.Attribute)
        and kw.value.attr in WIRED
        and _is_container(kw.value.value)
    ]
    assert passed == [], "wire it in bootstrap.Container, call the use case here"


@pytest.mark.parametrize("path", ENTRYPOINTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_entrypoints_call_no_service_function(path: Path):
    """Only types come from the services (commands, results); the use cases come from the
    container."""
    functions = [
        f"line {node.lineno}: {alias.name} from {node.module}"
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.ImportFrom)
        and (node.module or "").startswith("chalicelib.services")
        for alias in node.names
        if not alias.name[:1].isupper()
    ]
    assert functions == []


def test_blueprints_do_not_import_each_other():
    """Shared route helpers live in api/http.py (and queries, schemas, errors, auth)."""
    blueprints = {p.stem for p in ROOT.glob("chalicelib/api/*.py") if "Blueprint(" in p.read_text()}
    crossing = [
        f"{path.name} imports api.{node.module.rsplit('.', 1)[-1]}"
        for path in ROOT.glob("chalicelib/api/*.py")
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.ImportFrom)
        and (node.module or "").startswith("chalicelib.api.")
        and node.module.rsplit(".", 1)[-1] in blueprints
    ]
    assert crossing == []
