"""Districts: which one a card's place lies in, by its point on the map or by its street.

Pure. Polygons come as GeoJSON (longitude first); a point is tested against each district's
bounding box first, so most districts cost four comparisons. A card with only an address is
placed by the street table: the longest known street name found in the address, narrowed by
house number where a street crosses districts.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.directory import LocalizedName

Ring = tuple[tuple[float, float], ...]  # (longitude, latitude), first point == last point
Polygon = tuple[Ring, ...]  # outer ring, then holes


class Placement(StrEnum):
    """How a card's district was found: the most precise evidence wins."""

    POINT = "point"
    STREET = "street"
    GIVEN = "given"


@dataclass(frozen=True)
class District:
    id: str
    name: LocalizedName
    polygons: tuple[Polygon, ...]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        xs = [x for polygon in self.polygons for x, _ in polygon[0]]
        ys = [y for polygon in self.polygons for _, y in polygon[0]]
        return min(xs), min(ys), max(xs), max(ys)

    def contains(self, longitude: float, latitude: float) -> bool:
        return any(_in_polygon(longitude, latitude, polygon) for polygon in self.polygons)


def _in_polygon(x: float, y: float, polygon: Polygon) -> bool:
    outer, *holes = polygon
    return _in_ring(x, y, outer) and not any(_in_ring(x, y, hole) for hole in holes)


def _in_ring(x: float, y: float, ring: Ring) -> bool:
    """Even-odd ray casting; a point on a shared border belongs to one side consistently."""
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


class StreetEntry(BaseModel):
    """A street (in any of its spellings) and the district its houses ``houses`` lie in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    names: tuple[str, ...] = Field(min_length=1)
    district: str
    houses: tuple[int, int] | None = Field(
        default=None, description="First and last house number; all houses when absent."
    )
    path: tuple[tuple[float, float], ...] | None = Field(
        default=None,
        min_length=2,
        description="The stretch's centre line, longitude first, from its first house to its "
        "last: where geocoding by the street table puts a house (domain/places.py).",
    )


@dataclass(frozen=True)
class PlacedDistrict:
    district: District
    placement: Placement


# Words that name the kind of street, not the street: dropped before matching.
_STREET_KINDS = """
    street st str road rd avenue ave av lane ln boulevard blvd square sq prospect prospekt
    pr highway hwy embankment ul ulitsa per pereulok pl ploshchad house building bldg no
    улица ул проспект пр-т пр переулок пер площадь пл бульвар б-р шоссе ш набережная наб
    проезд дом д корпус корп к строение стр
"""
_STREET_WORDS = frozenset(_STREET_KINDS.split())
_WORD = re.compile(r"[0-9]+|[^\W\d_]+(?:-[^\W\d_]+)*")


def street_words(text: str) -> tuple[str, ...]:
    """Lower-case words without street-kind words: "ул. Ленина, д. 5" → ("ленина", "5")."""
    words = _WORD.findall(text.lower().replace("ё", "е"))
    return tuple(w for w in words if w not in _STREET_WORDS)


class Territory:
    """The town's districts and street table, with the lookups routing needs."""

    def __init__(self, districts: Sequence[District], streets: Iterable[StreetEntry]) -> None:
        self.districts = tuple(districts)
        self._by_id = {d.id: d for d in self.districts}
        self._boxes = [(d.bbox, d) for d in self.districts]
        self._by_name: dict[str, District] = {}
        for d in self.districts:
            for alias in (d.id, d.name.en, d.name.ru):
                self._by_name[" ".join(street_words(alias)) or alias.lower()] = d
        self._streets: dict[tuple[str, ...], list[StreetEntry]] = {}
        self.streets = tuple(streets)
        for entry in self.streets:
            if entry.district not in self._by_id:
                raise ValueError(f"street {entry.names[0]!r} names unknown district")
            for name in entry.names:
                self._streets.setdefault(street_words(name), []).append(entry)
        self._longest_street = max((len(k) for k in self._streets), default=0)

    def district(self, district_id: str) -> District | None:
        return self._by_id.get(district_id)

    def district_name(self, district_id: str | None, locale: str) -> str | None:
        """A card's district as readers see it ("District 3", "Район 3"); None when unknown."""
        found = self._by_id.get(district_id) if district_id else None
        return found.name.get(locale) if found else None

    def named(self, text: str) -> District | None:
        """A district by its id or its name in either language ("District 3", "Район 3")."""
        return self._by_name.get(" ".join(street_words(text)) or text.lower())

    def at_point(self, longitude: float, latitude: float) -> District | None:
        for (min_x, min_y, max_x, max_y), district in self._boxes:
            in_box = min_x <= longitude <= max_x and min_y <= latitude <= max_y
            if in_box and district.contains(longitude, latitude):
                return district
        return None

    def by_address(self, address: str) -> District | None:
        found = self.street_in(address)
        return None if found is None else _street_district(*found, self._by_id)

    def street_in(self, address: str) -> tuple[list[StreetEntry], int | None] | None:
        """The longest known street name in the address (its stretches), and the house number
        the rest of the address gives, if any."""
        words = street_words(address)
        for size in range(min(self._longest_street, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                entries = self._streets.get(words[start : start + size])
                if entries:
                    return entries, _house_number(words[:start] + words[start + size :])
        return None

    def place(
        self,
        *,
        latitude: float | None = None,
        longitude: float | None = None,
        address: str | None = None,
        given: str | None = None,
    ) -> PlacedDistrict | None:
        """The district of a place: its point, else its street, else the district it names."""
        if latitude is not None and longitude is not None:
            found = self.at_point(longitude, latitude)
            if found:
                return PlacedDistrict(found, Placement.POINT)
        if address:
            found = self.by_address(address)
            if found:
                return PlacedDistrict(found, Placement.STREET)
        if given:
            found = self.named(given)
            if found:
                return PlacedDistrict(found, Placement.GIVEN)
        return None


def _house_number(words: tuple[str, ...]) -> int | None:
    return next((int(w) for w in words if w.isdigit()), None)


def _street_district(
    entries: list[StreetEntry], house: int | None, by_id: Mapping[str, District]
) -> District | None:
    """The district of the house; a street in several districts without a house is unknown."""
    if house is not None:
        for entry in entries:
            if entry.houses is None or entry.houses[0] <= house <= entry.houses[1]:
                return by_id[entry.district]
    districts = {e.district for e in entries}
    return by_id[districts.pop()] if len(districts) == 1 else None


def districts_from_geojson(document: Mapping[str, Any]) -> list[District]:
    """Districts from a FeatureCollection of Polygon/MultiPolygon features with ``id``,
    ``name_en`` and ``name_ru`` properties. Raises ValueError naming the feature at fault."""
    if document.get("type") != "FeatureCollection":
        raise ValueError("districts: expected a GeoJSON FeatureCollection")
    districts: list[District] = []
    for index, feature in enumerate(document.get("features") or []):
        where = f"features[{index}]"
        props = feature.get("properties") or {}
        district_id = props.get("id")
        if not isinstance(district_id, str) or not district_id:
            raise ValueError(f"{where}.properties.id: a district needs an id")
        geometry = feature.get("geometry") or {}
        kind, coordinates = geometry.get("type"), geometry.get("coordinates")
        polygons: tuple[Polygon, ...]
        if kind == "Polygon":
            polygons = (_polygon(coordinates, f"{where} ({district_id})"),)
        elif kind == "MultiPolygon":
            polygons = tuple(_polygon(p, f"{where} ({district_id})") for p in coordinates or [])
        else:
            raise ValueError(f"{where}.geometry.type: Polygon or MultiPolygon, not {kind!r}")
        name = LocalizedName(
            en=str(props.get("name_en") or district_id), ru=str(props.get("name_ru") or "")
        )
        districts.append(District(id=district_id, name=name, polygons=polygons))
    ids = [d.id for d in districts]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ValueError(f"districts defined twice: {twice}")
    return districts


def _polygon(rings: Any, where: str) -> Polygon:
    result = []
    for ring in rings or []:
        points = tuple((float(x), float(y)) for x, y, *_ in ring)
        if len(points) < 3:
            raise ValueError(f"{where}: a ring needs at least three points")
        if any(not (-180 <= x <= 180 and -90 <= y <= 90) for x, y in points):
            raise ValueError(f"{where}: coordinates must be longitude, latitude in degrees")
        if points[0] != points[-1]:
            points = (*points, points[0])
        result.append(points)
    if not result:
        raise ValueError(f"{where}: a polygon needs an outer ring")
    return tuple(result)
