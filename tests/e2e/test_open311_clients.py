"""Open311 clients written elsewhere (from the package registry, not here) against the local
stack over HTTP: civicbot's client lists the services, reads a definition, files a request with
a key the command line issued, and follows it by token and by number (JSON); georeport's reads
the same in XML. What they get back is the standard's, and the request is a card."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.e2e.test_console import civicdesk

pytestmark = pytest.mark.e2e


def test_independent_open311_clients_file_and_follow_a_request(module_stack: Any) -> None:
    from civicbot.http import HttpTransport, RateLimiter
    from civicbot.open311 import Open311Client
    from civicbot.registry import Endpoint
    from georeport import GeoReport

    stack = module_stack
    issued = civicdesk(
        stack, "keys", "issue", "--name", "civicbot", "--owner", "Tests, t@example.org"
    )
    assert issued.returncode == 0, issued.stderr
    key_id, key = issued.stdout.split()
    root = f"{stack.url}/open311/v2"
    endpoint = Endpoint(id="civicdesk", name="CivicDesk", base_url=root, write=True)
    client = Open311Client(endpoint, transport=HttpTransport(rate_limiter=RateLimiter(0)))

    services = client.list_services()
    assert "roads.potholes" in {s["service_code"] for s in services}
    definition = client.get_service_definition("roads.potholes")
    assert definition["attributes"][0]["code"] == "danger"
    sent = client.create_request(
        "roads.potholes",
        dry_run=False,
        confirm="SEND",
        api_key=key,
        validate_remote=True,  # checked against our list and definition first
        lat=55.7755,
        lng=37.625,
        address_string="Lenina 60",
        description="A pothole filed through an Open311 client",
        email="open311-citizen@example.org",
        first_name="Olga",
        attributes={"danger": "no"},
    )
    [answer] = sent.response
    number, token = answer["service_request_id"], answer["token"]
    assert client.get_token(token) == [{"service_request_id": number, "token": token}]
    followed = client.get_request(number)
    assert followed is not None
    assert (followed["status"], followed["service_code"]) == ("open", "roads.potholes")
    listed = client.list_requests(service_code="roads.potholes")
    assert number in {r["service_request_id"] for r in listed}

    xml = GeoReport(root, output_format="xml")
    names = xml.get_service_list()
    assert any(s["service_code"] == "roads.potholes" for s in names)
    assert xml.get_service_definition("roads.potholes")["service_code"] == "roads.potholes"
    one = xml.get_service_request(number)
    assert (one["service_request_id"], one["status"]) == (number, "open")

    # It is a card like any other, and it says which client sent it.
    staff = {"Authorization": f"Bearer {stack.tokens['op-olga']}"}
    card = requests.get(f"{stack.url}/staff/cards/{number}", headers=staff, timeout=30).json()
    assert (card["channel"], card["client"]) == ("api", "civicbot")
    # Revoked (from the command line), the key files nothing more.
    assert civicdesk(stack, "keys", "revoke", "--id", key_id).returncode == 0
    refused = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": key,
            "service_code": "roads.potholes",
            "lat": "55.7755",
            "long": "37.625",
            "email": "x@example.org",
        },
        timeout=30,
    )
    assert refused.status_code == 403
    assert refused.json()[0]["code"] == 403
    listed_keys = civicdesk(stack, "keys", "list")
    assert f"{key_id}\tcivicbot" in listed_keys.stdout
    assert "revoked" in listed_keys.stdout
