"""The card lifecycle: allowed transitions, what each needs, and the history it writes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain import lifecycle
from chalicelib.domain.card import Card, Status
from chalicelib.domain.errors import TransitionForbidden
from chalicelib.domain.history import REQUESTER, Action, MessageAuthor
from chalicelib.domain.lifecycle import TransitionDetails
from tests.factories import EXECUTOR, new_card

S = Status
FULL = TransitionDetails(
    question="Which side of the road?",
    resolution="Patched the hole",
    closure_reason="Confirmed by the crew",
    note="Waiting for access",
    reason="The requester says it is back",
)


@pytest.fixture
def card(clock, directory) -> Card:
    return new_card(clock, directory)


def _in(card: Card, status: Status, clock) -> Card:
    """The card moved to ``status`` through legal steps."""
    card = lifecycle.assign(card, "ex-ivan", "roads", actor=EXECUTOR.actor, at=clock.now()).card
    path = {
        S.RECEIVED: [],
        S.IN_PROGRESS: [S.IN_PROGRESS],
        S.NEEDS_CLARIFICATION: [S.NEEDS_CLARIFICATION],
        S.AWAITING_REQUESTER: [S.IN_PROGRESS, S.AWAITING_REQUESTER],
        S.RESOLVED: [S.IN_PROGRESS, S.RESOLVED],
        S.CLOSED: [S.CLOSED],
    }[status]
    for step in path:
        card = lifecycle.transition(card, step, FULL, actor=EXECUTOR.actor, at=clock.now()).card
    assert card.status == status
    return card


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", list(S))
def test_only_listed_transitions_are_allowed(card, clock, source, target):
    current = _in(card, source, clock)
    allowed = target in lifecycle.ALLOWED_TRANSITIONS[source]
    if allowed:
        moved = lifecycle.transition(current, target, FULL, actor=EXECUTOR.actor, at=clock.now())
        assert moved.card.status == target
        assert moved.card.version == current.version + 1
        assert moved.entry.seq == moved.card.version
    else:
        with pytest.raises(TransitionForbidden):
            lifecycle.transition(current, target, FULL, actor=EXECUTOR.actor, at=clock.now())


def test_in_progress_needs_an_executor(card, clock):
    with pytest.raises(TransitionForbidden, match="executor") as error:
        lifecycle.transition(card, S.IN_PROGRESS, FULL, actor=EXECUTOR.actor, at=clock.now())
    assert error.value.field == "executor_id"


@pytest.mark.parametrize(
    ("target", "field", "empty"),
    [
        (S.NEEDS_CLARIFICATION, "question", TransitionDetails(question="  ")),
        (S.RESOLVED, "resolution", TransitionDetails()),
        (S.CLOSED, "closure_reason", TransitionDetails(closure_reason="")),
        (S.AWAITING_REQUESTER, "note", TransitionDetails()),
    ],
)
def test_each_target_needs_its_own_field(card, clock, target, field, empty):
    start = _in(card, S.IN_PROGRESS, clock)
    with pytest.raises(TransitionForbidden) as error:
        lifecycle.transition(start, target, empty, actor=EXECUTOR.actor, at=clock.now())
    assert error.value.field == field


def test_resolution_is_a_public_message_and_recorded_on_the_card(card, clock):
    start = _in(card, S.IN_PROGRESS, clock)
    done = lifecycle.transition(
        start,
        S.RESOLVED,
        TransitionDetails(resolution="Patched it"),
        actor=EXECUTOR.actor,
        at=clock.now(),
    )
    assert done.card.resolution == "Patched it"
    assert done.entry.public_message is not None
    assert done.entry.public_message.text == "Patched it"
    assert done.entry.public_message.author == MessageAuthor.TOWN
    assert [(c.field, c.before, c.after) for c in done.entry.changes] == [
        ("status", "in_progress", "resolved")
    ]


@pytest.mark.parametrize("final", [S.RESOLVED, S.CLOSED])
def test_reopen_needs_a_reason_and_is_counted(card, clock, final):
    finished = _in(card, final, clock)
    with pytest.raises(TransitionForbidden) as error:
        lifecycle.transition(
            finished, S.IN_PROGRESS, TransitionDetails(), actor=EXECUTOR.actor, at=clock.now()
        )
    assert error.value.field == "reason"
    reopened = lifecycle.transition(
        finished,
        S.IN_PROGRESS,
        TransitionDetails(reason="It is back after the rain"),
        actor=EXECUTOR.actor,
        at=clock.now(),
    )
    assert reopened.entry.action == Action.REOPENED
    assert reopened.card.reopen_count == 1
    assert reopened.card.resolution is None
    assert reopened.card.closure_reason is None


def test_clarification_question_is_kept_until_answered(card, clock):
    asked = _in(card, S.NEEDS_CLARIFICATION, clock)
    assert asked.open_question == FULL.question
    clock.advance(timedelta(hours=2))
    answered = lifecycle.requester_message(
        asked, "The left side, near the kiosk", actor=REQUESTER, at=clock.now()
    )
    assert answered.card.status == S.IN_PROGRESS
    assert answered.card.open_question is None
    assert answered.entry.public_message is not None
    assert answered.entry.public_message.author == MessageAuthor.REQUESTER


def test_answer_without_executor_goes_back_to_received(card, clock):
    asked = lifecycle.transition(
        card, S.NEEDS_CLARIFICATION, FULL, actor=EXECUTOR.actor, at=clock.now()
    ).card
    answered = lifecycle.requester_message(
        asked, "Here are the details", actor=REQUESTER, at=clock.now()
    )
    assert answered.card.status == S.RECEIVED


def test_requester_cannot_write_to_a_closed_card(card, clock):
    closed = _in(card, S.CLOSED, clock)
    with pytest.raises(TransitionForbidden, match="closed"):
        lifecycle.requester_message(closed, "Still broken", actor=REQUESTER, at=clock.now())


def test_assignment_is_internal_and_comment_visibility_is_explicit(card, clock):
    assigned = lifecycle.assign(
        card, "ex-ivan", "roads", actor=EXECUTOR.actor, at=clock.now(), reason="nearest crew"
    )
    assert not assigned.entry.is_public
    assert assigned.entry.internal_note is not None
    note = lifecycle.comment(
        assigned.card, "Crew of Petrov", public=False, actor=EXECUTOR.actor, at=clock.now()
    )
    assert not note.entry.is_public
    reply = lifecycle.comment(
        note.card, "We will fix it this week", public=True, actor=EXECUTOR.actor, at=clock.now()
    )
    assert reply.entry.is_public
    assert reply.entry.internal_note is None


def test_assigning_the_same_executor_twice_is_refused(card, clock):
    assigned = lifecycle.assign(card, "ex-ivan", "roads", actor=EXECUTOR.actor, at=clock.now()).card
    with pytest.raises(TransitionForbidden):
        lifecycle.assign(assigned, "ex-ivan", "roads", actor=EXECUTOR.actor, at=clock.now())


@pytest.mark.parametrize("status", list(Status))
def test_next_statuses_name_the_field_each_move_needs_and_what_blocks_it(card, status, clock):
    if status == S.RECEIVED:
        unassigned = {n.to: (n.requires, n.blocked_by) for n in lifecycle.next_statuses(card)}
        assert unassigned == {
            S.IN_PROGRESS: (None, "executor_id"),
            S.NEEDS_CLARIFICATION: ("question", None),
            S.CLOSED: ("closure_reason", None),
        }
    at = _in(card, status, clock)
    options = lifecycle.next_statuses(at)
    assert {n.to for n in options} == lifecycle.ALLOWED_TRANSITIONS[status]
    # Each option is a move the lifecycle makes with the named field, and refuses without it.
    for option in options:
        assert option.blocked_by is None
        filled = TransitionDetails(**({option.requires: "Text"} if option.requires else {}))
        moved = lifecycle.transition(at, option.to, filled, actor=EXECUTOR.actor, at=clock.now())
        assert moved.card.status == option.to
        if option.requires:
            with pytest.raises(TransitionForbidden) as refused:
                lifecycle.transition(
                    at, option.to, TransitionDetails(), actor=EXECUTOR.actor, at=clock.now()
                )
            assert refused.value.field == option.requires
