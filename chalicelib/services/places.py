"""Places for the portal's map: the point of an address, the address of a point, and the town's
own geodata to draw when no tile service is configured. Public and personal-data free."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain import geo
from chalicelib.domain.errors import NotFound
from chalicelib.domain.nearby import FINISHED_SHOWN, PlacedCard
from chalicelib.domain.places import Place, street_name
from chalicelib.domain.public_view import PublicPage, public_page, public_photos
from chalicelib.ports import BlobStore, CardRepository, Clock, Directory, Geocoder
from chalicelib.services.attachments import public_photo_link

NO_PAGE = "no public request with this number"
# Pins read from one geohash cell at most; the map shows the nearest of them.
MOST_A_CELL = 100
MOST_SHOWN = 50


@dataclass(frozen=True)
class NearbyPin:
    pin: PlacedCard
    distance_metres: float
    age_days: int


@dataclass(frozen=True)
class Places:
    geocoder: Geocoder
    directory: Directory
    cards: CardRepository
    clock: Clock
    blobs: BlobStore

    def nearby(self, latitude: float, longitude: float, radius_metres: float) -> list[NearbyPin]:
        """Open requests within the radius (capped at what nine cells reach) and those finished
        in the last weeks, nearest first; never a sensitive one (they carry no pin)."""
        now = self.clock.now()
        radius = min(radius_metres, geo.reach_metres(latitude))
        found = self.cards.placed_in(
            geo.around(latitude, longitude), since=now - FINISHED_SHOWN, limit=MOST_A_CELL
        )
        near = []
        for pin in found:
            distance = geo.distance_metres(latitude, longitude, pin.latitude, pin.longitude)
            if distance <= radius:
                near.append(NearbyPin(pin, distance, max(0, (now - pin.created_at).days)))
        near.sort(key=lambda n: n.distance_metres)
        return near[:MOST_SHOWN]

    def public_page(self, number: str, *, locale: str) -> PublicPage:
        """A request's public page; an unknown number and a sensitive topic read the same."""
        try:
            card, history = self.cards.get_with_history(number)
        except NotFound:
            raise NotFound(NO_PAGE) from None
        district = card.location.district if card.location else None
        page = public_page(
            card,
            history,
            topic=self.directory.categories().label(card.category, locale),
            district=self.directory.territory().district_name(district, locale),
        )
        if page is None:
            raise NotFound(NO_PAGE)
        photos = [
            public_photo_link(photo.thumbnail_key, blobs=self.blobs)
            for photo in public_photos(card)
            if photo.thumbnail_key
        ]
        return page.model_copy(update={"photos": photos})

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
