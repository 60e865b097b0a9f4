"""Replies at service level, through the container's use cases over in-memory twins."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.card import ReplyStatus, Status
from chalicelib.domain.errors import ConflictError, PermissionDenied
from chalicelib.services.commands import (
    Assign,
    CardCreate,
    ReplyCreate,
    ReplyDecision,
    Transition,
)
from tests.conftest import card_form
from tests.factories import EXECUTOR, MANAGER, OTHER_EXECUTOR


def _ivans_card(town) -> str:
    number = town.intake.submit(CardCreate.model_validate(card_form()), key=None).card.number
    town.casework.assign(MANAGER, number, Assign(executor_id="ex-ivan", version=1))
    return number


def test_an_answer_with_a_next_step_is_sent_with_the_change(town, clock):
    number = _ivans_card(town)
    answer = ReplyCreate(
        kind="answer",
        text="The crew inspected the pothole; it needs asphalt.",
        next_step="The crew patches it",
        next_step_due=clock.now() + timedelta(days=5),
        version=2,
    )
    shown = town.replies.write(EXECUTOR, number, answer)
    (reply,) = shown.card.replies
    assert reply.status == ReplyStatus.SENT
    assert shown.card.version == 3
    assert [m.kind for m in town.outbox.for_card(number)][-1] == "reply"


def test_a_preview_writes_nothing(town, clock):
    number = _ivans_card(town)
    before = len(town.outbox.for_card(number))
    shown = town.replies.preview(
        EXECUTOR, number, ReplyCreate(kind="refusal", text="Not the town's road", version=2)
    )
    assert "Not the town's road" in shown.rendered.text
    assert town.cards.get(number).version == 2
    assert len(town.outbox.for_card(number)) == before


def test_a_refusal_waits_for_the_manager_who_approves_or_sends_it_back(town):
    number = _ivans_card(town)
    refusal = ReplyCreate(kind="refusal", text="Not the town's road", version=2)
    waiting = town.replies.write(EXECUTOR, number, refusal)
    (reply,) = waiting.card.replies
    assert reply.status == ReplyStatus.AWAITING_APPROVAL
    assert waiting.card.status != Status.CLOSED
    with pytest.raises(PermissionDenied):
        town.replies.approve(EXECUTOR, number, reply.id, ReplyDecision(version=3))
    with pytest.raises(ConflictError):
        town.replies.approve(MANAGER, number, reply.id, ReplyDecision(version=2))
    rejected = town.replies.reject(
        MANAGER, number, reply.id, ReplyDecision(reason="Name the owner of the road", version=3)
    )
    assert rejected.card.replies[0].status == ReplyStatus.REJECTED
    again = town.replies.write(EXECUTOR, number, refusal.model_copy(update={"version": 4}))
    sent = town.replies.approve(
        MANAGER, number, again.card.replies[-1].id, ReplyDecision(version=5)
    )
    assert sent.card.replies[-1].status == ReplyStatus.SENT
    assert sent.card.status == Status.CLOSED


def test_staff_of_another_department_cannot_reply(town):
    number = _ivans_card(town)
    with pytest.raises(PermissionDenied):
        town.replies.write(
            OTHER_EXECUTOR, number, ReplyCreate(kind="refusal", text="Not ours", version=2)
        )


def test_a_final_answer_opens_the_objection_window_when_it_is_sent(town, clock):
    number = _ivans_card(town)
    town.casework.transition(EXECUTOR, number, Transition(to=Status.IN_PROGRESS, version=2))
    final = ReplyCreate(kind="final", text="The crew patched the pothole.", legal=True, version=3)
    waiting = town.replies.write(EXECUTOR, number, final)  # legal: the manager approves
    assert waiting.card.objection_until is None
    clock.advance(timedelta(hours=2))
    sent = town.replies.approve(
        MANAGER, number, waiting.card.replies[-1].id, ReplyDecision(version=4)
    )
    assert sent.card.status == Status.RESOLVED
    assert sent.card.objection_until == clock.now() + timedelta(days=14)
