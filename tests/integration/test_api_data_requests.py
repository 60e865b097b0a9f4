"""A requester's data requests, answered by an administrator over HTTP (the table and bucket in
moto): everything held about a contact, then erasing it. Nothing is erased on bad input; the
erasure is recorded in each card's history; a second request finds nothing."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.domain import search
from chalicelib.domain.erasure import REMOVED, REMOVED_NAME
from chalicelib.domain.history import Action, ActorKind
from tests.conftest import card_form
from tests.integration.conftest import body
from tests.integration.test_retention_sweep import PNG

OLGA = {"full_name": "Olga Smirnova", "email": "olga@example.org", "phone": "+7 900 111 22 33"}


@pytest.fixture
def town(make_api):
    from chalicelib.domain.rate_limits import Limits

    roomy = Limits.overridden({"writes": [[3600, 10_000]], "new_requests": [[3600, 10_000]]})
    api = make_api(limits=roomy)

    def file(requester: dict[str, Any], **more: Any) -> tuple[str, str]:
        receipt = body(api.post("/requests", card_form(requester=requester, **more)))
        return receipt["number"], receipt["access_token"]

    olga = [file({**OLGA, "preferred_channel": "email"}) for _ in range(2)]
    # Once by phone only: found by the phone she gives.
    olga.append(
        file({"full_name": "Olga S.", "phone": "8 900 111 22 33", "preferred_channel": "sms"})
    )
    number, token = olga[0]
    photo = api.attach(number, token, "porch.png", PNG, "image/png")
    other = file(
        {"full_name": "Pavel Orlov", "email": "pavel@example.org", "preferred_channel": "email"}
    )
    return {
        "api": api,
        "olga": [n for n, _ in olga],
        "tokens": dict(olga),
        "photo": photo,
        "other": other[0],
    }


def _ask(api, path: str, payload: Any, staff: str = "adm-dmitry") -> Any:
    return api.post(f"/admin/data-requests/{path}", payload, staff=staff)


def test_everything_held_about_a_contact(town):
    api = town["api"]
    answer = _ask(api, "export", {"email": "OLGA@example.org", "phone": "+7 (900) 111-22-33"})
    assert answer.status_code == 200, answer.body
    held = body(answer)["cards"]
    assert sorted(c["number"] for c in held) == sorted(town["olga"])
    first = next(c for c in held if c["number"] == town["olga"][0])
    assert first["card"]["requester"]["email"] == "olga@example.org"
    assert first["history"][0]["action"] == "created"
    assert [m["destinations"][0]["address"] for m in first["messages"]] == ["olga@example.org"]
    (photo,) = first["files"]
    assert photo["filename"] == "porch.png"
    assert photo["url"].startswith("http")
    assert town["other"] not in [c["number"] for c in held]


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"reason": "letter 12 of 30 November"}, "contact", "required"),
        ({"email": "olga@example.org", "reason": "   "}, "reason", "too_short"),
        ({"email": "olga@", "reason": "letter 12 of 30 November"}, "email", "bad_format"),
        ({"email": "olga@example.org"}, "reason", "required"),
    ],
)
def test_a_bad_erasure_request_names_the_field_and_erases_nothing(town, payload, field, code):
    api = town["api"]
    before = {n: api.container.cards.get(n) for n in town["olga"]}
    refused = _ask(api, "erase", payload)
    assert refused.status_code == 400
    problems = {(p["field"], p["code"]) for p in body(refused)["error"]["fields"]}
    assert (field, code) in problems, problems
    assert {n: api.container.cards.get(n) for n in town["olga"]} == before


def test_only_an_administrator_answers_data_requests(town):
    api = town["api"]
    for staff in ("mgr-sergey", "op-olga", "ctl-elena"):
        assert _ask(api, "export", {"email": "olga@example.org"}, staff).status_code == 403
    refused = _ask(api, "erase", {"email": "olga@example.org", "reason": "letter 12"}, "mgr-sergey")
    assert refused.status_code == 403
    assert api.container.cards.get(town["olga"][0]).personal_data_removed_at is None


def test_erasing_takes_her_off_every_card_and_says_so_in_the_history(town, aws, settings):
    api = town["api"]
    # Lighting is asked for part of the work: the subtask carries her name too.
    asked = api.post(
        f"/staff/cards/{town['olga'][0]}/subtasks",
        {"department": "lighting", "text": "Fix the lamp by Olga Smirnova's porch", "version": 2},
        staff="mgr-sergey",
    )
    assert asked.status_code in (200, 201), asked.body
    (subtask,) = api.container.cards.get(town["olga"][0]).subtasks
    photo_key = next(a.key for a in api.container.cards.get(town["olga"][0]).attachments)
    other_before = api.container.cards.get(town["other"])
    api.container.mail_log.mark_undeliverable("olga@example.org", at=api.container.clock.now())
    messages = sum(len(api.container.outbox.for_card(n)) for n in town["olga"])
    assert messages >= 2  # the receipts by email

    answer = _ask(
        api,
        "erase",
        {
            "email": "olga@example.org",
            "phone": "+79001112233",
            "reason": "Letter from Olga Smirnova, 30 November, ref. 12",
        },
    )
    assert answer.status_code == 200, answer.body
    done = body(answer)
    assert sorted(done["erased"]) == sorted([*town["olga"], subtask])
    assert sorted(done["were_open"]) == sorted(done["erased"])  # the town can no longer write
    assert done["files_deleted"] == 1
    assert done["messages_deleted"] == messages

    subtask_card, subtask_history = api.container.cards.get_with_history(subtask)
    assert "Smirnova" not in repr((subtask_card, subtask_history))
    assert subtask_card.requester.full_name == REMOVED_NAME
    for number in town["olga"]:
        card, history = api.container.cards.get_with_history(number)
        assert card.requester.full_name == REMOVED_NAME
        assert card.description == REMOVED
        text = repr((card, history))
        assert "Smirnova" not in text
        assert "olga@" not in text
        assert "111 22 33" not in text
        recorded = history[-1]
        assert recorded.action == Action.PERSONAL_DATA_REMOVED
        assert (recorded.actor.kind, recorded.actor.id) == (ActorKind.STAFF, "adm-dmitry")
        assert recorded.internal_note is not None
        assert recorded.internal_note.text == (
            f"data request: Letter from {REMOVED}, 30 November, ref. 12"
        )
        assert api.container.outbox.for_card(number) == []
        assert "Smirnova" not in repr(search.document(card, history, overdue=False))
        # Her status link opens nothing.
        link = api.get(f"/requests/{number}", headers={"X-Access-Token": town["tokens"][number]})
        assert link.status_code in (401, 403, 404)
    with pytest.raises(ClientError):
        aws["s3"].head_object(Bucket=settings.attachments_bucket, Key=photo_key)
    assert not api.container.mail_log.is_undeliverable("olga@example.org")
    # Someone else's card is untouched; asking again finds nothing of hers.
    assert api.container.cards.get(town["other"]) == other_before
    assert _ask(api, "export", {"email": "olga@example.org"}).status_code == 404
    again = _ask(api, "erase", {"email": "olga@example.org", "reason": "the same letter again"})
    assert again.status_code == 404
