"""Open311 GeoReport v2 over the API on moto (the ``requested`` index and the keys included):
every endpoint in JSON and XML, a client filing with its key through intake (once per retry),
following by token and number, listing with the standard's filters, and every refusal in the
standard's own shape."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest

from tests.conftest import card_form
from tests.factories import queue_only_rules
from tests.integration.conftest import body

V2 = "/open311/v2"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def api(make_api):
    from chalicelib.adapters.memory_mail import RecordingMailer
    from chalicelib.adapters.memory_sla import InMemoryEscalations, InMemoryTimerScheduler

    return make_api(
        routing_rules=queue_only_rules(),
        scheduler=InMemoryTimerScheduler(),
        escalations=InMemoryEscalations(),
        mailer=RecordingMailer(),
    )


def _key(api, name: str = "FixMyStreet", per_hour: int = 100) -> str:
    issued = api.post(
        "/admin/api-keys",
        {"name": name, "owner": "mySociety, fms@example.org", "per_hour": per_hour},
        staff="adm-dmitry",
    )
    assert issued.status_code == 201, issued.body
    return str(body(issued)["key"])


def _post(api, fields: dict, fmt: str = "json"):
    return api.client.http.post(f"{V2}/requests.{fmt}", body=urlencode(fields), headers=FORM)


def _filing(key: str, **more: str) -> dict:
    return {
        "api_key": key,
        "service_code": "roads.potholes",
        "lat": "55.7755",
        "long": "37.625",
        "address_string": "Lenina 60",
        "email": "citizen@example.org",
        "first_name": "Vera",
        "last_name": "Orlova",
        "description": "A deep pothole by the stop",
        **more,
    }


def _type(response) -> str:
    return {k.lower(): v for k, v in response.headers.items()}["content-type"]


def _xml(response) -> ElementTree.Element:
    assert _type(response).startswith("text/xml"), response.headers
    return ElementTree.fromstring(response.body)  # noqa: S314 - our own answer


def _errors(response) -> list[dict]:
    if _type(response).startswith("text/xml"):
        root = _xml(response)
        assert root.tag == "errors"
        return [
            {"code": int(e.findtext("code") or 0), "description": e.findtext("description")}
            for e in root
        ]
    return json.loads(response.body)


def test_a_client_lists_services_reads_a_definition_files_and_follows_in_both_formats(api):
    key = _key(api)
    services = json.loads(api.get(f"{V2}/services.json").body)
    assert {s["service_code"] for s in services} >= {"roads.potholes", "lighting.streetlight_out"}
    xml_services = _xml(api.get(f"{V2}/services.xml?locale=ru"))
    assert xml_services.find("service/service_name").text == "Ямы на дороге"
    definition = json.loads(api.get(f"{V2}/services/roads.potholes.json").body)
    assert definition["attributes"][0]["code"] == "danger"
    assert _xml(api.get(f"{V2}/services/roads.potholes.xml")).tag == "service_definition"
    discovery = _xml(api.get(f"{V2}/discovery.xml"))
    assert (
        discovery.findtext("endpoints/endpoint/specification")
        == "http://wiki.open311.org/GeoReport_v2"
    )

    filed = _post(api, _filing(key, **{"attribute[danger]": "yes"}), "xml")
    assert filed.status_code == 201, filed.body
    answer = _xml(filed).find("request")
    number, token = answer.findtext("service_request_id"), answer.findtext("token")
    card = body(api.get(f"/staff/cards/{number}", staff="op-olga"))
    assert (card["channel"], card["client"], card["category"]) == (
        "api",
        "FixMyStreet",
        "roads.potholes",
    )
    assert card["requester"]["full_name"] == "Vera Orlova"
    assert "safety" in card["manual_control"]  # danger: the manager looks at it first
    # The same post again (a client's retry): the same request, no second card.
    again = json.loads(_post(api, _filing(key, **{"attribute[danger]": "yes"})).body)
    assert again[0]["service_request_id"] == number
    by_token = json.loads(api.get(f"{V2}/tokens/{token}.json").body)
    assert by_token == [{"service_request_id": number, "token": token}]
    one = json.loads(api.get(f"{V2}/requests/{number}.json").body)[0]
    assert (one["status"], one["service_code"], one["agency_responsible"]) == (
        "open",
        "roads.potholes",
        "Road Service",
    )
    assert (one["lat"], one["long"], one["address"]) == (55.7755, 37.625, "Lenina 60")
    assert one["description"] is None
    text = json.dumps(one)
    assert "Vera" not in text
    assert "citizen@example.org" not in text
    assert "deep pothole" not in text
    assert _xml(api.get(f"{V2}/requests/{number}.xml")).findtext("request/status") == "open"


def test_the_listing_filters_as_the_standard_says_and_never_shows_a_sensitive_request(api, clock):
    key = _key(api)
    first = json.loads(_post(api, _filing(key)).body)[0]["service_request_id"]
    lamp = json.loads(
        _post(
            api, _filing(key, service_code="lighting.streetlight_out", email="b@example.org")
        ).body
    )[0]["service_request_id"]
    benefits = body(api.post("/requests", card_form(category="social.benefits")))["number"]
    listed = json.loads(api.get(f"{V2}/requests.json").body)
    assert [r["service_request_id"] for r in listed] == [lamp, first]  # newest first
    assert benefits not in api.get(f"{V2}/requests.json").body.decode()
    assert _errors(api.get(f"{V2}/requests/{benefits}.json"))[0]["code"] == 404
    only = json.loads(api.get(f"{V2}/requests.json?service_code=lighting.streetlight_out").body)
    assert [r["service_request_id"] for r in only] == [lamp]
    ids = json.loads(
        api.get(f"{V2}/requests.json?service_request_id={first},{benefits},2026-999999").body
    )
    assert [r["service_request_id"] for r in ids] == [first]
    assert json.loads(api.get(f"{V2}/requests.json?status=closed").body) == []
    near = json.loads(api.get(f"{V2}/requests.json?lat=55.7755&long=37.625&radius=50").body)
    assert len(near) == 2
    far = json.loads(api.get(f"{V2}/requests.json?lat=55.70&long=37.55&radius=50").body)
    assert far == []
    paged = json.loads(api.get(f"{V2}/requests.json?page_size=1&page=2").body)
    assert [r["service_request_id"] for r in paged] == [first]
    # Outside the range asked, and the range's own rules.
    clock.advance(timedelta(days=100))
    assert json.loads(api.get(f"{V2}/requests.json").body) == []
    for bad in (
        "start_date=2026-01-01&end_date=2026-12-31",
        "start_date=yesterday",
        "status=fixed",
        "page_size=0",
        "page_size=5000",
        "lat=55.7&radius=10",
    ):
        refused = api.get(f"{V2}/requests.json?{bad}")
        assert refused.status_code == 400, bad
        assert _errors(refused)[0]["code"] == 400


def test_every_refusal_is_the_standards_errors_in_the_asked_format(api):
    key = _key(api)
    cases = [
        (_post(api, _filing("cd311_not-a-key"), "xml"), 403),
        (_post(api, {**_filing(key), "service_code": ""}), 400),
        (_post(api, _filing(key, service_code="moon.craters")), 404),
        (
            _post(
                api,
                {
                    k: v
                    for k, v in _filing(key).items()
                    if k not in ("lat", "long", "address_string")
                },
            ),
            400,
        ),
        (_post(api, _filing(key, lat="91")), 400),
        (_post(api, _filing(key, long="")), 400),
        (_post(api, {k: v for k, v in _filing(key).items() if k != "email"}), 400),
        (_post(api, _filing(key, email="not-an-address")), 400),
        (_post(api, _filing(key, **{"attribute[danger]": "maybe"})), 400),
        (_post(api, _filing(key, media_url="javascript:alert(1)")), 400),
        (_post(api, _filing(key, description="x" * 4001)), 400),
        (_post(api, _filing(key, jurisdiction_id="another.city")), 404),
        (api.get(f"{V2}/services.yaml"), 404),
        (api.get(f"{V2}/services/moon.craters.xml"), 404),
        (api.get(f"{V2}/requests/2026-999999.xml"), 404),
        (api.get(f"{V2}/tokens/2026-000001-0000000000000000.json"), 404),
        (api.get(f"{V2}/services.json?jurisdiction_id=another.city"), 404),
        (api.get(f"{V2}/nothing.json"), 404),
    ]
    for response, status in cases:
        assert response.status_code == status, response.body
        [error] = _errors(response)
        assert error["code"] == status
        assert error["description"]
    assert "Invalid api_key" in _errors(cases[0][0])[0]["description"]
    bad_body = api.client.http.post(f"{V2}/requests.json", body=b"\xff\xfe", headers=FORM)
    assert bad_body.status_code == 400
    not_object = api.client.http.post(
        f"{V2}/requests.json", body="[1]", headers={"Content-Type": "application/json"}
    )
    assert not_object.status_code == 400
    # Nothing refused made a card.
    assert json.loads(api.get(f"{V2}/requests.json").body) == []


def test_a_json_body_files_too_and_a_revoked_or_spent_key_cannot(api):
    key = _key(api, per_hour=2)
    as_json = api.client.http.post(
        f"{V2}/requests.json",
        body=json.dumps(_filing(key)),
        headers={"Content-Type": "application/json"},
    )
    assert as_json.status_code == 201, as_json.body
    second = _post(api, _filing(key, email="second@example.org"))
    assert second.status_code == 201
    spent = _post(api, _filing(key, email="third@example.org"))
    assert spent.status_code == 429
    assert "2 requests an hour" in _errors(spent)[0]["description"]
    other = _key(api, name="SeeClickFix")
    [listed] = [
        k
        for k in body(api.get("/admin/api-keys", staff="adm-dmitry"))["keys"]
        if k["name"] == "SeeClickFix"
    ]
    assert "key" not in listed  # the key itself is shown once only
    revoked = api.post(f"/admin/api-keys/{listed['id']}/revoke", {}, staff="adm-dmitry")
    assert (revoked.status_code, body(revoked)["active"]) == (200, False)
    refused = _post(api, _filing(other, email="fourth@example.org"))
    assert refused.status_code == 403
    assert api.post("/admin/api-keys/nope/revoke", {}, staff="adm-dmitry").status_code == 404


def test_a_fixmystreet_style_client_follows_the_public_updates_of_a_period(api, clock):
    key = _key(api)
    number = json.loads(_post(api, _filing(key)).body)[0]["service_request_id"]
    benefits = body(api.post("/requests", card_form(category="social.benefits")))["number"]
    start = clock.now()
    clock.advance(timedelta(hours=1))
    card = body(
        api.post(
            f"/staff/cards/{number}/assign",
            {"executor_id": "ex-ivan", "version": 1},
            staff="op-olga",
        )
    )
    moved = api.post(
        f"/staff/cards/{number}/transition",
        {"to": "in_progress", "version": card["version"]},
        staff="ex-ivan",
    )
    assert moved.status_code == 200, moved.body
    nina = body(
        api.post(
            f"/staff/cards/{benefits}/assign",
            {"executor_id": "ex-nina", "version": 1},
            staff="op-olga",
        )
    )
    api.post(
        f"/staff/cards/{benefits}/transition",
        {"to": "in_progress", "version": nina["version"]},
        staff="ex-nina",
    )
    clock.advance(timedelta(hours=1))
    since = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    updates = json.loads(api.get(f"{V2}/servicerequestupdates.json?start_date={since}").body)
    assert [(u["service_request_id"], u["status"]) for u in updates] == [(number, "IN_PROGRESS")]
    assert updates[0]["update_id"].startswith(number + ".")
    as_xml = _xml(api.get(f"{V2}/servicerequestupdates.xml?start_date={since}"))
    assert as_xml.tag == "service_requests_updates"
    assert as_xml.findtext("request_update/status") == "IN_PROGRESS"
    # Before the change: nothing; a bad range: the standard's 400.
    before = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert json.loads(api.get(f"{V2}/servicerequestupdates.json?end_date={before}").body) == []
    refused = api.get(f"{V2}/servicerequestupdates.json?start_date=2020-01-01")
    assert (refused.status_code, _errors(refused)[0]["code"]) == (400, 400)


def test_the_bulk_csv_has_the_exports_open311_columns_and_no_formula_runs(api):
    import csv
    import io

    from chalicelib.domain.export_rows import NAMES, OPEN311_NAMES

    key = _key(api)
    number = json.loads(_post(api, _filing(key, address_string='=HYPERLINK("x")')).body)[0][
        "service_request_id"
    ]
    body(api.post("/requests", card_form(category="social.benefits")))  # never listed
    answer = api.get(f"{V2}/requests.csv")
    assert answer.status_code == 200
    assert _type(answer).startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.body.decode())))
    assert tuple(rows[0]) == OPEN311_NAMES == NAMES[: len(OPEN311_NAMES)]
    assert [r[0] for r in rows[1:]] == [number]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["status"], row["service_code"], row["source"]) == ("open", "roads.potholes", "api")
    assert row["address"].startswith("'=")  # shown as text, never run as a formula
    assert row["description"] == ""
    assert api.get(f"{V2}/services.csv").status_code == 404
    assert _errors(api.get(f"{V2}/requests.csv?status=fixed"))[0]["code"] == 400


def test_the_specifications_own_example_request_is_filed_with_the_towns_key_and_service(api):
    from pathlib import Path
    from urllib.parse import parse_qsl

    example = (
        Path(__file__).resolve().parents[1] / "data" / "open311" / "post_request.txt"
    ).read_text()
    fields = dict(parse_qsl(example))
    # As the specification sends it: its key, jurisdiction and service are not this town's.
    as_written = _post(api, fields, "xml")
    assert as_written.status_code == 403
    key = _key(api)
    fields.update(api_key=key, service_code="roads.potholes")
    other_town = _post(api, fields)
    assert (other_town.status_code, _errors(other_town)[0]["code"]) == (404, 404)  # city.gov
    fields["jurisdiction_id"] = "town.example"
    filed = _post(api, fields, "xml")
    assert filed.status_code == 201, filed.body
    request = _xml(filed).find("request")
    assert request.findtext("account_id") == "123456"  # echoed, as the standard shows
    number = request.findtext("service_request_id")
    card = body(api.get(f"/staff/cards/{number}", staff="op-olga"))
    assert card["requester"]["full_name"] == "john smith"
    assert card["requester"]["email"] == "smit222@sfgov.edu"
    assert "http://api.city.gov/media/123.jpg" in card["description"]  # the link, not fetched
    # Every endpoint answers in both formats.
    for path in (
        "discovery",
        "services",
        "requests",
        f"requests/{number}",
        "servicerequestupdates",
    ):
        for fmt in ("json", "xml"):
            answer = api.get(f"{V2}/{path}.{fmt}")
            assert answer.status_code == 200, (path, fmt, answer.body)
            assert _type(answer).startswith("application/json" if fmt == "json" else "text/xml")
    token = request.findtext("token")
    assert (
        _xml(api.get(f"{V2}/tokens/{token}.xml")).findtext("request/service_request_id") == number
    )
