"""The requester's use cases at service level: the status page with the receipt's token, adding
details and files, rating once, and opening a request again with a one-time code."""

from __future__ import annotations

import pytest

from chalicelib.domain.card import Status
from chalicelib.domain.errors import ConflictError, NotFound, TransitionForbidden, ValidationFailed
from chalicelib.services.attachments import attachment_key
from chalicelib.services.commands import (
    AttachmentRequest,
    CardCreate,
    MessageCreate,
    SurveyCreate,
    Transition,
)
from tests.conftest import card_form
from tests.factories import OPERATOR

PHOTO = b"\xff\xd8\xff\xe0" + b"pothole" * 50


def _submitted(town) -> tuple[str, str]:
    receipt = town.intake.submit(CardCreate.model_validate(card_form()), key=None)
    return receipt.card.number, receipt.access_token


def test_the_token_opens_the_status_and_nothing_else_does(town):
    number, token = _submitted(town)
    view = town.requester.status(number, token)
    assert (view.number, view.status) == (number, Status.RECEIVED)
    for wrong in (None, "", token[:-1] + ("y" if token.endswith("x") else "x")):
        with pytest.raises(NotFound):
            town.requester.status(number, wrong)


def test_details_added_show_on_the_status_page(town):
    number, token = _submitted(town)
    view = town.requester.add_message(number, token, MessageCreate(text="It got deeper today"))
    assert any(step.message == "It got deeper today" for step in view.steps)


def test_a_photo_is_uploaded_recorded_and_fetched_by_its_owner_only(town):
    number, token = _submitted(town)
    request = AttachmentRequest(filename="hole.jpg", content_type="image/jpeg", size=len(PHOTO))
    pending = town.requester.start_upload(number, token, request)
    key = attachment_key(number, pending.attachment_id, "hole.jpg")
    town.blobs.upload(key, PHOTO, "image/jpeg")
    view = town.requester.finish_upload(number, token, pending.attachment_id, "hole.jpg")
    assert view.your_attachments == ["hole.jpg"]
    (stored,) = town.cards.get(number).attachments
    assert stored.size == len(PHOTO)
    assert town.requester.file_link(number, token, pending.attachment_id)
    with pytest.raises(NotFound):
        town.requester.file_link(number, "wrong-token", pending.attachment_id)


def test_a_file_of_the_wrong_type_is_refused_before_any_upload(town):
    number, token = _submitted(town)
    with pytest.raises(ValidationFailed) as refused:
        town.requester.start_upload(
            number,
            token,
            AttachmentRequest(filename="run.exe", content_type="application/x-msdownload", size=9),
        )
    assert [p.field for p in refused.value.problems] == ["content_type"]


def test_the_service_is_rated_once_after_it_is_resolved(town):
    number, token = _submitted(town)
    with pytest.raises(TransitionForbidden):  # not resolved yet
        town.requester.rate(number, token, SurveyCreate(rating=5))
    closing = Transition(to="closed", closure_reason="Patched", version=1)
    town.casework.transition(OPERATOR, number, closing)
    rated = town.requester.rate(number, token, SurveyCreate(rating=4, comment="Quick"))
    assert rated.rating == 4
    with pytest.raises(ConflictError):  # once
        town.requester.rate(number, token, SurveyCreate(rating=1))


def test_a_lost_link_is_replaced_by_a_code_sent_to_the_request_s_contact(town):
    number, _ = _submitted(town)
    town.requester.send_code(number)
    town.requester.send_code("2026-999999")  # unknown: the same silence, nothing sent
    (message,) = [m for m in town.outbox.for_card(number) if m.kind == "access_code"]
    assert message.email is not None  # the request was registered with an email
    code = next(w for w in message.email.text.split() if w.isdigit() and len(w) == 6)
    with pytest.raises(NotFound):
        town.requester.open_with_code(number, "000000" if code != "000000" else "111111")
    granted = town.requester.open_with_code(number, code)
    assert town.requester.status(number, granted.token).number == number
