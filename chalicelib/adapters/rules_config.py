"""The routing rules shipped with the product (chalicelib/seed/routing_rules.json)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.routing import Rule, RuleSet

RULES_PATH = Path(__file__).resolve().parent.parent / "seed" / "routing_rules.json"
SEED_AUTHOR = "seed"


class RulesDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    triage_department: str
    rules: tuple[Rule, ...]


def load_seed_rules(at: datetime, path: Path = RULES_PATH) -> RuleSet:
    """The seed as version 1: what routes cards until an administrator saves new rules."""
    document = RulesDocument.model_validate(json.loads(path.read_text("utf-8")))
    return RuleSet(
        version=1,
        triage_department=document.triage_department,
        rules=document.rules,
        saved_at=at,
        saved_by=SEED_AUTHOR,
    )
