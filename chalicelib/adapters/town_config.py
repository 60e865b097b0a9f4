"""The town's face (``chalicelib/seed/town.json``), read once and checked by the domain's model."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from chalicelib.domain.town import TownProfile

SEED_PATH = Path(__file__).resolve().parent.parent / "seed" / "town.json"


@cache
def shipped_town() -> TownProfile:
    return TownProfile.model_validate(json.loads(SEED_PATH.read_text("utf-8")))
