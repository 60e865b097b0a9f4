"""The API over Chalice's test client, backed by DynamoDB and S3 under moto."""

from __future__ import annotations

import hashlib
import json
import threading

import requests
from openapi_spec_validator import validate

from tests.conftest import card_form
from tests.integration.conftest import body


def test_the_whole_flow_from_submission_to_closure(api):
    created = api.post("/requests", card_form(), headers={"Idempotency-Key": "form-1"})
    assert created.status_code == 201
    receipt = body(created)
    number, token = receipt["number"], receipt["access_token"]
    assert receipt["status"] == "received"
    assert receipt["status_url"] == (
        f"https://portal.town.example/status.html?n={number}#t={token}"
    )
    assert api.telemetry.cards_created == [("web", "roads.potholes")]

    queue = body(api.get("/staff/queue?department=roads&status=received", staff="op-olga"))
    assert [c["number"] for c in queue["cards"]] == [number]
    routed = body(api.get(f"/staff/cards/{number}", staff="ex-ivan"))
    assert routed["executor_id"] == "ex-ivan"
    assert routed["routing"] == {
        "rule_id": "roads",
        "rules_version": 1,
        "reason": "Roads › Potholes in District 3 → Road Service; "
        "fewest open cards: Ivan Sokolov (0 open)",
        "why": {
            "category": "roads.potholes",
            "district": "d3",
            "window": "any",
            "requester_kinds": [],
            "department": "roads",
            "triage": False,
            "owner": "fewest_open",
            "owner_id": "ex-ivan",
            "owner_open": 0,
            "control": [],
            "repeat_of": None,
        },
    }
    assert routed["location"]["district"] == "d3"

    steps = [
        ("op-olga", "comments", {"text": "Caller says: nearest crew is Petrov's"}),
        ("ex-ivan", "transition", {"to": "in_progress"}),
        ("ex-ivan", "comments", {"text": "Crew of Petrov, asphalt ordered", "public": False}),
        ("ex-ivan", "comments", {"text": "Repair is planned for Thursday", "public": True}),
        ("ex-ivan", "transition", {"to": "resolved", "resolution": "Pothole patched"}),
        ("op-olga", "transition", {"to": "closed", "closure_reason": "Repair confirmed"}),
    ]
    version = 1
    for who, action, payload in steps:
        response = api.post(
            f"/staff/cards/{number}/{action}", {**payload, "version": version}, staff=who
        )
        assert response.status_code in (200, 201), response.body
        version = body(response)["version"]
        assert response.headers["ETag"] == f'"{version}"'
    card = body(api.get(f"/staff/cards/{number}", staff="mgr-sergey"))
    assert card["status"] == "closed"
    assert card["executor_id"] == "ex-ivan"
    assert [h["action"] for h in card["history"]] == [
        "created",
        "commented",
        "status_changed",
        "commented",
        "commented",
        "status_changed",
        "status_changed",
    ]
    assert [h["public"] for h in card["history"]] == [True, False, True, False, True, True, True]

    status = api.get(f"/requests/{number}", headers={"X-Access-Token": token})
    assert status.status_code == 200
    assert status.headers["Cache-Control"] == "no-store"
    view = body(status)
    assert [s["status"] for s in view["steps"]] == [
        "received",
        "in_progress",
        None,
        "resolved",
        "closed",
    ]
    assert view["resolution"] == "Pothole patched"
    text = status.body.decode()
    for internal in (
        "Petrov",
        "ex-ivan",
        "Ivan Sokolov",
        "nearest crew",
        "anna@example.org",
        "Anna Ivanova",
        "executor",
    ):
        assert internal not in text


def test_a_citizen_sets_neither_priority_nor_their_kind_but_may_report_danger(api):
    urgent = api.post("/requests", card_form(priority="urgent"))
    assert urgent.status_code == 400
    assert [f["field"] for f in body(urgent)["error"]["fields"]] == ["priority"]
    collective = card_form()
    collective["requester"] = {**collective["requester"], "kind": "priority_group"}
    refused = api.post("/requests", collective)
    assert [f["field"] for f in body(refused)["error"]["fields"]] == ["requester.kind"]
    number = body(api.post("/requests", card_form(danger=True)))["number"]
    card = body(api.get(f"/staff/cards/{number}", staff="op-olga"))
    assert card["priority"] == "normal"  # the rules set priority, not the form
    assert "safety" in card["manual_control"]  # the department's manager reviews it first
    assert "danger to people" in card["routing"]["reason"]


def test_a_retried_submission_returns_the_same_card(api):
    first = api.post("/requests", card_form(), headers={"Idempotency-Key": "again"})
    second = api.post("/requests", card_form(), headers={"Idempotency-Key": "again"})
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    same = ("number", "status", "submitted_at", "first_response_due")
    assert {k: body(first)[k] for k in same} == {k: body(second)[k] for k in same}
    # The first token is not kept anywhere: the repeat carries a fresh key that opens the card.
    stored = api.container.cards.find_idempotent("again")
    assert body(first)["access_token"] not in repr(stored)
    for token in (body(first)["access_token"], body(second)["access_token"]):
        seen = api.get(f"/requests/{body(first)['number']}", headers={"X-Access-Token": token})
        assert seen.status_code == 200
    assert body(second)["access_token"] in body(second)["status_url"]
    different = api.post(
        "/requests", card_form(subject="Another thing"), headers={"Idempotency-Key": "again"}
    )
    assert different.status_code == 422
    assert body(different)["error"]["code"] == "idempotency_key_reused"


def test_requester_adds_details_and_answers_a_question(api):
    receipt = body(api.post("/requests", card_form()))
    number, token = receipt["number"], receipt["access_token"]
    api.post(
        f"/staff/cards/{number}/transition",
        {"to": "needs_clarification", "question": "Which entrance is it?", "version": 1},
        staff="op-olga",
    )
    view = body(api.get(f"/requests/{number}", headers={"X-Access-Token": token}))
    assert view["status"] == "needs_clarification"
    assert view["open_question"] == "Which entrance is it?"
    answered = api.post(
        f"/requests/{number}/messages",
        {"text": "Entrance 2, by the shop"},
        headers={"X-Access-Token": token},
    )
    assert answered.status_code == 201
    after = body(answered)
    assert after["status"] == "in_progress"  # routing gave it an executor: back to work
    assert after["steps"][-1] == {
        **after["steps"][-1],
        "from": "requester",
        "message": "Entrance 2, by the shop",
    }


def test_a_question_s_reply_by_date_and_a_resolution_s_objection_window_over_http(api):
    receipt = body(api.post("/requests", card_form()))
    number, token = receipt["number"], receipt["access_token"]
    mine = {"X-Access-Token": token}
    asked = body(
        api.post(
            f"/staff/cards/{number}/transition",
            {"to": "needs_clarification", "question": "Which entrance is it?", "version": 1},
            staff="ex-ivan",
        )
    )
    assert asked["reply_by"] is not None
    assert asked["no_answer_at"] is None
    assert body(api.get(f"/requests/{number}", headers=mine))["reply_by"] == asked["reply_by"]
    too_late = api.post(
        f"/staff/cards/{number}/transition",
        {"to": "in_progress", "reply_by": "2026-03-03T10:00:00+03:00", "version": 2},
        staff="ex-ivan",
    )
    assert too_late.status_code == 400
    assert body(too_late)["error"]["fields"][0]["field"] == "reply_by"
    early = api.post(f"/requests/{number}/objection", {"text": "Not fixed"}, headers=mine)
    assert early.status_code == 422
    assert "not resolved yet" in body(early)["error"]["message"]

    api.post(f"/requests/{number}/messages", {"text": "Entrance 2"}, headers=mine)
    resolved = body(
        api.post(
            f"/staff/cards/{number}/transition",
            {"to": "resolved", "resolution": "Patched", "version": 3},
            staff="ex-ivan",
        )
    )
    assert resolved["objection_until"] is not None
    view = body(api.get(f"/requests/{number}", headers=mine))
    assert view["objection_until"] == resolved["objection_until"]
    empty = api.post(f"/requests/{number}/objection", {"text": " "}, headers=mine)
    assert empty.status_code == 400
    assert body(empty)["error"]["fields"][0]["field"] == "text"
    stranger = api.post(f"/requests/{number}/objection", {"text": "Not fixed"})
    assert stranger.status_code == 404
    objected = api.post(f"/requests/{number}/objection", {"text": "The hole is back"}, headers=mine)
    assert objected.status_code == 201
    assert body(objected)["status"] == "in_progress"
    card = body(api.get(f"/staff/cards/{number}", staff="ex-ivan"))
    assert (card["reopen_count"], card["objection_until"]) == (1, None)
    assert card["history"][-1]["action"] == "reopened"


def test_attachment_upload_is_recorded_with_size_and_hash(api):
    receipt = body(api.post("/requests", card_form()))
    number, token = receipt["number"], receipt["access_token"]
    photo = b"\xff\xd8\xff" + b"x" * 2048
    ticket = api.post(
        f"/requests/{number}/attachments",
        {
            "filename": "../../etc/pothole photo.jpg",
            "content_type": "image/jpeg",
            "size": len(photo),
        },
        headers={"X-Access-Token": token},
    )
    assert ticket.status_code == 201
    t = body(ticket)
    uploaded = requests.post(
        t["url"], data=t["fields"], files={"file": ("p.jpg", photo, "image/jpeg")}, timeout=10
    )
    assert uploaded.status_code < 300
    confirmed = api.put(
        t["confirm_path"],
        {"filename": "../../etc/pothole photo.jpg"},
        headers={"X-Access-Token": token},
    )
    assert confirmed.status_code == 200, confirmed.body
    assert body(confirmed)["your_attachments"] == ["pothole photo.jpg"]
    card = body(api.get(f"/staff/cards/{number}", staff="op-olga"))
    (attachment,) = card["attachments"]
    assert attachment["size"] == len(photo)
    assert attachment["sha256"] == hashlib.sha256(photo).hexdigest()
    assert attachment["key"].startswith(f"attachments/{number}/")

    link = api.get(f"/staff/cards/{number}/attachments/{attachment['id']}", staff="ex-ivan")
    assert link.status_code == 200
    assert requests.get(body(link)["url"], timeout=10).content == photo
    outsider = api.get(f"/staff/cards/{number}/attachments/{attachment['id']}", staff="ex-pavel")
    assert outsider.status_code == 403
    missing = api.get(f"/staff/cards/{number}/attachments/nope", staff="ex-ivan")
    assert missing.status_code == 404


def test_a_file_larger_than_declared_is_refused_at_confirm_and_deleted(api):
    # Real S3 refuses it at upload (the POST policy's content-length-range); moto does not, so
    # this checks the second line of defence: confirm measures what storage actually holds.
    receipt = body(api.post("/requests", card_form()))
    number, token = receipt["number"], receipt["access_token"]
    big = b"x" * (api.container.attachment_policy.max_bytes + 1)
    t = body(
        api.post(
            f"/requests/{number}/attachments",
            {"filename": "a.txt", "content_type": "text/plain", "size": 10},
            headers={"X-Access-Token": token},
        )
    )
    requests.post(
        t["url"], data=t["fields"], files={"file": ("a.txt", big, "text/plain")}, timeout=30
    )
    refused = api.put(t["confirm_path"], {"filename": "a.txt"}, headers={"X-Access-Token": token})
    assert refused.status_code == 400
    assert [f["field"] for f in body(refused)["error"]["fields"]] == ["file"]
    key = t["fields"]["key"]
    listed = api.container.s3_client.list_objects_v2(Bucket="attachments-test", Prefix=key)
    assert listed.get("KeyCount", 0) == 0
    assert body(api.get(f"/staff/cards/{number}", staff="op-olga"))["attachments"] == []


def test_concurrent_updates_one_wins_the_other_gets_409(api):
    number = body(api.post("/requests", card_form()))["number"]
    results: list[int] = []
    barrier = threading.Barrier(2)

    def comment(text: str) -> None:
        barrier.wait()
        response = api.post(
            f"/staff/cards/{number}/comments", {"text": text, "version": 1}, staff="op-olga"
        )
        results.append(response.status_code)

    threads = [threading.Thread(target=comment, args=(t,)) for t in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201, 409]
    card = body(api.get(f"/staff/cards/{number}", staff="op-olga"))
    assert card["version"] == 2
    assert len(card["history"]) == 2


def test_the_openapi_document_is_valid_and_lists_every_route(api):
    document = body(api.get("/openapi.json"))
    validate(document)
    routes = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    registered = {
        (path, method)
        for path, methods in api.client._app.routes.items()
        for method in methods
        if path != "/openapi.json"
    }
    assert routes == registered
    assert json.dumps(document).count("#/components/schemas/Error") >= 10
    # Query parameters are described by the models that validate them.
    queue = {p["name"]: p for p in document["paths"]["/staff/queue"]["get"]["parameters"]}
    assert queue["limit"]["schema"]["type"] == "integer"
    assert "in_progress" in queue["status"]["schema"]["enum"]
    report = {p["name"]: p for p in document["paths"]["/staff/reports"]["get"]["parameters"]}
    assert report["from"]["required"]
    assert report["from"]["schema"]["format"] == "date"
    # The town's codes in force are the values the fields take, so a generated client sends
    # what the server accepts; a stripped text's minimum does not count spaces.
    assert queue["department"]["schema"]["enum"] == sorted(
        d.id for d in api.container.directory.departments()
    )
    assert "x-directory" not in json.dumps(document)
    form = document["components"]["schemas"]["RequestCreate"]
    assert "roads.potholes" in form["properties"]["category"]["enum"]
    assert form["properties"]["subject"]["pattern"]
    consent = document["components"]["schemas"]["ConsentIn"]["properties"]
    assert consent["text_version"]["enum"] == [api.container.settings.consent_version]
    limited = document["paths"]["/requests"]["post"]["responses"]
    assert "429" in limited


def test_categories_are_public_and_bilingual(api):
    tree = body(api.get("/categories"))
    roads = next(c for c in tree["categories"] if c["code"] == "roads")
    assert roads["name"] == {"en": "Roads", "ru": "Дороги"}
    assert {"code": "roads.potholes", "name": {"en": "Potholes", "ru": "Ямы на дороге"}} in roads[
        "children"
    ]
    assert tree["consent_version"] == "2026-01"


def test_staff_see_each_timer_with_due_time_share_and_state(api, clock):
    from datetime import timedelta

    # A general question waits in the front office's queue: registration runs until it is taken.
    receipt = body(api.post("/requests", card_form(category="other.question")))
    number = receipt["number"]
    clock.advance(timedelta(minutes=30))  # Monday 12:30 in Moscow, the town's calendar
    card = body(api.get(f"/staff/cards/{number}", staff="op-olga"))
    timers = {t["kind"]: t for t in card["timers"]}
    assert set(timers) == {"registration", "first_reply", "decision", "closure"}
    assert timers["registration"]["state"] == "running"
    assert timers["registration"]["share_used"] == 0.5
    assert timers["registration"]["due_at"] == "2026-03-02T10:00:00Z"
    # The citizen's receipt promises what the SLA timer measures: one working day (lunch and
    # the evening excluded), not 24 wall-clock hours.
    assert receipt["first_response_due"] == timers["first_reply"]["due_at"]
    assert receipt["first_response_due"] == "2026-03-03T09:00:00Z"  # 5 h 15 Mon + 3 h Tue
    api.post(
        f"/staff/cards/{number}/transition",
        {"to": "needs_clarification", "question": "Which entrance is it?", "version": 1},
        staff="op-olga",
    )
    clock.advance(timedelta(days=2))
    paused = {
        t["kind"]: t for t in body(api.get(f"/staff/cards/{number}", staff="op-olga"))["timers"]
    }
    assert paused["first_reply"]["state"] == "met"  # the question was our first reply
    assert paused["decision"]["state"] == "paused"
    assert paused["decision"]["due_at"] is None


def test_a_photo_gets_one_thumbnail_for_the_requester_and_staff_a_pdf_none(api):
    from io import BytesIO

    from PIL import Image

    receipt = body(api.post("/requests", card_form()))
    number, token = receipt["number"], receipt["access_token"]
    headers = {"X-Access-Token": token}
    camera = BytesIO()
    Image.linear_gradient("L").resize((2000, 1500)).convert("RGB").save(camera, "JPEG")

    photo = api.attach(number, token, "street.jpg", camera.getvalue(), "image/jpeg")
    scan = api.attach(number, token, "act.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    status = body(api.get(f"/requests/{number}", headers=headers))
    assert [(f["filename"], f["thumbnail"]) for f in status["your_files"]] == [
        ("street.jpg", True),
        ("act.pdf", False),
    ]
    for link in (
        api.get(f"/requests/{number}/files/{photo}?variant=thumbnail", headers=headers),
        api.get(f"/staff/cards/{number}/attachments/{photo}?variant=thumbnail", staff="ex-ivan"),
    ):
        small = Image.open(BytesIO(requests.get(body(link)["url"], timeout=10).content))
        assert (small.format, small.size) == ("JPEG", (480, 360))
    none = api.get(f"/staff/cards/{number}/attachments/{scan}?variant=thumbnail", staff="ex-ivan")
    assert none.status_code == 404
    odd = api.get(f"/requests/{number}/files/{photo}?variant=huge", headers=headers)
    assert body(odd)["error"]["fields"][0]["field"] == "variant"
