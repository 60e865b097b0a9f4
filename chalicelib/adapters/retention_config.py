"""The town's retention periods (``chalicelib/seed/retention.json``), read once and checked by
the domain's model (an unknown key or a period out of range names the field)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from chalicelib.domain.retention import RetentionPolicy

SEED_PATH = Path(__file__).resolve().parent.parent / "seed" / "retention.json"


@cache
def shipped_retention() -> RetentionPolicy:
    return RetentionPolicy.model_validate(json.loads(SEED_PATH.read_text("utf-8")))
