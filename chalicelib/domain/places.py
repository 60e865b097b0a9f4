"""Where a place is, by the town's own street table: the point of an address (forward) and the
address of a point (reverse). The fallback when no geocoding service is configured (the local
stack, tests, a town that has not set one up); the district is always the town's polygons'.

Pure. A street stretch in the table may carry its centre line (``path``, longitude first) and
the house numbers at its two ends (``houses``): a house's point is interpolated along the line,
and a point's address is the nearest stretch within ``REACH_METRES``, its number interpolated
back. Distances use an equirectangular projection: within a town, exact to well under a metre.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain.territory import District, StreetEntry, Territory

EARTH_METRES_PER_DEGREE = 111_320.0
# A pin farther than this from every street gets no street address (a park, a field).
REACH_METRES = 150.0
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


class Precision(StrEnum):
    HOUSE = "house"  # interpolated between the stretch's first and last house
    STREET = "street"  # the street's middle: no house number, or a stretch without numbers
    POINT = "point"  # only the point and its district


@dataclass(frozen=True)
class Place:
    address: str | None
    latitude: float
    longitude: float
    district: District | None
    precision: Precision


def street_name(entry: StreetEntry, locale: str) -> str:
    """The spelling for the reader: Cyrillic for Russian, Latin otherwise, else the first."""
    wanted = [n for n in entry.names if bool(_CYRILLIC.search(n)) == (locale == "ru")]
    return (wanted or list(entry.names))[0]


def geocode(territory: Territory, text: str, *, locale: str, most: int = 5) -> list[Place]:
    """Points for an address, best first: the house's stretch when the house is numbered."""
    found = territory.street_in(text)
    if found is None:
        return []
    entries, house = found
    ranked = sorted(entries, key=lambda e: not _holds(e, house))
    places = []
    for entry in ranked:
        if not entry.path:
            continue
        fraction = _fraction_of(entry, house) if _holds(entry, house) else None
        point = _along(entry.path, 0.5 if fraction is None else fraction)
        name = street_name(entry, locale)
        places.append(
            Place(
                address=f"{name} {house}" if fraction is not None else name,
                longitude=round(point[0], 7),
                latitude=round(point[1], 7),
                district=territory.district(entry.district),
                precision=Precision.HOUSE if fraction is not None else Precision.STREET,
            )
        )
    return places[:most]


def reverse_geocode(
    territory: Territory, latitude: float, longitude: float, *, locale: str
) -> Place:
    """The nearest street stretch's address (with a house number where the stretch has them),
    and the district the point lies in."""
    district = territory.at_point(longitude, latitude)
    best: tuple[float, StreetEntry, float] | None = None
    for entry in territory.streets:
        if not entry.path:
            continue
        distance, fraction = _nearest_on(entry.path, longitude, latitude)
        if distance <= REACH_METRES and (best is None or distance < best[0]):
            best = (distance, entry, fraction)
    if best is None:
        return Place(None, latitude, longitude, district, Precision.POINT)
    _, entry, fraction = best
    name = street_name(entry, locale)
    if entry.houses is None:
        return Place(name, latitude, longitude, district, Precision.STREET)
    first, last = entry.houses
    house = max(first, min(last, round(first + fraction * (last - first))))
    return Place(f"{name} {house}", latitude, longitude, district, Precision.HOUSE)


def _holds(entry: StreetEntry, house: int | None) -> bool:
    return (
        house is not None
        and entry.houses is not None
        and (entry.houses[0] <= house <= entry.houses[1])
    )


def _fraction_of(entry: StreetEntry, house: int | None) -> float | None:
    if house is None or entry.houses is None:
        return None
    first, last = entry.houses
    return 0.0 if last == first else (house - first) / (last - first)


def _metres(a: tuple[float, float], b: tuple[float, float], scale: float) -> tuple[float, float]:
    return (
        (b[0] - a[0]) * scale * EARTH_METRES_PER_DEGREE,
        (b[1] - a[1]) * EARTH_METRES_PER_DEGREE,
    )


def _scale(latitude: float) -> float:
    return math.cos(math.radians(latitude))


def _along(path: tuple[tuple[float, float], ...], fraction: float) -> tuple[float, float]:
    """The point ``fraction`` of the way along the line (by length)."""
    scale = _scale(path[0][1])
    lengths = [math.hypot(*_metres(a, b, scale)) for a, b in itertools.pairwise(path)]
    goal = fraction * sum(lengths)
    for (a, b), length in zip(itertools.pairwise(path), lengths, strict=True):
        if goal <= length and length > 0:
            t = goal / length
            return (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
        goal -= length
    return path[-1]


def _nearest_on(
    path: tuple[tuple[float, float], ...], longitude: float, latitude: float
) -> tuple[float, float]:
    """Distance in metres from the point to the line, and how far along the line (0..1) the
    nearest point lies."""
    scale = _scale(latitude)
    point = (longitude, latitude)
    lengths = [math.hypot(*_metres(a, b, scale)) for a, b in itertools.pairwise(path)]
    total = sum(lengths) or 1.0
    best = (math.inf, 0.0)
    walked = 0.0
    for (a, b), length in zip(itertools.pairwise(path), lengths, strict=True):
        dx, dy = _metres(a, b, scale)
        px, py = _metres(a, point, scale)
        t = 0.0 if length == 0 else max(0.0, min(1.0, (px * dx + py * dy) / (length * length)))
        distance = math.hypot(px - t * dx, py - t * dy)
        if distance < best[0]:
            best = (distance, (walked + t * length) / total)
        walked += length
    return best
