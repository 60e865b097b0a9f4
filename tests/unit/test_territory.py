"""Districts by point (polygons with holes and several parts) and by street."""

from __future__ import annotations

import pytest

from chalicelib.domain.directory import LocalizedName
from chalicelib.domain.territory import (
    District,
    Placement,
    StreetEntry,
    Territory,
    districts_from_geojson,
    street_words,
)


def square(x0: float, y0: float, x1: float, y1: float) -> tuple:
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))


RING_WITH_HOLE = District(
    id="ring",
    name=LocalizedName(en="Ring", ru="Кольцо"),
    polygons=((square(0, 0, 10, 10), square(4, 4, 6, 6)),),
)
ISLANDS = District(
    id="islands",
    name=LocalizedName(en="Islands", ru="Острова"),
    polygons=((square(20, 0, 22, 2),), (square(30, 0, 32, 2),)),
)
TOWN = Territory(
    [RING_WITH_HOLE, ISLANDS],
    [
        StreetEntry(names=("Lenina", "Ленина"), district="ring"),
        StreetEntry(names=("Sadovaya",), district="ring", houses=(1, 49)),
        StreetEntry(names=("Sadovaya",), district="islands", houses=(50, 200)),
        StreetEntry(names=("8 Marta",), district="islands"),
    ],
)


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ((1, 1), "ring"),
        ((5, 5), None),  # in the hole (a park that belongs to nobody)
        ((21, 1), "islands"),
        ((31, 1), "islands"),
        ((25, 1), None),  # between the islands, inside their common bounding box
        ((-1, 5), None),
    ],
)
def test_a_point_is_in_the_district_whose_polygon_holds_it(point, expected):
    found = TOWN.at_point(*point)
    assert (found.id if found else None) == expected


def test_a_point_on_a_shared_border_belongs_to_exactly_one_side():
    west = District("w", LocalizedName(en="W", ru="З"), ((square(0, 0, 1, 1),),))
    east = District("e", LocalizedName(en="E", ru="В"), ((square(1, 0, 2, 1),),))
    both = Territory([west, east], [])
    owners = [d.id for d in (west, east) if d.contains(1.0, 0.5)]
    assert len(owners) == 1
    assert both.at_point(1.0, 0.5) is not None


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("Lenina 5", "ring"),
        ("ул. Ленина, д. 5", "ring"),
        ("улица ЛЕНИНА 12 кв 3", "ring"),
        ("Sadovaya street 12", "ring"),
        ("Sadovaya 60", "islands"),
        ("Sadovaya", None),  # the street crosses two districts: the house decides
        ("8 Marta 3", "islands"),  # a street whose name has a number
        ("Unknown lane 1", None),
    ],
)
def test_an_address_is_placed_by_the_street_table(address, expected):
    found = TOWN.by_address(address)
    assert (found.id if found else None) == expected


def test_the_most_precise_evidence_wins():
    placed = TOWN.place(latitude=1, longitude=21, address="Lenina 5", given="Ring")
    assert (placed.district.id, placed.placement) == ("islands", Placement.POINT)
    placed = TOWN.place(latitude=50, longitude=50, address="Lenina 5")
    assert (placed.district.id, placed.placement) == ("ring", Placement.STREET)
    placed = TOWN.place(address="nowhere", given="Острова")
    assert (placed.district.id, placed.placement) == ("islands", Placement.GIVEN)
    assert TOWN.place(given="Atlantis") is None


def test_street_words_drop_the_kind_of_street():
    assert street_words("пр-т Мира, д. 7, корп. 2") == ("мира", "7", "2")
    assert street_words("Ёлочная ул.") == ("елочная",)


def test_districts_come_from_geojson_and_bad_ones_are_named():
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "d1", "name_en": "District 1", "name_ru": "Район 1"},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1]]]},
            }
        ],
    }
    (district,) = districts_from_geojson(document)
    assert district.polygons[0][0][-1] == (0.0, 0.0)  # the ring was closed
    assert district.contains(0.7, 0.2)
    bad = {**document, "features": [{**document["features"][0], "properties": {}}]}
    with pytest.raises(ValueError, match=r"features\[0\].properties.id"):
        districts_from_geojson(bad)
    twice = {**document, "features": document["features"] * 2}
    with pytest.raises(ValueError, match="twice"):
        districts_from_geojson(twice)
    lat_first = {
        **document,
        "features": [
            {
                **document["features"][0],
                "geometry": {"type": "Polygon", "coordinates": [[[55, 370], [56, 370], [56, 371]]]},
            }
        ],
    }
    with pytest.raises(ValueError, match="longitude, latitude"):
        districts_from_geojson(lat_first)


def test_a_street_naming_an_unknown_district_is_refused():
    with pytest.raises(ValueError, match="unknown district"):
        Territory([RING_WITH_HOLE], [StreetEntry(names=("Mira",), district="d9")])
