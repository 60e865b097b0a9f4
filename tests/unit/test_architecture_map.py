"""ARCHITECTURE.md's capability map stays true: every path it names exists, and every service,
route module, Lambda function and CDK construct module is on it (a newcomer finds any of them
from the map)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "ARCHITECTURE.md").read_text()
MAP = PAGE[PAGE.index("## Capability map") : PAGE.index("## Decisions already taken")]
PREFIXES = ("chalicelib/", "functions/", "infrastructure/")
# Packages' __init__ and modules that are not a capability's (registration, the CDK app).
NOT_MAPPED = {
    "chalicelib/api/__init__.py",
    "chalicelib/services/__init__.py",
    "functions/__init__.py",
    "infrastructure/__init__.py",
    "infrastructure/app.py",
}


def _named() -> set[str]:
    """Paths in backticks, with ``chalicelib/`` implied for domain/services/api/adapters."""
    found = set()
    for name in re.findall(r"`([\w/.]+\.py)`", MAP):
        if name.startswith(("domain/", "services/", "api/", "adapters/")):
            name = f"chalicelib/{name}"
        found.add(name)
    return found


def test_every_path_on_the_map_exists():
    missing = sorted(p for p in _named() if p.startswith(PREFIXES) and not (ROOT / p).is_file())
    assert missing == []


def test_every_service_route_module_function_and_construct_is_on_the_map():
    modules = [
        *ROOT.glob("chalicelib/services/*.py"),
        *ROOT.glob("chalicelib/api/*.py"),
        *ROOT.glob("functions/*.py"),
        *ROOT.glob("infrastructure/*.py"),
    ]
    expected = {str(p.relative_to(ROOT)) for p in modules} - NOT_MAPPED
    assert sorted(expected - _named()) == []
