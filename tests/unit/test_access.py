"""Who may do what: checked in the services, whatever route calls them."""

from __future__ import annotations

import pytest

from chalicelib.adapters.memory_cards import InMemoryCardRepository
from chalicelib.domain import access
from chalicelib.domain.card import Status
from chalicelib.domain.errors import PermissionDenied
from chalicelib.services import casework as staff
from chalicelib.services.commands import Assign, CommentCreate, Transition
from tests.factories import (
    CONTROLLER,
    EXECUTOR,
    MANAGER,
    OPERATOR,
    OTHER_EXECUTOR,
    notifier,
    seed_sla_policy,
    submit,
)


def no_timers(card: object, history: object) -> list:
    """Deadlines are not what these tests are about: no timer, nothing overdue."""
    return []


@pytest.fixture
def cards() -> InMemoryCardRepository:
    return InMemoryCardRepository()


@pytest.fixture
def number(cards, clock, directory) -> str:
    return submit(cards, clock, directory).card.number


def test_an_executor_of_another_department_cannot_see_the_card(cards, number):
    with pytest.raises(PermissionDenied):
        staff.card_with_history(OTHER_EXECUTOR, number, cards=cards)
    card, _ = staff.card_with_history(EXECUTOR, number, cards=cards)
    assert card.number == number


def test_queues_are_limited_to_own_departments(cards, directory):
    with pytest.raises(PermissionDenied):
        staff.department_queue(
            OTHER_EXECUTOR,
            "roads",
            Status.RECEIVED,
            limit=10,
            cursor=None,
            cards=cards,
            directory=directory,
        )
    page = staff.department_queue(
        OPERATOR, "roads", Status.RECEIVED, limit=10, cursor=None, cards=cards, directory=directory
    )
    assert page.cards == []


def test_executors_cannot_assign_but_operators_and_managers_can(cards, number, clock, directory):
    with pytest.raises(PermissionDenied):
        staff.assign_card(
            EXECUTOR,
            number,
            Assign(executor_id="ex-ivan", version=1),
            cards=cards,
            directory=directory,
            clock=clock,
        )
    staff.assign_card(
        MANAGER,
        number,
        Assign(executor_id="ex-ivan", version=1),
        cards=cards,
        directory=directory,
        clock=clock,
    )
    staff.assign_card(
        OPERATOR,
        number,
        Assign(executor_id="ex-maria", reason="Ivan is on leave", version=2),
        cards=cards,
        directory=directory,
        clock=clock,
    )
    assert cards.get(number).executor_id == "ex-maria"


def test_only_the_assigned_executor_or_manager_resolves(cards, number, clock, directory):
    staff.assign_card(
        OPERATOR,
        number,
        Assign(executor_id="ex-maria", version=1),
        cards=cards,
        directory=directory,
        clock=clock,
    )
    staff.transition_card(
        OPERATOR,
        number,
        Transition(to=Status.IN_PROGRESS, version=2),
        cards=cards,
        directory=directory,
        clock=clock,
        notify=notifier(directory),
        timers_of=no_timers,
        sla=seed_sla_policy(),
    )
    resolve = Transition(to=Status.RESOLVED, version=3, resolution="Patched the hole")
    for outsider in (EXECUTOR, OPERATOR, CONTROLLER):
        with pytest.raises(PermissionDenied):
            staff.transition_card(
                outsider,
                number,
                resolve,
                cards=cards,
                directory=directory,
                clock=clock,
                notify=notifier(directory),
                timers_of=no_timers,
                sla=seed_sla_policy(),
            )
    staff.transition_card(
        MANAGER,
        number,
        resolve,
        cards=cards,
        directory=directory,
        clock=clock,
        notify=notifier(directory),
        timers_of=no_timers,
        sla=seed_sla_policy(),
    )
    assert cards.get(number).status == Status.RESOLVED


def test_controllers_write_internal_notes_only(cards, number, clock, directory):
    with pytest.raises(PermissionDenied):
        staff.comment_on_card(
            CONTROLLER,
            number,
            CommentCreate(text="Hello there", public=True, version=1),
            cards=cards,
            directory=directory,
            clock=clock,
        )
    staff.comment_on_card(
        CONTROLLER,
        number,
        CommentCreate(text="Watch this one", public=False, version=1),
        cards=cards,
        directory=directory,
        clock=clock,
    )


def test_department_wide_roles_see_every_card(cards, number):
    card = cards.get(number)
    assert access.can_view(OPERATOR, card)
    assert access.can_view(CONTROLLER, card)
    assert access.can_view(MANAGER, card)
    assert not access.can_view(OTHER_EXECUTOR, card)


def test_who_may_explain_a_missed_deadline(cards, number):
    card = cards.get(number)
    for allowed in (OPERATOR, MANAGER):
        access.require_overdue_explanation(allowed, card, new_deadline=False)
    for refused in (OTHER_EXECUTOR, CONTROLLER, EXECUTOR):  # EXECUTOR is not assigned yet
        with pytest.raises(PermissionDenied):
            access.require_overdue_explanation(refused, card, new_deadline=False)
    access.require_overdue_explanation(MANAGER, card, new_deadline=True)
    with pytest.raises(PermissionDenied, match="manager"):
        access.require_overdue_explanation(OPERATOR, card, new_deadline=True)
