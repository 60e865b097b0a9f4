"""Open311 clients written elsewhere (from the package registry, not here) against the local
stack over HTTP: civicbot's client lists the services, reads a definition, files a request with
a key the command line issued, and follows it by token and by number (JSON); georeport's reads
the same in XML. What they get back is the standard's, and the request is a card."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.e2e.test_console import civicdesk
from tests.e2e.test_status_page import browser  # noqa: F401 - fixture

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


def test_an_administrator_issues_and_revokes_a_clients_key_in_the_console(
    module_stack: Any,
    browser: Any,  # noqa: F811
) -> None:
    from tests.e2e.test_console import scan_and_shoot, sign_in
    from tests.e2e.test_portal import DESKTOP
    from tests.e2e.test_status_page import PHONE

    page = sign_in(browser, module_stack.url, "adm-dmitry", DESKTOP)
    page.get_by_role("link", name="API clients").click()
    page.get_by_role("heading", name="API clients (Open311)").wait_for()
    # Nothing given: each problem next to its field.
    page.get_by_role("button", name="Issue a key").click()
    page.locator("#client-name-error:not(:empty)").wait_for()
    assert page.get_by_label("Client name").get_attribute("aria-invalid") == "true"
    page.get_by_label("Client name").fill("FixMyStreet")
    page.get_by_label("Who answers for it").fill("mySociety, fms@example.org")
    page.get_by_role("button", name="Issue a key").click()
    key = page.locator("#client-key")
    key.filter(has_text="cd311_").wait_for()
    issued = key.inner_text()
    page.get_by_role("row", name="FixMyStreet").wait_for()
    scan_and_shoot(page, "clients-1280")
    # The key files a request; revoked, it files nothing more.
    root = f"{module_stack.url}/open311/v2"
    form = {
        "api_key": issued,
        "service_code": "roads.potholes",
        "lat": "55.7755",
        "long": "37.625",
        "email": "fms-user@example.org",
    }
    assert requests.post(f"{root}/requests.json", data=form, timeout=30).status_code == 201
    page.get_by_role("button", name="Revoke the key of FixMyStreet").click()
    page.get_by_role("row", name="FixMyStreet").filter(has_text="revoked").wait_for()
    assert requests.post(f"{root}/requests.json", data=form, timeout=30).status_code == 403
    assert page.errors == []
    page.context.close()
    # In Russian on a phone: the same page, nothing wider than the screen.
    phone = sign_in(browser, module_stack.url, "adm-dmitry", PHONE)
    phone.get_by_role("button", name="Русский").click()
    phone.get_by_role("heading", name="Очередь").wait_for()
    phone.get_by_role("link", name="API-клиенты").click()
    phone.get_by_role("heading", name="API-клиенты (Open311)").wait_for()
    phone.get_by_role("row", name="FixMyStreet").wait_for()
    scan_and_shoot(phone, "clients-ru-360")
    phone.context.close()
