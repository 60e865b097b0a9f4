"""The portal map's routes: an address's point, a point's address, the town's own geodata.
Public reads with no personal data; lookups count against the client's place limit (deployed,
each may be a paid geocoding call)."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import card_number, json_response, query, route
from chalicelib.api.queries import LocaleQuery, NearbyQuery, PlaceSearchQuery, ReverseQuery
from chalicelib.api.schemas import (
    NearbyRequestView,
    NearbyView,
    PlacesView,
    PlaceView,
    TownMapView,
)
from chalicelib.bootstrap import container
from chalicelib.domain.public_view import PublicPage
from chalicelib.domain.rate_limits import ClientLimit
from chalicelib.services.places import NO_PAGE

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


@route(
    places,
    "/places/nearby",
    "GET",
    summary="Requests near a point: open ones and those finished in the last weeks (topic, "
    "status and age only; never a sensitive topic)",
    tag=TAG,
    query=NearbyQuery,
    response=NearbyView,
    errors=(400,),
    limits=(ClientLimit.PLACE_LOOKUPS,),
)
def nearby() -> Response:
    asked = query(NearbyQuery)
    c = container()
    tree = c.directory.categories()
    found = c.places.nearby(asked.latitude, asked.longitude, asked.radius)
    return json_response(
        NearbyView(
            requests=[
                NearbyRequestView(
                    number=n.pin.number,
                    category=n.pin.category,
                    topic=tree.label(n.pin.category, asked.locale),
                    status=n.pin.status,
                    age_days=n.age_days,
                    latitude=n.pin.latitude,
                    longitude=n.pin.longitude,
                    distance_metres=round(n.distance_metres),
                )
                for n in found
            ]
        ),
        headers={"Cache-Control": "no-store"},
    )


@route(
    places,
    "/places/requests/{number}",
    "GET",
    summary="A request's public page: topic, place, status and its changes (nothing anyone "
    "wrote, no person; sensitive topics have none)",
    tag=TAG,
    query=LocaleQuery,
    response=PublicPage,
    errors=(400, 404),
)
def public_request(number: str) -> Response:
    asked = query(LocaleQuery)
    page = container().places.public_page(card_number(number, unknown=NO_PAGE), locale=asked.locale)
    return json_response(page, headers={"Cache-Control": "public, max-age=60"})
