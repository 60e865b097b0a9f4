"""The duplicate look-up's pure parts: the cells a radius touches, addresses that meet, which
cards are filed, and how candidates are ranked and explained."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.word_forms import stems
from chalicelib.domain import geo
from chalicelib.domain.card import Location, Status
from chalicelib.domain.duplicates import (
    FINISHED_WITHIN,
    Sought,
    Twin,
    address_key,
    likely,
    reason,
    twin_of,
    words_of,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
HERE = (55.7755, 37.625)


def _twin(number: int, latitude: float | None, longitude: float | None, **changes) -> Twin:
    values = {
        "number": f"2026-{number:06d}",
        "category": "roads.potholes",
        "status": Status.RECEIVED,
        "created_at": NOW - timedelta(days=2),
        "finished_at": None,
        "latitude": latitude,
        "longitude": longitude,
        "address": None,
        "address_key": None,
        "words": frozenset(),
    }
    return Twin(**(values | changes))


def _sought(**changes) -> Sought:
    values = {
        "category": "roads.potholes",
        "latitude": HERE[0],
        "longitude": HERE[1],
        "address_key": None,
        "words": frozenset(),
        "radius_metres": 250.0,
        "number": None,
    }
    return Sought(**(values | changes))


def _metres_north(metres: float) -> float:
    return HERE[0] + metres / geo.METRES_PER_DEGREE


# The cells


def test_a_point_in_the_middle_of_its_cell_reads_one_cell_and_near_a_corner_four():
    south, west, north, east = geo.bounds(geo.encode(*HERE))
    middle = ((south + north) / 2, (west + east) / 2)
    assert geo.covering(*middle, 250) == [geo.encode(*middle)]
    corner = (north - 0.0001, east - 0.0001)
    cells = geo.covering(*corner, 250)
    assert len(cells) == 4
    assert cells[0] == geo.encode(*corner)  # the point's own first
    assert set(cells) <= set(geo.around(*corner))


@pytest.mark.parametrize("radius", [10, 100, 250, 400, 600])
def test_every_point_within_the_radius_lies_in_a_cell_read(radius):
    """Points all around the circle's edge (and a little inside) fall in the cells covered."""
    import math

    for latitude, longitude in [HERE, (0.0, 0.0), (-33.9, 151.2), (64.1, -21.9)]:
        cells = set(geo.covering(latitude, longitude, radius))
        reach = min(radius, geo.reach_metres(latitude)) * 0.999
        for step in range(72):
            angle = math.radians(step * 5)
            d_lat = reach * math.cos(angle) / geo.METRES_PER_DEGREE
            d_lon = (
                reach * math.sin(angle) / (geo.METRES_PER_DEGREE * math.cos(math.radians(latitude)))
            )
            assert geo.encode(latitude + d_lat, longitude + d_lon) in cells


def test_across_the_date_line_the_cells_on_the_other_side_are_read():
    cells = geo.covering(-16.5, 179.9999, 250)
    west_side = geo.encode(-16.5, -179.9999)
    assert west_side in cells
    # ... and the point on the other side finds this one's cell too.
    assert geo.encode(-16.5, 179.9999) in geo.covering(-16.5, -179.9999, 250)


def test_at_a_pole_the_cells_still_cover_and_nothing_breaks():
    cells = geo.covering(89.9999, 10.0, 600)
    assert cells[0] == geo.encode(89.9999, 10.0)
    assert all(len(c) == geo.PRECISION for c in cells)
    # Near the pole a cell is narrow: the reach (and so the radius) shrinks with it.
    assert geo.reach_metres(89.9999) < 1
    assert geo.covering(-90.0, 0.0, 250)[0] == geo.encode(-90.0, 0.0)


# Addresses and words


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Lenina 5", "5 Lenina st."),
        ("ул. Ленина, д. 5", "Ленина 5"),
        ("Улица Ёлочная, 3", "елочная ул 3"),
    ],
)
def test_the_same_address_written_two_ways_meets(one, other):
    assert address_key(one) == address_key(other)


def test_different_houses_do_not_meet_and_an_empty_address_has_no_key():
    assert address_key("Lenina 5") != address_key("Lenina 7")
    assert address_key("") is None
    assert address_key("ул. д.") is None
    assert address_key(None) is None


def test_words_are_stems_english_and_russian_alike():
    assert words_of("Streetlights are out", stems) & words_of("the streetlight", stems)
    assert words_of("Не горят фонари", stems) & words_of("фонарей нет", stems)


# Which cards are filed


def test_a_card_without_place_a_sensitive_one_a_subtask_and_a_merged_one_are_not_filed(
    clock, directory
):
    from chalicelib.domain.card import MergeRecord
    from tests.factories import new_card

    card = new_card(clock, directory)
    assert twin_of(card, stems) is not None
    assert twin_of(card.model_copy(update={"location": None}), stems) is None
    assert twin_of(card.model_copy(update={"location": Location(district="d3")}), stems) is None
    assert twin_of(card.model_copy(update={"sensitive": True}), stems) is None
    assert twin_of(card.model_copy(update={"parent": "2026-000001"}), stems) is None
    merged = MergeRecord(into="2026-000001", at=NOW, by="x", status=Status.RECEIVED)
    assert twin_of(card.model_copy(update={"merged_into": merged}), stems) is None
    only_address = card.model_copy(update={"location": Location(address="Lenina 5")})
    twin = twin_of(only_address, stems)
    assert twin is not None
    assert (twin.cell, twin.address_key) == (None, "5 lenina")


# Ranking


def test_candidates_are_the_same_topic_within_the_radius_nearest_first():
    near = _twin(1, _metres_north(40), HERE[1])
    nearer = _twin(2, _metres_north(10), HERE[1])
    far = _twin(3, _metres_north(400), HERE[1])
    other_topic = _twin(4, *HERE, category="lighting.streetlight_out")
    found = likely(_sought(), [near, nearer, far, other_topic], now=NOW, at=NOW)
    assert [f.twin.number for f in found] == [nearer.number, near.number]
    assert round(found[1].distance_metres or 0) == 40
    assert found[1].days_older == 2


def test_a_card_is_never_its_own_duplicate():
    itself = _twin(1, *HERE)
    assert likely(_sought(number=itself.number), [itself], now=NOW, at=NOW) == []


def test_alike_words_lift_a_candidate_above_a_slightly_nearer_one():
    words = words_of("Deep pothole by the bus stop", stems)
    alike = _twin(1, _metres_north(60), HERE[1], words=words_of("pothole at the bus stop", stems))
    unlike = _twin(2, _metres_north(40), HERE[1], words=words_of("Cracked kerb", stems))
    found = likely(_sought(words=words), [unlike, alike], now=NOW, at=NOW)
    assert [f.twin.number for f in found] == [alike.number, unlike.number]
    assert found[0].similarity == 1.0
    assert found[1].similarity == 0.0


def test_finished_cards_count_for_a_while_and_then_not():
    lately = _twin(1, *HERE, status=Status.CLOSED, finished_at=NOW - timedelta(days=3))
    long_ago = _twin(2, *HERE, status=Status.CLOSED, finished_at=NOW - FINISHED_WITHIN * 2)
    still_open = _twin(3, *HERE)
    found = likely(_sought(), [lately, long_ago, still_open], now=NOW, at=NOW)
    assert [f.twin.number for f in found] == [still_open.number, lately.number]


def test_without_points_the_same_address_is_the_match():
    key = address_key("Lenina 5")
    at_address = _twin(1, None, None, address_key=key, address="Lenina 5")
    elsewhere = _twin(2, None, None, address_key=address_key("Lenina 9"))
    found = likely(
        _sought(latitude=None, longitude=None, address_key=key),
        [at_address, elsewhere],
        now=NOW,
        at=NOW,
    )
    assert [f.twin.number for f in found] == [at_address.number]
    assert found[0].same_address
    # A point on one side only: the address decides.
    with_point = likely(_sought(address_key=key), [at_address], now=NOW, at=NOW)
    assert [f.twin.number for f in with_point] == [at_address.number]


def test_the_reason_says_topic_distance_age_and_words():
    words = words_of("pothole bus stop", stems)
    twin = _twin(1, _metres_north(40), HERE[1], words=words)
    found = likely(_sought(words=words), [twin], now=NOW, at=NOW)[0]
    assert reason(found) == "same topic, 40 m, 2 days older, similar words"
    newer = _twin(2, *HERE, created_at=NOW + timedelta(days=1, hours=1))
    assert reason(likely(_sought(), [newer], now=NOW, at=NOW)[0]) == "same topic, 0 m, 1 day newer"
    closed = _twin(3, *HERE, status=Status.RESOLVED, finished_at=NOW, created_at=NOW)
    assert reason(likely(_sought(), [closed], now=NOW, at=NOW)[0]) == (
        "same topic, 0 m, the same day, already resolved"
    )
