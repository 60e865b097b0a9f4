"""Geohash cells: where a card is filed for "what is near this point" look-ups, so they are a
few DynamoDB Queries (the point's cell and its eight neighbours) whatever the number of cards.

Pure. Precision 6 cells are about 1.2 km × 0.6 km at the equator (narrower east-west towards the
poles): a look-up within ``reach_metres`` of a point never reaches past the nine cells around it.
"""

from __future__ import annotations

import math

BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"
PRECISION = 6
CELL_DEGREES = (180 / 2**15, 360 / 2**15)  # a precision-6 cell: latitude, longitude span
EARTH_RADIUS_METRES = 6_371_008.8
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_METRES / 180


def reach_metres(latitude: float) -> float:
    """How far from any point the nine cells around it are sure to reach: the smaller side
    of a cell there (about 610 m in a town at 55°N; less towards the poles)."""
    height = CELL_DEGREES[0] * METRES_PER_DEGREE
    width = CELL_DEGREES[1] * METRES_PER_DEGREE * math.cos(math.radians(latitude))
    return min(height, width)


def encode(latitude: float, longitude: float, precision: int = PRECISION) -> str:
    lat_range, lon_range = [-90.0, 90.0], [-180.0, 180.0]
    bits, bit_count, even = 0, 0, True
    cell: list[str] = []
    while len(cell) < precision:
        span, value = (lon_range, longitude) if even else (lat_range, latitude)
        middle = (span[0] + span[1]) / 2
        bits <<= 1
        if value >= middle:
            bits |= 1
            span[0] = middle
        else:
            span[1] = middle
        even = not even
        bit_count += 1
        if bit_count == 5:
            cell.append(BASE32[bits])
            bits, bit_count = 0, 0
    return "".join(cell)


def bounds(cell: str) -> tuple[float, float, float, float]:
    """South, west, north, east of a cell."""
    lat_range, lon_range = [-90.0, 90.0], [-180.0, 180.0]
    even = True
    for char in cell:
        index = BASE32.index(char)
        for shift in range(4, -1, -1):
            span = lon_range if even else lat_range
            middle = (span[0] + span[1]) / 2
            if index >> shift & 1:
                span[0] = middle
            else:
                span[1] = middle
            even = not even
    return lat_range[0], lon_range[0], lat_range[1], lon_range[1]


def around(latitude: float, longitude: float) -> list[str]:
    """The point's cell and its eight neighbours (fewer at a pole), the point's own first."""
    south, west, north, east = bounds(encode(latitude, longitude))
    height, width = north - south, east - west
    middle_lat, middle_lon = (south + north) / 2, (west + east) / 2
    cells = []
    for d_lat in (0, -1, 1):
        for d_lon in (0, -1, 1):
            lat = middle_lat + d_lat * height
            if not -90 < lat < 90:
                continue
            lon = (middle_lon + d_lon * width + 180) % 360 - 180
            cell = encode(lat, lon)
            if cell not in cells:
                cells.append(cell)
    return cells


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    d_lat, d_lon = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(d_lat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(d_lon / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(math.sqrt(a))


def covering(latitude: float, longitude: float, radius_metres: float) -> list[str]:
    """The cells a circle of ``radius_metres`` around the point touches, among the nine around
    it (the point's own first): a point well inside its cell needs one Query, near a corner
    four. The radius is taken at most to ``reach_metres`` (what nine cells are sure to hold)."""
    radius = min(radius_metres, reach_metres(latitude))
    return [
        cell
        for cell in around(latitude, longitude)
        if _distance_to_cell(latitude, longitude, cell) <= radius
    ]


def _distance_to_cell(latitude: float, longitude: float, cell: str) -> float:
    """Metres from the point to the nearest point of the cell (0 inside), across the date line."""
    south, west, north, east = bounds(cell)
    middle = (west + east) / 2
    lon = longitude + 360 * round((middle - longitude) / 360)  # the point's copy nearest the cell
    nearest_lat = min(max(latitude, south), north)
    nearest_lon = min(max(lon, west), east)
    return distance_metres(latitude, lon, nearest_lat, nearest_lon)
