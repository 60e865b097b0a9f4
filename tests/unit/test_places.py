"""Geocoding by the street table: a house's point interpolated along its stretch, a point's
address interpolated back, the district always from the town's polygons."""

from __future__ import annotations

import pytest

from chalicelib.adapters.static_directory import StaticDirectory
from chalicelib.domain.directory import LocalizedName
from chalicelib.domain.places import REACH_METRES, Precision, geocode, reverse_geocode
from chalicelib.domain.territory import District, StreetEntry, Territory

SQUARE = (((0.0, 0.0), (0.02, 0.0), (0.02, 0.02), (0.0, 0.02), (0.0, 0.0)),)


@pytest.fixture
def town() -> Territory:
    return StaticDirectory.from_file().territory()


def test_a_house_lies_along_its_street_by_its_number(town):
    (first,) = geocode(town, "Lenina 1", locale="en")
    (last,) = geocode(town, "ул. Ленина, д. 120", locale="ru")
    (middle,) = geocode(town, "Lenina 60", locale="en")
    assert (first.longitude, first.latitude) == (37.602, 55.775)
    assert (last.longitude, last.latitude) == (37.648, 55.775)
    assert first.longitude < middle.longitude < last.longitude
    assert last.address == "Ленина 120"
    assert middle.precision == Precision.HOUSE
    assert middle.district is not None
    assert middle.district.id == "d3"


def test_a_street_in_two_districts_answers_the_house_s_stretch_first(town):
    places = geocode(town, "Sadovaya 120", locale="en")
    assert [p.district.id for p in places if p.district] == ["d2", "d1"]
    assert places[0].precision == Precision.HOUSE
    assert places[1].precision == Precision.STREET  # the other stretch, by its middle
    assert geocode(town, "Садовая", locale="ru")[0].address == "Садовая"


def test_an_unknown_street_finds_nothing(town):
    assert geocode(town, "Behind the old mill", locale="en") == []


def test_a_point_on_a_street_gets_its_address_and_district(town):
    place = reverse_geocode(town, 55.7755, 37.625, locale="ru")
    assert place.address == "Ленина 60"
    assert place.district is not None
    assert place.district.id == "d3"
    assert (place.latitude, place.longitude) == (55.7755, 37.625)  # the pin stays put


def test_a_point_far_from_every_street_gets_only_its_district(town):
    place = reverse_geocode(town, 55.790, 37.640, locale="en")
    assert place.address is None
    assert place.precision == Precision.POINT
    assert place.district is not None
    assert place.district.id == "d3"
    outside = reverse_geocode(town, 55.0, 37.0, locale="en")
    assert outside.district is None


def test_reach_is_measured_in_metres_across_the_street():
    district = District("x", LocalizedName(en="X", ru="Икс"), (SQUARE,))
    street = StreetEntry(
        names=("Main", "Главная"), district="x", houses=(1, 11), path=((0.0, 0.01), (0.02, 0.01))
    )
    territory = Territory([district], [street])
    metre = 1 / 111_320
    near = reverse_geocode(territory, 0.01 + (REACH_METRES - 5) * metre, 0.01, locale="en")
    far = reverse_geocode(territory, 0.01 + (REACH_METRES + 5) * metre, 0.01, locale="en")
    assert near.address == "Main 6"
    assert far.address is None


def test_a_stretch_needs_two_points():
    with pytest.raises(ValueError, match="path"):
        StreetEntry(names=("Main",), district="x", path=((0.0, 0.0),))
