"""Duplicates over the API on the DynamoDB adapter under moto (the ``twins`` index included):
the form's "already reported nearby?", Me too and its stop link, staff's suggestions, merge
under concurrency (one merge wins), split, and the bad inputs each route refuses."""

from __future__ import annotations

import re
import threading

import pytest

from tests.conftest import card_form
from tests.factories import queue_only_rules
from tests.integration.conftest import body

HERE = {"address": "Lenina 5", "latitude": 55.751, "longitude": 37.618}
NEAR = {"address": "Lenina 7", "latitude": 55.75127, "longitude": 37.618}
CONSENT = {"accepted": True, "text_version": "2026-01"}


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


def _report(api, who: str, location=HERE, **form) -> dict:
    requester = {"full_name": who.title(), "email": f"{who}@example.org"}
    answer = api.post("/requests", card_form(requester=requester, location=location, **form))
    assert answer.status_code == 201, answer.body
    return body(answer)


def _outbox(api, number: str, kind: str) -> list:
    return [m for m in api.container.outbox.for_card(number) if m.kind == kind]


def test_the_form_finds_the_report_nearby_and_the_citizen_follows_it(api):
    first = _report(api, "anna")["number"]
    found = api.get(
        "/places/similar?category=roads.potholes&latitude=55.75127&longitude=37.618"
        "&text=pothole%20by%20the%20stop&locale=ru"
    )
    assert found.status_code == 200, found.body
    assert found.headers["Cache-Control"] == "no-store"
    [candidate] = body(found)["requests"]
    assert candidate["number"] == first
    assert candidate["topic"] == "Дороги › Ямы на дороге"
    assert (candidate["distance_metres"], candidate["address"]) == (30, "Lenina 5")
    text = found.body.decode()
    assert "anna" not in text.lower()
    assert "Pothole on Lenina" not in text
    # Another topic, or a sensitive one, finds nothing.
    lamp = api.get(
        "/places/similar?category=lighting.streetlight_out&latitude=55.751&longitude=37.618"
    )
    assert body(lamp)["requests"] == []
    benefits = api.get("/places/similar?category=social.benefits&latitude=55.751&longitude=37.618")
    assert body(benefits)["requests"] == []
    follow = {"email": "vera@example.org", "locale": "ru", "consent": CONSENT}
    answer = api.post(f"/requests/{first}/followers", follow)
    assert answer.status_code == 201, answer.body
    assert body(answer) == {"number": first, "already": False}
    again = api.post(f"/requests/{first}/followers", {**follow, "email": "VERA@example.org"})
    assert (again.status_code, body(again)["already"]) == (200, True)
    [welcome] = _outbox(api, first, "following")
    link = re.search(r"unfollow\.html\?n=([\d-]+)&f=(\w+)#t=(\S+)", welcome.email.text)
    assert link
    stop = f"/requests/{first}/followers/{link.group(2)}/stop"
    forged = api.post(stop, {}, headers={"X-Unfollow-Token": "s1.9999999999.forged"})
    assert forged.status_code == 404
    stopped = api.post(stop, {}, headers={"X-Unfollow-Token": link.group(3)})
    assert (stopped.status_code, body(stopped)) == (200, {"number": first})
    assert api.container.cards.get(first).followers == ()


@pytest.mark.parametrize(
    ("asked", "field", "code"),
    [
        ({"consent": CONSENT}, "body", "needs_email_for_email_updates"),
        ({"email": "x@example.org"}, "consent", "required"),
        ({"email": "not-an-address", "consent": CONSENT}, "email", "bad_format"),
        (
            {"email": "x@example.org", "consent": {**CONSENT, "accepted": False}},
            "consent.accepted",
            None,
        ),
        ({"email": "ivan.sokolov@town.example", "consent": CONSENT}, "email", "staff_contact"),
        ({"email": "x@example.org", "consent": CONSENT, "name": "x"}, "name", "unknown_field"),
    ],
)
def test_a_follow_with_bad_input_names_the_field_and_follows_nothing(api, asked, field, code):
    first = _report(api, "anna")["number"]
    answer = api.post(f"/requests/{first}/followers", asked)
    assert answer.status_code in (400, 422), answer.body
    problems = body(answer)["error"]["fields"]
    assert any(p["field"] == field and (code is None or p["code"] == code) for p in problems), (
        problems
    )
    assert api.container.cards.get(first).followers == ()


def test_following_an_unknown_or_sensitive_request_reads_the_same(api):
    benefits = _report(api, "sofia", category="social.benefits")["number"]
    follow = {"email": "vera@example.org", "consent": CONSENT}
    unknown = api.post("/requests/2026-999999/followers", follow)
    hidden = api.post(f"/requests/{benefits}/followers", follow)
    assert unknown.status_code == hidden.status_code == 404
    assert body(unknown) == body(hidden)


def test_staff_see_suggestions_and_two_merges_of_one_card_make_one(api):
    first = _report(api, "anna")["number"]
    second = _report(api, "boris", location=NEAR, subject="Pothole near the bus stop")
    assert second["number"] != first
    card = body(api.get(f"/staff/cards/{second['number']}", staff="op-olga"))
    assert card["possible_duplicates"] == [first]
    suggested = body(api.get(f"/staff/cards/{second['number']}/duplicates", staff="op-olga"))
    assert [d["number"] for d in suggested["likely"]] == [first]
    assert suggested["likely"][0]["reason"].startswith("same topic, 30 m, the same day")
    # Two clerks merge it at the same moment (each into the first card): one merge.
    answers = []

    def merge() -> None:
        answers.append(
            api.post(
                f"/staff/cards/{second['number']}/merge",
                {"into": first, "version": 1},
                staff="op-olga",
            )
        )

    workers = [threading.Thread(target=merge) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(a.status_code for a in answers) == [200, 409]
    main, history = api.container.cards.get_with_history(first)
    assert main.merged == (second["number"],)
    assert [e.action.value for e in history].count("duplicate_joined") == 1
    assert len(_outbox(api, second["number"], "merged")) == 1
    merged = body(api.get(f"/staff/cards/{second['number']}", staff="op-olga"))
    assert (merged["status"], merged["duplicate_of"]) == ("closed", first)
    assert merged["next_statuses"] == []
    main_view = body(api.get(f"/staff/cards/{first}", staff="op-olga"))
    assert (main_view["merged"], main_view["followers"]) == ([second["number"]], 1)
    assert "boris" not in api.get(f"/staff/cards/{first}", staff="op-olga").body.decode()
    # The manager splits it back.
    split = api.post(
        f"/staff/cards/{second['number']}/split",
        {"version": merged["version"], "reason": "Another pothole further on"},
        staff="mgr-sergey",
    )
    assert split.status_code == 200, split.body
    assert (body(split)["status"], body(split)["duplicate_of"]) == ("received", None)
    assert body(api.get(f"/staff/cards/{first}", staff="op-olga"))["merged"] == []


def test_merge_refusals_name_the_field(api):
    first = _report(api, "anna")["number"]
    itself = api.post(f"/staff/cards/{first}/merge", {"into": first, "version": 1}, staff="op-olga")
    assert itself.status_code == 422
    assert body(itself)["error"]["fields"][0] == {
        "field": "into",
        "problem": "a card cannot be merged into itself",
        "code": "into_itself",
    }
    for bad in ({"into": "2026-1", "version": 1}, {"into": first}, {"into": first, "version": 0}):
        answer = api.post(f"/staff/cards/{first}/merge", bad, staff="op-olga")
        assert answer.status_code == 400, (bad, answer.body)
    missing = api.post(
        f"/staff/cards/{first}/merge", {"into": "2026-999999", "version": 1}, staff="op-olga"
    )
    assert missing.status_code == 404


def test_a_manager_merges_several_at_once_from_the_queue(api):
    first = _report(api, "anna")["number"]
    others = [_report(api, who, location=NEAR)["number"] for who in ("boris", "clara", "denis")]
    answer = api.post(
        "/staff/bulk",
        {"cards": [{"number": n, "version": 1} for n in others], "merge": {"into": first}},
        staff="mgr-sergey",
    )
    assert answer.status_code == 200, answer.body
    assert [r["ok"] for r in body(answer)["results"]] == [True, True, True]
    assert api.container.cards.get(first).merged == tuple(others)
    both = api.post(
        "/staff/bulk",
        {"cards": [{"number": first, "version": 4}], "merge": {"into": first}, "assign": {}},
        staff="mgr-sergey",
    )
    assert both.status_code == 400
