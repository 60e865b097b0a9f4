"""The phone channel's configuration: the IVR's topic keys and the operators' call scripts
(``chalicelib/seed/phone.json``), validated on load against the category tree."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.domain.directory import CategoryTree
from chalicelib.domain.errors import FieldProblem, ValidationFailed

SEED_PATH = Path(__file__).resolve().parent.parent / "seed" / "phone.json"


@dataclass(frozen=True)
class PhoneConfig:
    # A key pressed in the IVR menu → the category of the card it makes.
    ivr_topics: dict[str, str]
    # Top category (or "default") → locale → questions an operator asks.
    call_scripts: dict[str, dict[str, list[str]]]

    def script(self, category: str, locale: str) -> list[str]:
        top = category.split(".", 1)[0]
        chosen = self.call_scripts.get(top) or self.call_scripts["default"]
        default = self.call_scripts["default"]
        return [
            *(default.get(locale) or default["en"]),
            *((chosen.get(locale) or chosen["en"]) if chosen is not default else []),
        ]


def load_phone_config(document: dict[str, Any], tree: CategoryTree) -> PhoneConfig:
    problems = []
    topics = document.get("ivr_topics") or {}
    for key, category in topics.items():
        if not (isinstance(key, str) and key.isdigit() and len(key) == 1):
            problems.append(FieldProblem(f"ivr_topics.{key}", "a topic key is one digit"))
        if category not in tree:
            problems.append(FieldProblem(f"ivr_topics.{key}", f"unknown category {category!r}"))
    scripts = document.get("call_scripts") or {}
    if "en" not in (scripts.get("default") or {}):
        problems.append(FieldProblem("call_scripts.default.en", "the default script is required"))
    if problems:
        raise ValidationFailed(problems)
    return PhoneConfig(ivr_topics=dict(topics), call_scripts=dict(scripts))


@cache
def seed_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SEED_PATH.read_text("utf-8"))
    return document
