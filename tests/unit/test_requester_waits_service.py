"""The town's waits for the requester end by themselves: a question carries a reply-by date, the
requester is reminded before it, and silence brings the card back to staff (or closes it); a
resolution may be objected to for a fortnight, after which it closes, "confirmed by silence".

Driven through the container's use cases over in-memory twins, with the SLA check the timers
and the sweep run."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain.access import Principal
from chalicelib.domain.card import Status
from chalicelib.domain.directory import Role
from chalicelib.domain.errors import NotFound, TransitionForbidden, ValidationFailed
from chalicelib.domain.history import Action, ActorKind, MessageAuthor
from chalicelib.domain.requester_waits import WhenUnanswered
from chalicelib.services.commands import (
    Assign,
    CardCreate,
    MessageCreate,
    ObjectionCreate,
    SubtaskCreate,
    Transition,
)
from tests.conftest import card_form
from tests.factories import EXECUTOR, MANAGER, memory_town, principal, seed_sla_policy

QUESTION = "Which entrance of the building is it?"


def _in_work(
    town: Any, executor: Principal = EXECUTOR, manager: Principal = MANAGER, **form: Any
) -> tuple[str, str]:
    """A card (a pothole unless said) with its executor, in progress: its number and the
    receipt's token."""
    receipt = town.intake.submit(CardCreate.model_validate(card_form(**form)), key=None)
    number = receipt.card.number
    town.casework.assign(manager, number, Assign(executor_id=executor.staff_id, version=1))
    town.casework.transition(executor, number, Transition(to=Status.IN_PROGRESS, version=2))
    return number, receipt.access_token


def _ask(town: Any, number: str, executor: Principal = EXECUTOR, **extra: Any) -> Any:
    card = town.cards.get(number)
    asking = Transition(
        to=Status.NEEDS_CLARIFICATION, question=QUESTION, version=card.version, **extra
    )
    return town.casework.transition(executor, number, asking).card


def _resolve(town: Any, number: str) -> Any:
    card = town.cards.get(number)
    resolving = Transition(to=Status.RESOLVED, resolution="Patched", version=card.version)
    return town.casework.transition(EXECUTOR, number, resolving).card


def _local(town: Any, moment: Any) -> str:
    return moment.astimezone(town.settings.timezone).strftime("%d.%m.%Y %H:%M")


def _messages(town: Any, number: str, kind: str) -> list[Any]:
    return [m for m in town.outbox.for_card(number) if m.kind == kind]


def test_a_question_carries_the_topic_s_reply_by_date_everywhere_it_is_read(town):
    number, token = _in_work(town)
    asked_at = town.clock.now()
    card = _ask(town, number)
    expected = seed_sla_policy().calendar.add(asked_at, seed_sla_policy().waiting.reply_within)
    assert card.reply_by == expected
    assert town.casework.card(EXECUTOR, number).card.reply_by == expected
    assert town.requester.status(number, token).reply_by == expected
    (question,) = _messages(town, number, "clarification")
    assert _local(town, expected) in question.email.text
    assert _local(town, expected) in (question.sms or "")
    asked = town.cards.get_with_history(number)[1][-1]
    assert ("reply_by", expected.isoformat()) in [(c.field, c.after) for c in asked.changes]


def test_a_topic_may_give_less_time_to_answer(town):
    boris = principal("ex-boris", Role.EXECUTOR, departments=("housing",))
    irina = principal("mgr-irina", Role.MANAGER, departments=("housing",))
    number, _ = _in_work(town, boris, irina, category="housing.heating", subject="No heating")
    asked_at = town.clock.now()
    card = _ask(town, number, boris)
    assert seed_sla_policy().waiting.reply_within_by_category["housing.heating"] < (
        seed_sla_policy().waiting.reply_within
    )
    assert card.reply_by == seed_sla_policy().reply_by("housing.heating", asked_at)
    assert card.reply_by < seed_sla_policy().reply_by("roads.potholes", asked_at)


def test_staff_may_give_their_own_reply_by_date_within_reason(town):
    number, _ = _in_work(town)
    chosen = town.clock.now() + timedelta(days=20)
    assert _ask(town, number, reply_by=chosen).reply_by == chosen
    for n, wrong in enumerate(
        (town.clock.now() - timedelta(hours=1), town.clock.now() + timedelta(days=91))
    ):
        someone_else = {"full_name": "Oleg", "email": f"oleg{n}@example.org"}
        other, _ = _in_work(town, requester=someone_else)
        with pytest.raises(ValidationFailed) as refused:
            _ask(town, other, reply_by=wrong)
        assert [p.field for p in refused.value.problems] == ["reply_by"]
    moving_on = Transition(
        to=Status.IN_PROGRESS, reply_by=chosen, version=town.cards.get(number).version
    )
    with pytest.raises(ValidationFailed) as refused:
        town.casework.transition(EXECUTOR, number, moving_on)
    assert [p.field for p in refused.value.problems] == ["reply_by"]


def test_the_requester_is_reminded_once_a_working_day_before_the_date(town):
    number, _ = _in_work(town)
    card = _ask(town, number)
    first = town.sla.check_card(number)
    calendar, rules = seed_sla_policy().calendar, seed_sla_policy().waiting
    asked_at = town.cards.get_with_history(number)[1][-1].at
    remind_at = calendar.add(asked_at, rules.reply_within - rules.remind_before)
    assert first.next_check == remind_at  # the card's timer is set for the reminder
    town.clock.set(remind_at - timedelta(minutes=1))
    town.sla.check_card(number)
    assert _messages(town, number, "reply_reminder") == []
    town.clock.set(remind_at)
    reminded = town.sla.check_card(number)
    assert reminded.waited == "reply_reminder"
    assert reminded.next_check == card.reply_by
    (reminder,) = _messages(town, number, "reply_reminder")
    assert QUESTION in reminder.email.text
    assert _local(town, card.reply_by) in reminder.email.text
    town.clock.advance(timedelta(minutes=5))
    town.sla.check_card(number)  # the sweep, after the timer
    assert len(_messages(town, number, "reply_reminder")) == 1
    card, history = town.cards.get_with_history(number)
    assert card.status == Status.NEEDS_CLARIFICATION  # a reminder changes nothing else
    assert [e.action for e in history].count(Action.REQUESTER_REMINDED) == 1


def test_silence_past_the_date_brings_the_card_back_to_staff_marked_no_answer(town):
    number, token = _in_work(town)
    card = _ask(town, number)
    town.clock.set(card.reply_by + timedelta(minutes=1))
    result = town.sla.check_card(number)
    assert result.waited == "no_answer"
    card, history = town.cards.get_with_history(number)
    assert (card.status, card.reply_by, card.open_question) == (Status.IN_PROGRESS, None, None)
    assert card.no_answer_at == town.clock.now()
    last = history[-1]
    assert last.actor.kind == ActorKind.SYSTEM
    assert last.internal_note is not None
    assert "No answer from the requester" in (last.internal_note.text)
    (told,) = _messages(town, number, "no_answer")
    assert "we go on" in told.email.text.lower()
    assert _messages(town, number, "reply_reminder") == []  # past the date, the reminder is moot
    queue = town.casework.queue(MANAGER, "roads", Status.IN_PROGRESS, limit=50, cursor=None)
    (shown,) = [s.card for s in queue.cards if s.card.number == number]
    assert shown.no_answer_at == card.no_answer_at  # the mark the queue shows
    # The requester writes after all: the mark goes.
    town.requester.add_message(number, token, MessageCreate(text="It is the second entrance"))
    assert town.cards.get(number).no_answer_at is None


def test_a_late_answer_before_the_check_wins(town):
    number, token = _in_work(town)
    card = _ask(town, number)
    town.clock.set(card.reply_by + timedelta(minutes=1))
    town.requester.add_message(number, token, MessageCreate(text="Second entrance"))
    assert town.sla.check_card(number).waited is None
    card = town.cards.get(number)
    assert (card.status, card.no_answer_at) == (Status.IN_PROGRESS, None)


def _closing_town(settings: Any, clock: Any) -> Any:
    policy = seed_sla_policy()
    closing = replace(policy.waiting, when_unanswered=WhenUnanswered.CLOSE)
    return memory_town(settings, clock, sla_policy=replace(policy, waiting=closing))


def test_a_town_may_close_unanswered_cards_with_the_reason_said(settings, clock):
    town = _closing_town(settings, clock)
    number, _ = _in_work(town)
    card = _ask(town, number)
    town.clock.set(card.reply_by + timedelta(minutes=1))
    town.sla.check_card(number)
    card = town.cards.get(number)
    assert card.status == Status.CLOSED
    assert card.closure_reason == "No answer from the requester by the reply-by date"
    (closed,) = _messages(town, number, "status_change")[-1:]
    assert card.closure_reason in closed.email.text
    assert town.cards.due(town.clock.now(), limit=10).numbers == []  # nothing left to watch


def test_closing_for_silence_waits_for_open_subtasks_like_staff_would(settings, clock):
    town = _closing_town(settings, clock)
    number, _ = _in_work(town)
    card = town.cards.get(number)
    town.casework.add_subtask(
        MANAGER,
        number,
        SubtaskCreate(
            department="lighting",
            text="Check the lamp at the entrance",
            version=card.version,
        ),
    )
    card = _ask(town, number)
    town.clock.set(card.reply_by + timedelta(minutes=1))
    town.sla.check_card(number)
    card, history = town.cards.get_with_history(number)
    assert card.status == Status.IN_PROGRESS
    assert card.no_answer_at is not None
    assert history[-1].internal_note is not None
    assert "Not closed by itself: subtasks are still open" in history[-1].internal_note.text


def test_a_resolution_closes_itself_when_nobody_objects(town):
    number, _ = _in_work(town)
    resolved_at = town.clock.now()
    card = _resolve(town, number)
    assert card.objection_until == resolved_at + timedelta(days=14)
    (final,) = _messages(town, number, "final_reply")
    assert "objection=1" in final.email.text
    assert _local(town, card.objection_until) in (final.email.text)
    assert town.sla.check_card(number).next_check == card.objection_until
    town.clock.set(card.objection_until - timedelta(minutes=1))
    town.sla.check_card(number)
    assert town.cards.get(number).status == Status.RESOLVED
    town.clock.set(card.objection_until)
    assert town.sla.check_card(number).waited == "confirmed_by_silence"
    card, history = town.cards.get_with_history(number)
    assert card.status == Status.CLOSED
    assert card.closure_reason.startswith("Confirmed by silence")
    assert history[-1].actor.kind == ActorKind.SYSTEM
    assert len(_messages(town, number, "survey")) == 1  # the rating invitation
    # The fortnight of waiting did not count against the closure deadline.
    assert Action.DEADLINE_MISSED not in [e.action for e in history]


def test_an_objection_reopens_the_card_with_the_requester_s_words(town):
    number, token = _in_work(town)
    _resolve(town, number)
    town.clock.advance(timedelta(days=3))
    view = town.requester.object_to_resolution(
        number, token, ObjectionCreate(text="The hole is back after one rain")
    )
    assert view.status == Status.IN_PROGRESS
    assert view.objection_until is None
    card, history = town.cards.get_with_history(number)
    assert (card.reopen_count, card.resolution, card.objection_until) == (1, None, None)
    reopened = history[-1]
    assert reopened.action == Action.REOPENED
    assert reopened.public_message is not None
    assert reopened.public_message.author == MessageAuthor.REQUESTER
    assert reopened.public_message.text == "The hole is back after one rain"
    told = town.outbox.for_card(number)[-1]
    assert told.kind == "status_change"
    assert "The hole is back" not in told.email.text  # their words are not echoed back
    # A new round: the decision deadline runs again from the objection.
    decision = next(t for t in town.casework.card(EXECUTOR, number).timers if t.kind == "decision")
    assert decision.started_at == reopened.at


def test_an_objection_is_refused_when_there_is_nothing_or_no_time_to_object_to(town):
    number, token = _in_work(town)
    with pytest.raises(TransitionForbidden) as refused:
        town.requester.object_to_resolution(number, token, ObjectionCreate(text="Not fixed"))
    assert "not resolved yet" in refused.value.message
    card = _resolve(town, number)
    with pytest.raises(NotFound):
        town.requester.object_to_resolution(number, "wrong", ObjectionCreate(text="Not fixed"))
    town.clock.set(card.objection_until + timedelta(seconds=1))
    with pytest.raises(TransitionForbidden) as refused:
        town.requester.object_to_resolution(number, token, ObjectionCreate(text="Not fixed"))
    assert "has passed" in refused.value.message
    town.sla.check_card(number)
    with pytest.raises(TransitionForbidden) as refused:
        town.requester.object_to_resolution(number, token, ObjectionCreate(text="Not fixed"))
    assert "closed" in refused.value.message
    assert town.cards.get(number).reopen_count == 0
