"""The town's pre-send checklist and the approval rules, without I/O."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.static_directory import StaticDirectory
from chalicelib.domain import lifecycle, replies
from chalicelib.domain.card import ApprovalReason, ControlReason, ReplyKind, ReplyStatus, Status
from chalicelib.domain.errors import TransitionForbidden, ValidationFailed
from chalicelib.domain.history import Action
from tests.conftest import START
from tests.factories import EXECUTOR, MANAGER, new_card

DIRECTORY = StaticDirectory.from_file()
ALLOWED = frozenset({"anna@example.org", "79000000000", "74951000011", "roads@town.example"})


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Request 2026-000042 was merged into 2026-000043.", ()),
        ("Done on 01.12.2026 at 10:30; 3 crews, 120 m² of asphalt.", ()),
        ("Write to roads@town.example or call +7 495 100-00-11.", ()),
        ("We will call you on +7 900 000-00-00.", ()),
        ("Petrov (petrov@mail.example) reported it first.", ("email",)),
        ("Call the contractor on 8 (916) 555-12-34.", ("phone",)),
        ("Passport 4510 123456 was checked.", ("identity_number",)),
        ("SNILS 123-456-789 01 is on file.", ("identity_number",)),
    ],
)
def test_personal_data_other_than_the_requesters_is_found(text, found):
    assert replies.personal_data_in(text, allowed=ALLOWED) == found


def _card(**overrides):
    card = new_card(ManualClock(START), DIRECTORY, **overrides)
    return lifecycle.assign(card, "ex-ivan", "roads", actor=EXECUTOR.actor, at=START).card


def _check(card, **draft):
    written = replies.ReplyDraft(**{"kind": ReplyKind.ANSWER, "text": "We looked.", **draft})
    return replies.check(card, written, contact="+7 495 100-00-11", allowed=ALLOWED, now=START)


def test_an_answer_needs_a_next_step_with_a_future_deadline():
    card = _card()
    with pytest.raises(ValidationFailed) as missing:
        _check(card)
    assert {p.field for p in missing.value.problems} == {"next_step", "next_step_due"}
    with pytest.raises(ValidationFailed) as past:
        _check(card, next_step="Crew", next_step_due=START - timedelta(hours=1))
    assert [p.field for p in past.value.problems] == ["next_step_due"]
    assert _check(card, next_step="Crew", next_step_due=START + timedelta(days=1)) == ((), ())


def test_without_a_contact_for_questions_no_reply_leaves():
    card = _card()
    written = replies.ReplyDraft(kind=ReplyKind.FINAL, text="Patched.")
    with pytest.raises(ValidationFailed) as held:
        replies.check(card, written, contact=None, allowed=ALLOWED, now=START)
    assert [p.field for p in held.value.problems] == ["contact"]


def test_what_needs_approval():
    plain = _card()
    assert _check(plain, kind=ReplyKind.FINAL) == ((), ())
    assert _check(plain, kind=ReplyKind.REFUSAL)[0] == (ApprovalReason.REFUSAL,)
    assert _check(plain, kind=ReplyKind.FINAL, legal=True)[0] == (ApprovalReason.LEGAL,)
    controlled = plain.model_copy(update={"manual_control": (ControlReason.SAFETY,)})
    reasons, found = _check(controlled, kind=ReplyKind.FINAL, text="Call 8 916 555 12 34")
    assert reasons == (ApprovalReason.PERSONAL_DATA, ApprovalReason.MANUAL_CONTROL)
    assert found == ("phone",)


def test_draft_approve_and_send_are_each_one_history_entry():
    card = _card()
    card = lifecycle.transition(
        card, Status.IN_PROGRESS, lifecycle.TransitionDetails(), actor=EXECUTOR.actor, at=START
    ).card
    written = replies.ReplyDraft(kind=ReplyKind.REFUSAL, text="Not the town's road.")
    reasons = (ApprovalReason.REFUSAL,)
    drafted = replies.draft(
        card, written, reasons, (), approver=False, actor=EXECUTOR.actor, at=START
    )
    assert drafted.entry.action == Action.REPLY_DRAFTED
    assert drafted.entry.public_message is None  # nothing public yet
    assert drafted.card.status == Status.IN_PROGRESS
    later = START + timedelta(hours=2)
    sent = replies.approve(drafted.card, "r1", actor=MANAGER.actor, at=later)
    assert sent.entry.action == Action.REPLY_APPROVED
    assert (sent.card.status, sent.card.closure_reason) == (Status.CLOSED, "Not the town's road.")
    assert sent.entry.public_message is not None
    assert sent.card.updated_at == later
    (reply,) = sent.card.replies
    assert (reply.status, reply.decided_by, reply.drafted_by) == (
        ReplyStatus.SENT,
        MANAGER.staff_id,
        EXECUTOR.staff_id,
    )
    with pytest.raises(TransitionForbidden):
        replies.approve(sent.card, "r1", actor=MANAGER.actor, at=later)
    with pytest.raises(ValidationFailed):
        replies.approve(sent.card, "r9", actor=MANAGER.actor, at=later)


def test_a_reply_that_could_never_be_sent_is_refused_when_written():
    card = _card()  # received: cannot be resolved before work starts
    written = replies.ReplyDraft(kind=ReplyKind.FINAL, text="Patched.", legal=True)
    with pytest.raises(TransitionForbidden):
        replies.draft(
            card,
            written,
            (ApprovalReason.LEGAL,),
            (),
            approver=False,
            actor=EXECUTOR.actor,
            at=START,
        )
