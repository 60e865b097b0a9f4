"""Mail set aside as automated (auto-replies, out-of-office, list and bulk mail): the front desk
looks through it and makes a card of what a person wrote after all."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import json_response, principal, route
from chalicelib.api.schemas import MailCardView, SetAsideMailView, SetAsideView
from chalicelib.bootstrap import container

mail_triage = Blueprint(__name__)
TAG = "Mail"


@route(
    mail_triage,
    "/staff/mail/automated",
    "GET",
    summary="Mail set aside as automated, with sender and subject (operators, administrators)",
    tag=TAG,
    staff=True,
    response=SetAsideView,
    errors=(401, 403),
)
def automated() -> Response:
    found = container().mail_intake.automated(principal())
    return json_response(
        SetAsideView(
            mail=[
                SetAsideMailView(
                    message_id=m.shelved.message_id,
                    reason=m.shelved.reason,
                    sender=m.sender,
                    subject=m.subject,
                )
                for m in found
            ]
        ),
        headers={"Cache-Control": "no-store"},
    )


@route(
    mail_triage,
    "/staff/mail/automated/{message_id}/card",
    "POST",
    summary="Make a card of a mail set aside as automated (a person wrote it after all)",
    tag=TAG,
    staff=True,
    response=MailCardView,
    status=201,
    errors=(401, 403, 404),
)
def make_card(message_id: str) -> Response:
    made = container().mail_intake.card_for(principal(), message_id)
    response = json_response(
        MailCardView(outcome=made.outcome.value, number=made.card_number, reason=made.reason),
        status=201,
    )
    if made.card_number:
        response.headers["Location"] = f"/staff/cards/{made.card_number}"
    return response
