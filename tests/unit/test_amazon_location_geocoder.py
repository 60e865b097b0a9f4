"""The Amazon Location adapter against the service's own request and answer shapes (botocore's
Stubber validates both; moto has no geo-places): what it asks, how it reads the answer, and
that a failing service hands over to the street table."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.adapters.amazon_location_geocoder import AmazonLocationGeocoder
from chalicelib.adapters.static_directory import StaticDirectory
from chalicelib.adapters.street_geocoder import StreetTableGeocoder
from chalicelib.domain.places import Precision


@pytest.fixture
def service():
    client = boto3.client(
        "geo-places", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        yield client, stub


def geocoder(client):
    directory = StaticDirectory.from_file()
    return AmazonLocationGeocoder(
        lambda: client, directory, bias=(37.625, 55.75), fallback=StreetTableGeocoder(directory)
    )


def test_an_address_is_asked_near_the_town_and_placed_in_the_town_s_district(service):
    client, stub = service
    stub.add_response(
        "geocode",
        {
            "PricingBucket": "Core",
            "ResultItems": [
                {
                    "PlaceId": "p1",
                    "PlaceType": "PointAddress",
                    "Title": "Lenina 60",
                    "Address": {"Label": "ulitsa Lenina 60, Rivertown"},
                    "Position": [37.6249, 55.7755],
                }
            ],
        },
        {
            "QueryText": "Lenina 60",
            "BiasPosition": [37.625, 55.75],
            "MaxResults": 5,
            "Language": "en",
        },
    )
    (place,) = geocoder(client).search("Lenina 60", locale="en")
    assert place.address == "ulitsa Lenina 60, Rivertown"
    assert place.precision == Precision.HOUSE
    assert place.district is not None
    assert place.district.id == "d3"


def test_a_point_keeps_the_pin_and_takes_the_service_s_words(service):
    client, stub = service
    stub.add_response(
        "reverse_geocode",
        {
            "PricingBucket": "Core",
            "ResultItems": [
                {
                    "PlaceId": "p2",
                    "PlaceType": "Street",
                    "Title": "улица Ленина",
                    "Position": [37.6251, 55.7756],
                }
            ],
        },
        {"QueryPosition": [37.625, 55.7755], "MaxResults": 1, "Language": "ru"},
    )
    place = geocoder(client).reverse(55.7755, 37.625, locale="ru")
    assert place.address == "улица Ленина"
    assert (place.latitude, place.longitude) == (55.7755, 37.625)
    assert place.precision == Precision.STREET


def test_a_failing_service_hands_over_to_the_street_table(service):
    client, stub = service
    stub.add_client_error("reverse_geocode", "ThrottlingException", http_status_code=429)
    stub.add_client_error("geocode", "AccessDeniedException", http_status_code=403)
    found = geocoder(client)
    assert found.reverse(55.7755, 37.625, locale="en").address == "Lenina 60"
    assert found.search("Lenina 60", locale="en")[0].address == "Lenina 60"


def test_nothing_near_is_the_point_and_its_district(service):
    client, stub = service
    stub.add_response("reverse_geocode", {"PricingBucket": "Core", "ResultItems": []})
    place = geocoder(client).reverse(55.79, 37.64, locale="en")
    assert place.address is None
    assert place.district is not None
    assert place.district.id == "d3"
