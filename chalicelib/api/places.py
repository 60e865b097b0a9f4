"""The portal map's routes: an address's point, a point's address, the town's own geodata.
Public reads with no personal data; lookups count against the client's place limit (deployed,
each may be a paid geocoding call)."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import json_response, query, route
from chalicelib.api.queries import PlaceSearchQuery, ReverseQuery
from chalicelib.api.schemas import PlacesView, PlaceView, TownMapView
from chalicelib.bootstrap import container
from chalicelib.domain.rate_limits import ClientLimit

places = Blueprint(__name__)
TAG = "Places"
# Geodata changes with a deploy, not by the minute: browsers and CloudFront may keep it.
CACHE_AN_HOUR = {"Cache-Control": "public, max-age=3600"}


@route(
    places,
    "/places/search",
    "GET",
    summary="Points for an address or landmark, best first (the form's map moves its pin)",
    tag=TAG,
    query=PlaceSearchQuery,
    response=PlacesView,
    errors=(400,),
    limits=(ClientLimit.PLACE_LOOKUPS,),
)
def search_places() -> Response:
    asked = query(PlaceSearchQuery)
    found = container().places.search(asked.q, locale=asked.locale)
    return json_response(PlacesView(places=[PlaceView.of(p) for p in found]))


@route(
    places,
    "/places/reverse",
    "GET",
    summary="The address and district at a point (the form fills its address from the pin)",
    tag=TAG,
    query=ReverseQuery,
    response=PlaceView,
    errors=(400,),
    limits=(ClientLimit.PLACE_LOOKUPS,),
)
def reverse_place() -> Response:
    asked = query(ReverseQuery)
    found = container().places.reverse(asked.latitude, asked.longitude, locale=asked.locale)
    return json_response(PlaceView.of(found))


@route(
    places,
    "/places/map",
    "GET",
    summary="The town's districts and streets as GeoJSON (the map without a tile service)",
    tag=TAG,
    response=TownMapView,
    errors=(),
)
def town_map() -> Response:
    return json_response(TownMapView(**container().places.town_map()), headers=CACHE_AN_HOUR)
