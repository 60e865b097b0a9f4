"""Geocoding by Amazon Location Service's Places API v2 (``geo-places``: Geocode and
ReverseGeocode), biased to the town's map centre. The district is always the town's own
polygons', never the service's. When the service fails, the street table answers instead: a
citizen placing a pin is never refused for it (and intake never calls this).

Contract (what the tests drive with botocore's Stubber on the service's own shapes; moto has
no geo-places): ``Geocode(QueryText, BiasPosition=[lon, lat], MaxResults, Language)`` and
``ReverseGeocode(QueryPosition=[lon, lat], MaxResults=1, Language)`` answer ``ResultItems``
with ``Title``, ``Address.Label``, ``Position=[lon, lat]`` and ``PlaceType``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.domain.places import Place, Precision
from chalicelib.observability import logger
from chalicelib.ports import Directory, Geocoder

HOUSE_TYPES = frozenset({"PointAddress", "InterpolatedAddress", "SecondaryAddress"})
STREET_TYPES = frozenset({"Street", "Intersection"})
MOST = 5


class AmazonLocationGeocoder:
    def __init__(
        self,
        client: Callable[[], Any],
        directory: Directory,
        *,
        bias: tuple[float, float],
        fallback: Geocoder,
    ) -> None:
        self._client = client
        self._directory = directory
        self._bias = [bias[0], bias[1]]
        self._fallback = fallback

    def search(self, text: str, *, locale: str) -> list[Place]:
        try:
            answer = self._client().geocode(
                QueryText=text, BiasPosition=self._bias, MaxResults=MOST, Language=locale
            )
        except Exception as error:
            logger.warning("geocoding service failed", extra={"error": type(error).__name__})
            return self._fallback.search(text, locale=locale)
        return [self._place(item) for item in answer.get("ResultItems", [])]

    def reverse(self, latitude: float, longitude: float, *, locale: str) -> Place:
        try:
            answer = self._client().reverse_geocode(
                QueryPosition=[longitude, latitude], MaxResults=1, Language=locale
            )
        except Exception as error:
            logger.warning("reverse geocoding failed", extra={"error": type(error).__name__})
            return self._fallback.reverse(latitude, longitude, locale=locale)
        items = answer.get("ResultItems", [])
        if not items:
            district = self._directory.territory().at_point(longitude, latitude)
            return Place(None, latitude, longitude, district, Precision.POINT)
        found = self._place(items[0])
        # The pin stays where the citizen put it; only the words come from the service.
        return Place(found.address, latitude, longitude, found.district, found.precision)

    def _place(self, item: dict[str, Any]) -> Place:
        longitude, latitude = (float(v) for v in item["Position"])
        kind = item.get("PlaceType", "")
        precision = (
            Precision.HOUSE
            if kind in HOUSE_TYPES
            else Precision.STREET
            if kind in STREET_TYPES
            else Precision.POINT
        )
        return Place(
            address=(item.get("Address") or {}).get("Label") or item.get("Title"),
            latitude=round(latitude, 7),
            longitude=round(longitude, 7),
            district=self._directory.territory().at_point(longitude, latitude),
            precision=precision,
        )
