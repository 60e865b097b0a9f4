"""Staff correct what intake recorded: each change in the history with who and why, the
deadlines recomputed for a new topic or priority, every bad correction refused by name."""

from __future__ import annotations

from tests.conftest import card_form
from tests.integration.conftest import body


def _card(api, **form):
    created = body(api.post("/requests", card_form(**form)))
    return body(api.get(f"/staff/cards/{created['number']}", staff="op-olga"))


def _correct(api, card, who="op-olga", **fields):
    payload = {"reason": "The caller was misheard", "version": card["version"], **fields}
    return api.post(f"/staff/cards/{card['number']}/corrections", payload, staff=who)


def _budget(card, kind):
    return next(t["budget_minutes"] for t in card["timers"] if t["kind"] == kind)


def test_a_general_question_gets_its_real_topic_and_the_deadlines_that_go_with_it(api):
    card = _card(api, category="other.question", location=None)
    assert card["category"] == "other.question"
    corrected = _correct(
        api,
        card,
        category="roads.potholes",
        location={"address": "ул. Ленина, д. 60"},
        reason="The mail is about a pothole on Lenina",
    )
    assert corrected.status_code == 200, corrected.body
    after = body(corrected)
    assert after["category"] == "roads.potholes"
    assert after["location"]["district"] == "d3"  # found again from the street table
    assert after["version"] == card["version"] + 1
    # The decision is due in 3 working days for potholes, not the 15 of a general question.
    assert _budget(card, "decision") > _budget(after, "decision")
    entry = after["history"][-1]
    assert entry["action"] == "corrected"
    assert entry["actor"]["id"] == "op-olga"
    assert entry["internal_note"] == {"text": "The mail is about a pothole on Lenina"}
    changed = {c["field"]: (c["before"], c["after"]) for c in entry["changes"]}
    assert changed["category"] == ("other.question", "roads.potholes")
    assert changed["location"][1] == "ул. Ленина, д. 60; d3"


def test_after_a_new_topic_staff_are_offered_where_the_rules_send_it_now(api):
    card = _card(api, category="other.question")
    assert card["department"] == "front_office"
    after = body(_correct(api, card, category="roads.potholes"))
    offered = api.get(f"/staff/cards/{card['number']}/routing", staff="op-olga")
    assert offered.status_code == 200
    routing = body(offered)
    assert routing["department"] == "roads"
    assert routing["executor_id"] == "ex-ivan"
    assert "Road Service" in routing["reason"]
    assert body(api.get(f"/staff/cards/{card['number']}", staff="op-olga")) == after  # unwritten
    applied = api.post(
        f"/staff/cards/{card['number']}/assign",
        {
            "executor_id": routing["executor_id"],
            "department": routing["department"],
            "reason": "Routed again after the topic was corrected",
            "version": after["version"],
        },
        staff="op-olga",
    )
    assert body(applied)["department"] == "roads"


def test_an_urgent_priority_brings_the_urgent_first_reply(api):
    card = _card(api)
    after = body(_correct(api, card, who="mgr-sergey", priority="urgent"))
    assert after["priority"] == "urgent"
    assert after["first_response_due"] < card["first_response_due"]
    changed = {c["field"] for c in after["history"][-1]["changes"]}
    assert changed == {"priority", "first_response_due"}


def test_a_name_is_corrected_by_those_who_may_see_it(api):
    card = _card(api)
    after = body(_correct(api, card, full_name="Anna Ivanovna Petrova"))
    assert after["requester"]["full_name"] == "Anna Ivanovna Petrova"


def test_bad_corrections_are_refused_by_name(api):
    card = _card(api)
    same = _correct(api, card, category=card["category"])
    assert same.status_code == 400
    assert body(same)["error"]["fields"][0]["code"] == "nothing_changed"
    unknown = _correct(api, card, category="roads.unicorns")
    assert body(unknown)["error"]["fields"] == [
        {"field": "category", "problem": "unknown category 'roads.unicorns'", "code": "not_a_topic"}
    ]
    nowhere = _correct(api, card, location={"district": "Atlantis"})
    assert nowhere.status_code == 400
    assert body(nowhere)["error"]["fields"][0]["code"] == "not_a_district"
    no_reason = api.post(
        f"/staff/cards/{card['number']}/corrections",
        {"priority": "high", "version": card["version"]},
        staff="op-olga",
    )
    assert body(no_reason)["error"]["fields"][0] == {
        "field": "reason",
        "problem": "Field required",
        "code": "required",
    }
    stale = _correct(api, card, priority="high", **{"version": card["version"] + 5})
    assert stale.status_code == 409
    owner_priority = _correct(api, card, who="ex-ivan", priority="high")
    assert owner_priority.status_code == 403
    unchanged = body(api.get(f"/staff/cards/{card['number']}", staff="op-olga"))
    assert unchanged["version"] == card["version"]  # nothing was half-written


def test_a_closed_card_is_reopened_before_it_is_corrected(api):
    card = _card(api)
    closed = body(
        api.post(
            f"/staff/cards/{card['number']}/transition",
            {"to": "closed", "closure_reason": "Duplicate call", "version": card["version"]},
            staff="op-olga",
        )
    )
    refused = _correct(api, closed, priority="high")
    assert refused.status_code == 422
    assert "reopen it first" in body(refused)["error"]["message"]
