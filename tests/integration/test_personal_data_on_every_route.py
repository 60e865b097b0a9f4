"""Every staff route that answers with a card, walked with staff who may act on a sensitive card
but not see its requester: none of them gets the personal data back.

The walk is complete by construction: a new route answering with a card (``CardRead``, a queue
or a list of cards) fails the first test until it has a case here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import requests

from chalicelib.adapters.memory_mail import RecordingMailer
from chalicelib.adapters.memory_sla import InMemoryEscalations, InMemoryTimerScheduler
from tests.conftest import card_form
from tests.factories import queue_only_rules
from tests.integration.conftest import Api, body

SECRETS = ("diabetes", "insulin", "Anna Ivanova", "@example.org", "+7 900", "Lenina 5")
_residents = itertools.count()
CARD_VIEWS = ("CardRead", "QueueView", "CardListView", "DeskView")


def _sensitive_card(api: Api) -> dict[str, Any]:
    """A health card (sensitive) owned by Nina of Social Support, with an internal note; a new
    resident each time (a second card of the same one would be a repeat, already owned)."""
    resident = next(_residents)
    requester = {
        "full_name": f"Anna Ivanova {resident}",
        "email": f"anna{resident}@example.org",
        "phone": f"+7 900 000 00 {resident:02d}",
        "preferred_channel": "email",
    }
    form = card_form(
        requester=requester,
        category="health.medical_access",
        subject="No doctor for my diabetes",
        description="I need insulin prescriptions and the clinic has no endocrinologist.",
    )
    receipt = body(api.post("/requests", form))
    number = receipt["number"]
    given = api.post(
        f"/staff/cards/{number}/assign", {"executor_id": "ex-nina", "version": 1}, staff="op-olga"
    )
    assert given.status_code == 200, given.body
    noted = api.post(
        f"/staff/cards/{number}/comments",
        {"text": "Called the patient about insulin", "version": 2},
        staff="ex-nina",
    )
    assert noted.status_code == 201, noted.body
    # The requester's link, kept beside the card for cases that act as the requester.
    return {
        **body(api.get(f"/staff/cards/{number}", staff="ex-nina")),
        "token": receipt["access_token"],
    }


def _reply_waiting(api: Api, card: dict[str, Any]) -> tuple[str, int]:
    """A refusal Nina wrote, waiting for approval: its id and the card's version."""
    written = api.post(
        f"/staff/cards/{card['number']}/replies",
        {"kind": "refusal", "text": "We cannot prescribe insulin", "version": card["version"]},
        staff="ex-nina",
    )
    assert written.status_code == 201, written.body
    after = body(written)
    (reply,) = after["replies"]
    assert reply["status"] == "awaiting_approval"
    return reply["id"], after["version"]


def _staff_file(api: Api, card: dict[str, Any]) -> Any:
    ticket = api.post(
        f"/staff/cards/{card['number']}/attachments",
        {"filename": "act.pdf", "content_type": "application/pdf", "size": 9},
        staff="op-olga",
    )
    t = body(ticket)
    sent = requests.post(
        t["url"],
        data=t["fields"],
        files={"file": ("a.pdf", b"%PDF-1.4\n", "application/pdf")},
        timeout=10,
    )
    assert sent.status_code < 300
    return api.put(t["confirm_path"], {"filename": "act.pdf"}, staff="op-olga")


def _photo_hidden(api: Api, card: dict[str, Any]) -> Any:
    """The requester's photo taken off the public page (a sensitive card has none: harmless)."""
    from io import BytesIO

    from PIL import Image

    photo = BytesIO()
    Image.new("RGB", (64, 48), "grey").save(photo, "JPEG")
    number = card["number"]
    photo_id = api.attach(number, card["token"], "arm.jpg", photo.getvalue(), "image/jpeg")
    version = body(api.get(f"/staff/cards/{number}", staff="op-olga"))["version"]
    return api.post(
        f"/staff/cards/{number}/public-photos",
        {"attachment_id": photo_id, "public": False, "reason": "Shows her arm", "version": version},
        staff="op-olga",
    )


def _approve(which: str) -> Callable[[Api, dict[str, Any]], Any]:
    def answer(api: Api, card: dict[str, Any]) -> Any:
        reply_id, version = _reply_waiting(api, card)
        path = f"/staff/cards/{card['number']}/replies/{reply_id}/{which}"
        return api.post(
            path, {"version": version, "reason": "Say it more kindly"}, staff="adm-dmitry"
        )

    return answer


def _post(path: str, payload: dict[str, Any], who: str = "op-olga") -> Any:
    def answer(api: Api, card: dict[str, Any]) -> Any:
        number, version = card["number"], card["version"]
        return api.post(path.format(n=number), {**payload, "version": version}, staff=who)

    return answer


def _get(path: str, who: str = "op-olga") -> Any:
    return lambda api, card: api.get(path.format(n=card["number"]), staff=who)


def _overdue(api: Api, card: dict[str, Any]) -> Any:
    api.container.clock.advance(timedelta(days=20))  # every deadline of the card missed
    explain = _post(
        "/staff/cards/{n}/overdue", {"reason": "another_agency", "next_step": "reassign"}
    )
    return explain(api, card)


def _call(api: Api, card: dict[str, Any]) -> Any:
    recorded = {
        "caller": {
            "full_name": "Anna Ivanova",
            "phone": "+7 900 111-22-33",
            "preferred_channel": "sms",
        },
        "essence": "No doctor for my diabetes, insulin runs out",
        "category": "health.medical_access",
        "outcome": "card_created",
    }
    return api.post("/staff/calls", recorded, staff="op-olga")


def _merged(api: Api, card: dict[str, Any]) -> Any:
    """Another health card of Nina's merged into this one by the operator."""
    other = _sensitive_card(api)
    return api.post(
        f"/staff/cards/{other['number']}/merge",
        {"into": card["number"], "version": other["version"]},
        staff="op-olga",
    )


def _split(api: Api, card: dict[str, Any]) -> Any:
    merged = body(_merged(api, card))
    return api.post(
        f"/staff/cards/{merged['number']}/split",
        {"reason": "Another clinic", "version": merged["version"]},
        staff="adm-dmitry",
    )


# (method, path) → how an operator or an administrator (both: no personal data of a health
# card outside Social Support) gets an answer from it about the sensitive card.
CASES: dict[tuple[str, str], Callable[[Api, dict[str, Any]], Any]] = {
    ("GET", "/staff/cards/{number}"): _get("/staff/cards/{n}"),
    ("GET", "/staff/queue"): _get("/staff/queue?department=social&status=received"),
    ("GET", "/staff/desk"): _get("/staff/desk?department=social"),
    ("GET", "/staff/overdue"): lambda api, card: (
        api.container.sla.sweep(),  # settles the card's next check
        api.container.clock.advance(timedelta(days=20)),
        api.container.sla.sweep(),  # records the missed deadlines: the card is listed
        api.get("/staff/overdue?department=social", staff="op-olga"),
    )[-1],
    ("GET", "/staff/approvals"): lambda api, card: (
        _reply_waiting(api, card),
        api.get("/staff/approvals?department=social", staff="op-olga"),
    )[-1],
    ("POST", "/staff/cards/{number}/assign"): _post(
        "/staff/cards/{n}/assign",
        {"executor_id": "mgr-tatiana", "reason": "The manager takes it over"},
    ),
    ("POST", "/staff/cards/{number}/transition"): _post(
        "/staff/cards/{n}/transition", {"to": "in_progress"}
    ),
    ("POST", "/staff/cards/{number}/comments"): _post(
        "/staff/cards/{n}/comments", {"text": "Asked the clinic"}
    ),
    ("POST", "/staff/cards/{number}/flags"): _post(
        "/staff/cards/{n}/flags", {"flags": ["safety"], "reason": "No insulin left"}
    ),
    ("POST", "/staff/cards/{number}/corrections"): _post(
        "/staff/cards/{n}/corrections", {"priority": "high", "reason": "She has no insulin left"}
    ),
    ("POST", "/staff/cards/{number}/subtasks"): _post(
        "/staff/cards/{n}/subtasks",
        {"department": "housing", "text": "Check the ramp at the clinic"},
    ),
    ("POST", "/staff/cards/{number}/overdue"): _overdue,
    ("POST", "/staff/cards/{number}/replies"): _post(
        "/staff/cards/{n}/replies", {"kind": "refusal", "text": "The town does not run the clinic"}
    ),
    ("POST", "/staff/cards/{number}/replies/{reply_id}/approve"): _approve("approve"),
    ("POST", "/staff/cards/{number}/replies/{reply_id}/reject"): _approve("reject"),
    ("PUT", "/staff/cards/{number}/attachments/{attachment_id}"): _staff_file,
    ("POST", "/staff/calls"): _call,
    ("POST", "/staff/cards/{number}/merge"): _merged,
    ("POST", "/staff/cards/{number}/split"): _split,
    ("POST", "/staff/cards/{number}/public-photos"): _photo_hidden,
}


def _card_routes() -> set[tuple[str, str]]:
    from app import app  # noqa: F401 - registers every route
    from chalicelib.api.http import OPERATIONS

    return {
        (op.method, op.path)
        for op in OPERATIONS
        if op.staff and op.response is not None and op.response.__name__ in CARD_VIEWS
    }


def test_every_staff_route_that_answers_with_a_card_is_walked():
    assert _card_routes() == set(CASES)


def test_no_card_route_gives_a_sensitive_card_s_personal_data_to_those_who_may_not_see_it(
    make_api,
):
    for route, answer in CASES.items():
        api = make_api(
            routing_rules=queue_only_rules(),  # the card waits for Nina
            scheduler=InMemoryTimerScheduler(),
            escalations=InMemoryEscalations(),
            mailer=RecordingMailer(),
        )
        card = _sensitive_card(api)
        response = answer(api, card)
        assert response.status_code in (200, 201), (route, response.body)
        text = response.body.decode()
        found = body(response)
        shown = found.get("cards") or found.get("rows") or [found]
        assert shown, route
        assert all(c["personal_data_hidden"] for c in shown), route
        assert [s for s in SECRETS if s in text] == [], route
