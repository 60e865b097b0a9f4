"""Configuration is validated at start, and the Lambda package lists the runtime dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from chalicelib.adapters.static_directory import DirectoryDocument, StaticDirectory
from chalicelib.settings import AuthMode, Settings

ROOT = Path(__file__).resolve().parents[2]


def _names(lines: list[str]) -> set[str]:
    return {
        re.split(r"[\[<>=~ ]", line.strip(), maxsplit=1)[0].lower()
        for line in lines
        if line.strip() and not line.strip().startswith("#")
    }


def test_requirements_txt_packages_the_runtime_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _names(project["dependencies"]) - {"chalice"}
    packaged = _names((ROOT / "requirements.txt").read_text().splitlines())
    assert packaged == runtime


def test_dev_auth_needs_a_long_secret():
    with pytest.raises(ValueError, match="SECRET"):
        Settings.from_env({"CIVICDESK_AUTH_MODE": "dev", "CIVICDESK_DEV_TOKEN_SECRET": "short"})
    assert Settings.from_env({}).auth_mode == AuthMode.COGNITO


def test_the_seed_directory_is_consistent():
    directory = StaticDirectory.from_file()
    tree = directory.categories()
    assert tree.label("roads.potholes") == "Roads › Potholes"
    assert tree.label("roads.potholes", "ru") == "Дороги › Ямы на дороге"
    for code in tree.leaf_codes:
        assert directory.department(tree.department_for(code)) is not None


def test_a_directory_naming_an_unknown_department_is_refused():
    document = DirectoryDocument.model_validate(
        {
            "departments": [{"id": "roads", "name": {"en": "Roads", "ru": "Дороги"}}],
            "categories": [
                {
                    "code": "lights",
                    "name": {"en": "L", "ru": "О"},
                    "department": "nope",
                    "children": [{"code": "out", "name": {"en": "Out", "ru": "Нет"}}],
                }
            ],
            "staff": [],
        }
    )
    with pytest.raises(ValueError, match="nope"):
        StaticDirectory(document)
