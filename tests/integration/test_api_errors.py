"""Every bad input gets a clear error naming the problem, and nothing is half-written."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.adapters import dev_tokens
from tests.conftest import TEST_SECRET, card_form
from tests.integration.conftest import body


@pytest.fixture
def card(api):
    """A pothole report; routing gives it to Ivan Sokolov, the roads executor with fewest cards."""
    receipt = body(api.post("/requests", card_form()))
    return receipt["number"], receipt["access_token"]


def _fields(response) -> set[str]:
    return {f["field"] for f in body(response)["error"]["fields"]}


def _count_cards(api) -> int:
    queue = body(
        api.get("/staff/queue?department=roads&status=received&limit=100", staff="op-olga")
    )
    return len(queue["cards"])


def test_400_lists_every_bad_field(api):
    response = api.post(
        "/requests",
        {
            "subject": "",
            "category": "Roads",
            "priority": "asap",
            "requester": {"full_name": "A", "email": "no-at-sign"},
            "location": {"latitude": 200, "longitude": 0},
        },
    )
    assert response.status_code == 400
    assert _fields(response) >= {
        "subject",
        "description",
        "category",
        "priority",
        "requester.full_name",
        "requester.email",
        "location.latitude",
    }
    assert _count_cards(api) == 0


@pytest.mark.parametrize(
    ("raw", "field"), [("{not json", "body"), ("[1, 2]", "body"), ("", "body")]
)
def test_400_for_a_body_that_is_not_a_json_object(api, raw, field):
    response = api.post("/requests", raw)
    assert response.status_code == 400
    assert _fields(response) == {field}


def test_400_for_missing_consent_and_unknown_category(api):
    form = card_form(category="roads.unicorns")
    del form["consent"]
    response = api.post("/requests", form)
    assert response.status_code == 400
    assert _fields(response) == {"category", "consent.accepted"}
    assert _count_cards(api) == 0


def test_the_body_cannot_choose_its_channel_to_skip_consent(api):
    form = card_form(channel="phone")
    del form["consent"]
    response = api.post("/requests", form)
    assert response.status_code == 400
    assert _fields(response) == {"channel"}
    assert _count_cards(api) == 0


def test_400_for_a_bad_idempotency_key(api):
    response = api.post("/requests", card_form(), headers={"Idempotency-Key": "k" * 500})
    assert response.status_code == 400
    assert _fields(response) == {"Idempotency-Key"}


def test_413_for_an_oversized_body(api):
    response = api.post("/requests", card_form(description="x" * 70_000))
    assert response.status_code == 413
    assert body(response)["error"]["code"] == "payload_too_large"
    assert _count_cards(api) == 0


def test_415_for_a_form_that_is_not_json(api):
    response = api.client.http.post(
        "/requests", body="subject=x", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 415


def test_401_without_or_with_a_bad_staff_token(api, clock, directory):
    expired = dev_tokens.issue(
        dev_tokens.staff_claims(directory.staff_member("op-olga")),
        secret=TEST_SECRET,
        now=clock.now() - timedelta(days=2),
        ttl=timedelta(hours=1),
    )
    forged = dev_tokens.issue(
        dev_tokens.staff_claims(directory.staff_member("op-olga")),
        secret="x" * 40,
        now=clock.now(),
        ttl=timedelta(hours=1),
    )
    for header in (
        {},
        {"Authorization": "Bearer garbage"},
        {"Authorization": f"Bearer {expired}"},
        {"Authorization": f"Bearer {forged}"},
    ):
        response = api.get("/staff/queue?department=roads", headers=header)
        assert response.status_code == 401, header
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_403_for_another_departments_card_and_queue(api, card):
    number, _ = card
    assert api.get(f"/staff/cards/{number}", staff="ex-pavel").status_code == 403
    assert api.get("/staff/queue?department=roads", staff="ex-pavel").status_code == 403
    response = api.post(
        f"/staff/cards/{number}/assign", {"executor_id": "ex-ivan", "version": 1}, staff="ex-ivan"
    )
    assert response.status_code == 403
    assert body(api.get(f"/staff/cards/{number}", staff="op-olga"))["version"] == 1


def test_404_for_unknown_numbers_and_wrong_tokens_look_the_same(api, card):
    number, token = card
    wrong_token = api.get(f"/requests/{number}", headers={"X-Access-Token": "nope"})
    no_token = api.get(f"/requests/{number}")
    unknown = api.get("/requests/2026-999999", headers={"X-Access-Token": token})
    malformed = api.get("/requests/DROP TABLE", headers={"X-Access-Token": token})
    assert {r.status_code for r in (wrong_token, no_token, unknown, malformed)} == {404}
    assert body(wrong_token) == body(unknown)
    assert api.get("/staff/cards/2026-999999", staff="op-olga").status_code == 404


def test_409_for_a_stale_version_carries_the_current_one(api, card):
    number, _ = card
    api.post(
        f"/staff/cards/{number}/assign",
        {"executor_id": "ex-maria", "reason": "Maria's crew is nearby", "version": 1},
        staff="op-olga",
    )
    stale = api.post(
        f"/staff/cards/{number}/comments", {"text": "Old view", "version": 1}, staff="op-olga"
    )
    assert stale.status_code == 409
    assert body(stale)["error"]["current_version"] == 2


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"to": "needs_clarification"}, "question"),
        ({"to": "resolved", "resolution": "Fixed already"}, "to"),
        ({"to": "closed"}, "closure_reason"),
    ],
)
def test_422_for_a_forbidden_transition_names_the_reason(api, card, payload, field):
    number, _ = card
    response = api.post(
        f"/staff/cards/{number}/transition", {**payload, "version": 1}, staff="mgr-sergey"
    )
    assert response.status_code == 422
    assert _fields(response) == {field}
    assert body(api.get(f"/staff/cards/{number}", staff="op-olga"))["status"] == "received"


def test_400_for_a_transition_to_an_unknown_status_or_without_version(api, card):
    number, _ = card
    response = api.post(f"/staff/cards/{number}/transition", {"to": "done"}, staff="op-olga")
    assert response.status_code == 400
    assert _fields(response) == {"to", "version"}


def test_400_for_bad_queue_parameters(api):
    cases = {
        "department=roads&status=lost": "status",
        "department=atlantis": "department",
        "department=roads&limit=0": "limit",
        "department=roads&limit=ten": "limit",
        "department=roads&cursor=bm90LWpzb24": "cursor",
    }
    for query, field in cases.items():
        response = api.get(f"/staff/queue?{query}", staff="op-olga")
        assert response.status_code == 400, query
        assert _fields(response) == {field}, query


def test_400_for_assigning_someone_who_is_not_an_executor(api, card):
    number, _ = card
    for executor, field in (("ctl-elena", "executor_id"), ("nobody", "executor_id")):
        response = api.post(
            f"/staff/cards/{number}/assign",
            {"executor_id": executor, "version": 1},
            staff="op-olga",
        )
        assert response.status_code == 400
        assert _fields(response) == {field}
    wrong_department = api.post(
        f"/staff/cards/{number}/assign",
        {"executor_id": "ex-pavel", "department": "roads", "version": 1},
        staff="op-olga",
    )
    assert _fields(wrong_department) == {"department"}


def test_attachment_rules(api, card):
    number, token = card
    headers = {"X-Access-Token": token}
    exe = api.post(
        f"/requests/{number}/attachments",
        {"filename": "virus.exe", "content_type": "application/x-msdownload", "size": 10},
        headers=headers,
    )
    assert exe.status_code == 400
    assert _fields(exe) == {"content_type"}
    huge = api.post(
        f"/requests/{number}/attachments",
        {"filename": "film.jpg", "content_type": "image/jpeg", "size": 50 * 1024 * 1024},
        headers=headers,
    )
    assert huge.status_code == 413
    never_uploaded = api.put(
        f"/requests/{number}/attachments/abc", {"filename": "x.jpg"}, headers=headers
    )
    assert never_uploaded.status_code == 404


def test_requester_message_to_a_closed_card_is_refused(api, card):
    number, token = card
    api.post(
        f"/staff/cards/{number}/transition",
        {"to": "closed", "closure_reason": "Duplicate of 2026-000001", "version": 1},
        staff="op-olga",
    )
    response = api.post(
        f"/requests/{number}/messages", {"text": "Still there"}, headers={"X-Access-Token": token}
    )
    assert response.status_code == 422


def test_every_field_problem_carries_a_stable_code_a_client_can_translate(api):
    form = card_form(
        subject=" a ",
        category="roads.unicorns",
        requester={"full_name": "Anna", "preferred_channel": "email", "phone": "+7 900 1"},
        location={"latitude": 55.75},
        consent={"accepted": False, "text_version": "2026-01"},
        surprise=True,
    )
    shape = api.post("/requests", form)
    assert shape.status_code == 400
    codes = {f["field"]: f["code"] for f in body(shape)["error"]["fields"]}
    assert codes == {
        "subject": "too_short",
        "requester": "needs_email_for_email_updates",
        "location": "coordinates_in_pairs",
        "surprise": "unknown_field",
    }
    rules = api.post(
        "/requests",
        card_form(
            category="roads.unicorns", consent={"accepted": False, "text_version": "2026-01"}
        ),
    )
    codes = {f["field"]: f["code"] for f in body(rules)["error"]["fields"]}
    assert codes == {"category": "not_a_topic", "consent.accepted": "consent_required"}
    for raw, code in (("{", "not_json"), ("[1]", "not_an_object")):
        answer = api.post("/requests", raw)
        assert [f["code"] for f in body(answer)["error"]["fields"]] == [code]
