"""The phone channel's configuration file (``chalicelib/seed/phone.json``): the IVR's topic keys
and the operators' call scripts. Its rules and validation are the domain's (``domain/phone.py``)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SEED_PATH = Path(__file__).resolve().parent.parent / "seed" / "phone.json"


@cache
def seed_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SEED_PATH.read_text("utf-8"))
    return document
