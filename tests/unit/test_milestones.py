"""A card carries when it was first answered, resolved and closed, and whether it ever missed a
deadline: folded from its history as it is written (exports and reports read only the card)."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.domain import lifecycle
from chalicelib.domain.card import Status
from chalicelib.domain.lifecycle import TransitionDetails
from chalicelib.domain.milestones import advance
from tests.factories import EXECUTOR, new_card


def test_a_lifecycle_sets_each_milestone_once_and_a_reopen_clears_the_round(clock, directory):
    card = new_card(clock, directory)
    assert card.milestones.first_reply_at is None
    card = lifecycle.assign(card, "ex-ivan", "roads", actor=EXECUTOR.actor, at=clock.now()).card
    clock.advance(timedelta(hours=1))
    asked = lifecycle.transition(
        card,
        Status.NEEDS_CLARIFICATION,
        TransitionDetails(question="Which side?"),
        actor=EXECUTOR.actor,
        at=clock.now(),
    ).card
    first = clock.now()
    assert asked.milestones.first_reply_at == first
    clock.advance(timedelta(hours=1))
    card = lifecycle.transition(
        asked, Status.IN_PROGRESS, TransitionDetails(), actor=EXECUTOR.actor, at=clock.now()
    ).card
    card = lifecycle.transition(
        card,
        Status.RESOLVED,
        TransitionDetails(resolution="Filled"),
        actor=EXECUTOR.actor,
        at=clock.now(),
    ).card
    assert card.milestones.first_reply_at == first  # the first public word stays the first
    assert card.milestones.resolved_at == clock.now()
    clock.advance(timedelta(days=1))
    closed = lifecycle.transition(
        card,
        Status.CLOSED,
        TransitionDetails(closure_reason="Done"),
        actor=EXECUTOR.actor,
        at=clock.now(),
    )
    assert closed.card.milestones.closed_at == clock.now()
    # Folding the same entry again changes nothing (the repository folds what Change did).
    assert advance(closed.card.milestones, closed.entry) == closed.card.milestones
    reopened = lifecycle.transition(
        closed.card,
        Status.IN_PROGRESS,
        TransitionDetails(reason="Back again"),
        actor=EXECUTOR.actor,
        at=clock.now(),
    ).card
    assert reopened.milestones.resolved_at is None
    assert reopened.milestones.closed_at is None
    assert reopened.milestones.first_reply_at == first
