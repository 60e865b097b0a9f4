"""Exports under moto: a manager asks for a period through the API, the export function (started
as the API would start it) writes CSV, Parquet and a QuickSight manifest to S3; the nightly rule
writes the snapshot Athena reads."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from chalicelib.adapters.memory_exports import ImmediateRunner
from infrastructure.local.mailroom import LambdaContext
from tests.conftest import card_form
from tests.factories import queue_only_rules
from tests.integration.conftest import body


@pytest.fixture
def api(make_api):
    from functions import export_cards

    runner = ImmediateRunner(lambda job: export_cards.handler(job, LambdaContext("export-cards")))
    return make_api(routing_rules=queue_only_rules(), export_runner=runner)


def _objects(aws, settings, prefix: str) -> dict[str, bytes]:
    listed = aws["s3"].list_objects_v2(Bucket=settings.exports_bucket, Prefix=prefix)
    return {
        o["Key"]: aws["s3"].get_object(Bucket=settings.exports_bucket, Key=o["Key"])["Body"].read()
        for o in listed.get("Contents", [])
    }


def test_a_manager_exports_a_period_and_gets_links_to_the_files(api, aws, settings, clock):
    import pyarrow.parquet as pq

    numbers = [body(api.post("/requests", card_form()))["number"] for _ in range(3)]
    day = clock.now().date().isoformat()
    started = api.post("/staff/exports", {"from": day, "to": day}, staff="mgr-sergey")
    assert started.status_code == 202, body(started)
    job = body(started)
    assert job["status"] == "queued"
    assert started.headers["Location"] == f"/staff/exports/{job['export_id']}"
    done = body(api.get(f"/staff/exports/{job['export_id']}", staff="mgr-sergey"))
    assert done["status"] == "done"
    assert done["rows"] == 3
    assert set(done["links"]) == {"csv", "parquet"}
    assert done["links"]["csv"].startswith("https://")
    files = _objects(aws, settings, f"exports/on-demand/{job['export_id']}/")
    csv_text = files[f"exports/on-demand/{job['export_id']}/csv/cards.csv"].decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert sorted(r["service_request_id"] for r in rows) == sorted(numbers)
    assert "Anna" not in csv_text
    assert "anna@example.org" not in csv_text
    assert {r["requester"] for r in rows} == {rows[0]["requester"]}  # one person, one pseudonym
    table = pq.read_table(
        io.BytesIO(files[f"exports/on-demand/{job['export_id']}/parquet/cards.parquet"])
    )
    assert table.num_rows == 3
    manifest = json.loads(files[f"exports/on-demand/{job['export_id']}/quicksight-manifest.json"])
    assert manifest["fileLocations"][0]["URIPrefixes"] == [
        f"s3://{settings.exports_bucket}/exports/on-demand/{job['export_id']}/csv/"
    ]
    assert manifest["globalUploadSettings"]["containsHeader"] == "true"
    # A period with nothing in it is an empty file with its header, not an error.
    empty = body(
        api.post("/staff/exports", {"from": "2020-01-01", "to": "2020-01-31"}, staff="mgr-sergey")
    )
    assert body(api.get(f"/staff/exports/{empty['export_id']}", staff="mgr-sergey"))["rows"] == 0


def test_the_nightly_snapshot_lands_where_athena_and_quicksight_read(api, aws, settings, clock):
    from functions import export_cards

    api.post("/requests", card_form())
    answer = export_cards.handler({"source": "aws.events"}, LambdaContext("export-cards"))
    assert answer == {"status": "done", "rows": 1}
    snapshot = clock.now().astimezone(settings.timezone).date().isoformat()
    files = _objects(aws, settings, "exports/cards/")
    assert f"exports/cards/csv/snapshot={snapshot}/cards.csv" in files
    assert f"exports/cards/parquet/snapshot={snapshot}/cards.parquet" in files
    status = json.loads(files[f"exports/cards/status/snapshot={snapshot}.json"])
    assert status["status"] == "done"
    manifest = json.loads(files["exports/cards/quicksight-manifest.json"])
    assert manifest["fileLocations"][0]["URIPrefixes"] == [
        f"s3://{settings.exports_bucket}/exports/cards/csv/snapshot={snapshot}/"
    ]


def test_a_failed_export_says_why_and_is_raised_for_the_retries(api, aws, settings):
    from chalicelib.services.exports import run_export

    class Broken:
        def __getattr__(self, name: str) -> Any:
            return getattr(api.container.export_store, name)

        def upload(self, path, key):
            raise OSError("disk full")

    ports = api.container.export_ports
    broken = type(ports)(**{**vars(ports), "store": Broken()})
    job = {"kind": "nightly", "snapshot": "2026-03-02", "formats": ["csv"]}
    with pytest.raises(OSError, match="disk full"):
        run_export(job, ports=broken, policy=api.container.export_policy)
    status = json.loads(
        _objects(aws, settings, "exports/cards/status/")[
            "exports/cards/status/snapshot=2026-03-02.json"
        ]
    )
    assert status["status"] == "failed"
    assert status["reason"] == "OSError: disk full"


@pytest.mark.parametrize(
    ("payload", "who", "code", "field"),
    [
        ({"from": "2026-03-02", "to": "2026-03-01"}, "mgr-sergey", 400, "to"),
        ({"from": "yesterday", "to": "2026-03-01"}, "mgr-sergey", 400, "from"),
        (
            {"from": "2026-03-01", "to": "2026-03-02", "formats": ["xlsx"]},
            "mgr-sergey",
            400,
            "formats.0",
        ),
        ({"from": "2026-03-01", "to": "2026-03-02", "formats": []}, "mgr-sergey", 400, "formats"),
        ({"from": "2026-03-01"}, "mgr-sergey", 400, "to"),
        ({"from": "2020-01-01", "to": "2026-03-02"}, "mgr-sergey", 400, "to"),
        ({"from": "2026-03-01", "to": "2026-03-02"}, "ex-ivan", 403, None),
        ({"from": "2026-03-01", "to": "2026-03-02"}, "op-olga", 403, None),
    ],
)
def test_bad_export_requests_are_refused_and_name_the_field(api, payload, who, code, field):
    answer = api.post("/staff/exports", payload, staff=who)
    assert answer.status_code == code, body(answer)
    if field:
        assert [f["field"] for f in body(answer)["error"]["fields"]] == [field]


def _rows(aws, settings, export_id: str) -> list[dict[str, str]]:
    files = _objects(aws, settings, f"exports/on-demand/{export_id}/")
    text = files[f"exports/on-demand/{export_id}/csv/cards.csv"].decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_an_export_holds_what_its_asker_may_report_on_and_is_theirs_alone(
    api, aws, settings, clock
):
    def contact(n: int) -> dict[str, str]:
        return {"full_name": "Anna Ivanova", "email": f"a{n}@example.org"}

    roads = body(api.post("/requests", card_form(requester=contact(1))))["number"]
    parks = body(api.post("/requests", card_form(category="parks.trees", requester=contact(2))))[
        "number"
    ]
    lighting = body(
        api.post("/requests", card_form(category="lighting.streetlight_out", requester=contact(3)))
    )["number"]
    day = clock.now().date().isoformat()
    period = {"from": day, "to": day}

    def export(who: str, **extra: str) -> dict:
        started = api.post("/staff/exports", {**period, **extra}, staff=who)
        assert started.status_code == 202, body(started)
        return body(started)

    sergey = export("mgr-sergey")  # manages parks and roads
    assert sergey["departments"] == ["parks", "roads"]
    numbers = {r["service_request_id"] for r in _rows(aws, settings, sergey["export_id"])}
    assert numbers == {roads, parks}
    only_parks = export("mgr-sergey", department="parks")
    assert {r["service_request_id"] for r in _rows(aws, settings, only_parks["export_id"])} == {
        parks
    }
    refused = api.post("/staff/exports", {**period, "department": "lighting"}, staff="mgr-sergey")
    assert refused.status_code == 403
    unknown = api.post("/staff/exports", {**period, "department": "moon"}, staff="mgr-sergey")
    assert [f["field"] for f in body(unknown)["error"]["fields"]] == ["department"]
    town = export("ctl-elena")
    assert town["departments"] is None
    assert {r["service_request_id"] for r in _rows(aws, settings, town["export_id"])} == {
        roads,
        parks,
        lighting,
    }
    # Another manager, or a controller, is told there is no such export; an administrator
    # may look (to help), the asker may.
    path = f"/staff/exports/{sergey['export_id']}"
    assert api.get(path, staff="mgr-irina").status_code == 404
    assert api.get(path, staff="ctl-elena").status_code == 404
    assert api.get(path, staff="adm-dmitry").status_code == 200
    assert body(api.get(path, staff="mgr-sergey"))["rows"] == 2


def test_unknown_exports_are_not_found(api):
    assert api.get(f"/staff/exports/{'0' * 32}", staff="mgr-sergey").status_code == 404
    assert api.get("/staff/exports/../../etc", staff="mgr-sergey").status_code in (403, 404)
    assert api.get("/staff/exports/not-an-id", staff="mgr-sergey").status_code == 404
    assert api.get(f"/staff/exports/{'0' * 32}", staff="ex-ivan").status_code == 403


def test_reports_read_the_nightly_figures_and_the_live_workload(api, clock):
    from functions import export_cards

    numbers = [body(api.post("/requests", card_form()))["number"] for _ in range(2)]
    version = body(api.get(f"/staff/cards/{numbers[0]}", staff="mgr-sergey"))["version"]
    replied = api.post(
        f"/staff/cards/{numbers[0]}/comments",
        {"text": "We come on Monday", "public": True, "version": version},
        staff="mgr-sergey",
    )
    assert replied.status_code == 201
    day = clock.now().date().isoformat()
    before = body(api.get(f"/staff/reports?from={day}&to={day}", staff="ctl-elena"))
    assert before["figures_as_of"] is None  # no nightly pass yet: nothing is made up
    assert before["received"] == 0
    export_cards.handler({"source": "aws.events"}, LambdaContext("export-cards"))
    town = body(api.get(f"/staff/reports?from={day}&to={day}", staff="ctl-elena"))
    assert town["figures_as_of"] is not None
    assert town["received"] == 2
    assert town["first_reply"]["count"] == 1
    assert town["per_day"] == [{"day": day, "received": 2, "closed": 0}]
    assert {w["department"] for w in town["workload"]} >= {"roads", "lighting"}
    roads = body(api.get(f"/staff/reports?from={day}&to={day}", staff="mgr-sergey"))
    assert roads["departments"] == ["parks", "roads"]
    assert roads["received"] == 2
    irina = body(api.get(f"/staff/reports?from={day}&to={day}", staff="mgr-irina"))
    assert irina["received"] == 0
    for query, who, code, field in [
        (f"from={day}&to={day}", "ex-ivan", 403, None),
        (f"from={day}&to={day}&department=lighting", "mgr-sergey", 403, None),
        (f"from={day}&to={day}&department=nowhere", "ctl-elena", 400, "department"),
        (f"from=monday&to={day}", "ctl-elena", 400, "from"),
        (f"from={day}", "ctl-elena", 400, "to"),
        ("from=2026-03-02&to=2026-03-01", "ctl-elena", 400, "to"),
        ("from=2020-01-01&to=2026-03-01", "ctl-elena", 400, "to"),
    ]:
        answer = api.get(f"/staff/reports?{query}", staff=who)
        assert answer.status_code == code, (query, body(answer))
        if field:
            assert [f["field"] for f in body(answer)["error"]["fields"]] == [field]


def test_a_manager_recomputes_the_figures_now_once_in_ten_minutes(api, clock):
    from datetime import timedelta

    day = clock.now().date().isoformat()
    body(api.post("/requests", card_form()))
    assert (
        body(api.get(f"/staff/reports?from={day}&to={day}", staff="mgr-sergey"))["figures_as_of"]
        is None
    )
    started = api.post("/staff/reports/refresh", {}, staff="mgr-sergey")
    assert started.status_code == 202, started.body
    assert body(started)["kind"] == "figures"
    # The runner ran it at once here (on AWS: the export function, invoked asynchronously).
    report = body(api.get(f"/staff/reports?from={day}&to={day}", staff="mgr-sergey"))
    assert report["figures_as_of"] == clock.now().isoformat().replace("+00:00", "Z")
    assert report["received"] == 1
    # The whole town's one refresh in ten minutes: the next is told when.
    again = api.post("/staff/reports/refresh", {}, staff="ctl-elena")
    assert again.status_code == 429
    assert 0 < int(again.headers["Retry-After"]) <= 600
    assert body(again)["error"]["code"] == "too_many_requests"
    assert api.post("/staff/reports/refresh", {}, staff="ex-ivan").status_code == 403
    clock.advance(timedelta(minutes=11))
    assert api.post("/staff/reports/refresh", {}, staff="ctl-elena").status_code == 202


def test_a_person_in_two_departments_is_one_line_of_the_workload(api, clock):
    day = clock.now().date().isoformat()
    report = body(api.get(f"/staff/reports?from={day}&to={day}", staff="mgr-sergey"))
    maria = [p for p in report["people"] if p["staff_id"] == "ex-maria"]
    assert len(maria) == 1
    assert sorted(maria[0]["departments"]) == ["parks", "roads"]
    listed = [s["staff_id"] for d in report["workload"] for s in d["staff"]]
    assert listed.count("ex-maria") == 2  # each department's list still names her
