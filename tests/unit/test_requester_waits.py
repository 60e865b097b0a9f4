"""The waiting rules as a town writes them (errors name the setting) and the moments of a wait."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.memory_cards import InMemoryCardRepository
from chalicelib.adapters.sla_config import load_waiting
from chalicelib.domain import lifecycle, requester_waits
from chalicelib.domain.card import Status
from chalicelib.domain.errors import TransitionForbidden, ValidationFailed
from chalicelib.domain.history import ActorKind
from chalicelib.domain.requester_waits import WaitingRules, WaitStep, WhenUnanswered
from tests.factories import EXECUTOR, seed_calendar, submit
from tests.unit.test_sla import CATEGORIES, DIRECTORY, msk

DAY = timedelta(hours=8)


def _load(section: Any) -> WaitingRules:
    return load_waiting({"waiting": section}, CATEGORIES, working_day=DAY)


def test_without_a_waiting_section_the_defaults_hold():
    assert load_waiting({}, CATEGORIES, working_day=DAY) == WaitingRules()


def test_the_town_s_setting_is_read_in_working_days():
    rules = _load(
        {
            "reply_within": "3d",
            "remind_before": "4h",
            "when_unanswered": "close",
            "objection_days": 7,
            "categories": {"roads": "1d"},
        }
    )
    assert rules.reply_within == 3 * DAY
    assert rules.remind_before == timedelta(hours=4)
    assert rules.when_unanswered == WhenUnanswered.CLOSE
    assert rules.objection_days == 7
    assert rules.reply_within_by_category == {"roads": DAY}


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ({"reply_within": "soon"}, "waiting.reply_within"),
        ({"remind_before": "-1d"}, "waiting.remind_before"),
        ({"when_unanswered": "forget"}, "waiting.when_unanswered"),
        ({"objection_days": 0}, "waiting.objection_days"),
        ({"objection_days": "14"}, "waiting.objection_days"),
        ({"objection_days": True}, "waiting.objection_days"),
        ({"categories": {"roads.flying_cars": "1d"}}, "waiting.categories.roads.flying_cars"),
        ({"reply_in": "1d"}, "waiting.reply_in"),
        ({"reply_within": "1d", "remind_before": "1d"}, "waiting.remind_before"),
        ([], "waiting"),
    ],
)
def test_a_wrong_setting_is_named(section, field):
    with pytest.raises(ValidationFailed) as refused:
        _load(section)
    assert field in [p.field for p in refused.value.problems]


def test_a_short_wait_is_reminded_half_way_and_a_past_date_is_refused():
    calendar = seed_calendar()
    rules = WaitingRules()
    asked = msk(2026, 3, 2, 10, 0)  # a Monday
    cards = InMemoryCardRepository()
    clock = ManualClock(asked)
    card = submit(cards, clock, DIRECTORY).card
    card = card.model_copy(update={"executor_id": EXECUTOR.staff_id, "status": Status.IN_PROGRESS})
    reply_by = calendar.add(asked, timedelta(hours=4))  # shorter than the day's notice
    change = lifecycle.transition(
        card,
        Status.NEEDS_CLARIFICATION,
        lifecycle.TransitionDetails(question="Which entrance?", reply_by=reply_by),
        actor=EXECUTOR.actor,
        at=asked,
    )
    reminder, no_answer = requester_waits.moments(change.card, [change.entry], rules, calendar)
    assert (reminder.step, no_answer.step) == (WaitStep.REMINDER, WaitStep.NO_ANSWER)
    assert calendar.between(asked, reminder.at) == timedelta(hours=2)
    assert no_answer.at == reply_by
    with pytest.raises(TransitionForbidden) as refused:
        lifecycle.transition(
            card,
            Status.NEEDS_CLARIFICATION,
            lifecycle.TransitionDetails(question="Which entrance?", reply_by=asked),
            actor=EXECUTOR.actor,
            at=asked,
        )
    assert refused.value.field == "reply_by"
    # Silence: the system's own entry, the requester's question gone, the mark set.
    later = requester_waits.unanswered(
        change.card, rules=rules, at=reply_by, tz=calendar.timezone, locale="ru"
    )
    assert later.entry.actor.kind == ActorKind.SYSTEM
    assert (later.card.status, later.card.no_answer_at) == (Status.IN_PROGRESS, reply_by)


def test_a_card_written_before_waits_had_limits_gets_the_rule_s_dates():
    calendar, rules = seed_calendar(), WaitingRules()
    asked = msk(2026, 3, 2, 10, 0)
    card = submit(InMemoryCardRepository(), ManualClock(asked), DIRECTORY).card
    card = card.model_copy(update={"executor_id": EXECUTOR.staff_id, "status": Status.IN_PROGRESS})
    details = lifecycle.TransitionDetails(question="Which entrance?")  # no reply-by date
    waiting = lifecycle.transition(
        card, Status.NEEDS_CLARIFICATION, details, actor=EXECUTOR.actor, at=asked
    )
    assert waiting.card.reply_by is None
    *_, no_answer = requester_waits.moments(waiting.card, [waiting.entry], rules, calendar)
    assert no_answer.at == rules.reply_by(card.category, asked, calendar)
    resolved = lifecycle.transition(
        card,
        Status.RESOLVED,
        lifecycle.TransitionDetails(resolution="Patched"),
        actor=EXECUTOR.actor,
        at=asked,
    )
    assert resolved.card.objection_until is None
    (silence,) = requester_waits.moments(resolved.card, [resolved.entry], rules, calendar)
    assert silence.at == asked + timedelta(days=rules.objection_days)
