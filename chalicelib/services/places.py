"""Places for the portal's map: the point of an address, the address of a point, and the town's
own geodata to draw when no tile service is configured. Public and personal-data free."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.places import Place, street_name
from chalicelib.ports import Directory, Geocoder


@dataclass(frozen=True)
class Places:
    geocoder: Geocoder
    directory: Directory

    def search(self, text: str, *, locale: str) -> list[Place]:
        return self.geocoder.search(text, locale=locale)

    def reverse(self, latitude: float, longitude: float, *, locale: str) -> Place:
        return self.geocoder.reverse(latitude, longitude, locale=locale)

    def town_map(self) -> dict[str, Any]:
        """Districts (polygons) and streets (centre lines) as one GeoJSON FeatureCollection,
        each named in both languages."""
        territory = self.directory.territory()
        features: list[dict[str, Any]] = [
            {
                "type": "Feature",
                "properties": {"kind": "district", "id": d.id, "name": d.name.model_dump()},
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": [[list(map(list, ring)) for ring in p] for p in d.polygons],
                },
            }
            for d in territory.districts
        ]
        features += [
            {
                "type": "Feature",
                "properties": {
                    "kind": "street",
                    "district": s.district,
                    "name": {"en": street_name(s, "en"), "ru": street_name(s, "ru")},
                },
                "geometry": {"type": "LineString", "coordinates": [list(p) for p in s.path]},
            }
            for s in territory.streets
            if s.path
        ]
        return {"type": "FeatureCollection", "features": features}
