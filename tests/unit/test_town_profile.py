"""The town's face is checked when loaded: colours a reader can read, links a browser will not
run, a map that opens on Earth."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.adapters.town_config import SEED_PATH, shipped_town
from chalicelib.domain.town import TownProfile, contrast


def shipped() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SEED_PATH.read_text("utf-8"))
    return document


def refusal(change: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as refused:
        TownProfile.model_validate({**shipped(), **change})
    return str(refused.value)


def test_the_shipped_town_loads():
    town = shipped_town()
    assert town.consent.version
    assert contrast(town.colours.primary, "#ffffff") >= 4.5


def test_a_pale_colour_is_refused_with_its_contrast():
    assert "contrast 1.7:1" in refusal({"colours": {"primary": "#f0c000"}})


def test_a_link_a_browser_would_run_is_refused():
    link = {"label": {"en": "x", "ru": "x"}, "url": "javascript:alert(1)"}
    assert "https:// address or a page" in refusal({"links": [link]})


def test_a_logo_outside_the_portal_is_refused():
    assert "image of the portal" in refusal({"logo": "../../etc/passwd"})


def test_the_map_opens_on_earth():
    assert "longitude, latitude" in refusal({"map": {"center": [255.0, 55.0]}})


def test_a_tile_service_needs_its_tile_coordinates():
    tiles = {"url": "https://tiles.example/map.png"}
    assert "map.tiles.url" in refusal({"map": {"center": [37.6, 55.7], "tiles": tiles}})
