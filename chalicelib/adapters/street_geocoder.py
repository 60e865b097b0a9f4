"""Geocoding by the town's own street table (``domain/places.py``): no outside service, no cost;
the local stack's and any town's without Amazon Location."""

from __future__ import annotations

from chalicelib.domain.places import Place, geocode, reverse_geocode
from chalicelib.ports import Directory


class StreetTableGeocoder:
    def __init__(self, directory: Directory) -> None:
        self._directory = directory

    def search(self, text: str, *, locale: str) -> list[Place]:
        return geocode(self._directory.territory(), text, locale=locale)

    def reverse(self, latitude: float, longitude: float, *, locale: str) -> Place:
        return reverse_geocode(self._directory.territory(), latitude, longitude, locale=locale)
