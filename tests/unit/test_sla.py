"""SLA matrix and timers: derived from the history, on working time, paused while waiting."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.adapters.calendar_config import load_seed_calendar
from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.memory_cards import InMemoryCardRepository
from chalicelib.adapters.sla_config import load_seed_sla, load_sla
from chalicelib.adapters.static_directory import StaticDirectory
from chalicelib.domain import lifecycle
from chalicelib.domain.card import Priority, Status
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.sla import TimerKind, TimerState, timers
from tests.factories import EXECUTOR, submit

MSK = ZoneInfo("Europe/Moscow")
CALENDAR = load_seed_calendar()
DIRECTORY = StaticDirectory.from_file()
CATEGORIES = set(DIRECTORY.categories().leaf_codes) | {
    c.code for c in DIRECTORY.categories().categories
}
MATRIX = load_seed_sla(CATEGORIES)
DAY = timedelta(hours=8, minutes=15)
T = TimerKind
D = lifecycle.TransitionDetails(
    question="Which entrance?",
    resolution="Patched",
    closure_reason="Confirmed",
    note="Need access to the yard",
    reason="It is back",
)


def msk(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=MSK)


class Story:
    """A card and its history, moved along by the real lifecycle functions."""

    def __init__(self, start: datetime, **form) -> None:
        self.clock = ManualClock(start)
        self.card = submit(InMemoryCardRepository(), self.clock, DIRECTORY, **form).card
        self.history = [
            lifecycle.HistoryEntry(
                seq=1,
                at=start,
                actor=EXECUTOR.actor,
                action=lifecycle.Action.CREATED,
                changes=(lifecycle.FieldChange(field="status", before=None, after="received"),),
            )
        ]

    def at(self, *parts: int) -> Story:
        self.clock = ManualClock(msk(*parts))
        return self

    def apply(self, change) -> Story:
        self.card, self.history = change.card, [*self.history, change.entry]
        return self

    def assign(self) -> Story:
        return self.apply(
            lifecycle.assign(
                self.card, "ex-ivan", "roads", actor=EXECUTOR.actor, at=self.clock.now()
            )
        )

    def move(self, status: Status) -> Story:
        return self.apply(
            lifecycle.transition(self.card, status, D, actor=EXECUTOR.actor, at=self.clock.now())
        )

    def timers(self, *parts: int) -> dict[TimerKind, object]:
        targets = MATRIX.targets(self.card.category, self.card.priority)
        return {t.kind: t for t in timers(self.history, targets, CALENDAR, msk(*parts))}


def test_the_matrix_by_category_and_priority():
    assert MATRIX.targets("roads.potholes", Priority.NORMAL).decision == 3 * DAY
    assert MATRIX.targets("roads.snow", Priority.NORMAL).decision == 7 * DAY
    assert MATRIX.targets("lighting.streetlight_out", Priority.NORMAL).decision == 3 * DAY
    assert MATRIX.targets("other.question", Priority.LOW).decision == 15 * DAY
    assert MATRIX.targets("other.question", Priority.URGENT).decision == DAY
    assert MATRIX.targets("roads.snow", Priority.HIGH).decision == 3 * DAY
    normal = MATRIX.targets("roads.snow", Priority.NORMAL)
    assert (normal.registration, normal.first_reply) == (timedelta(hours=1), DAY)


def test_an_invalid_matrix_names_every_problem():
    with pytest.raises(ValidationFailed) as error:
        load_sla(
            {
                "working_day_hours": 30,
                "defaults": {"registration": "1h", "first_reply": "soon", "decision": "3d"},
                "priorities": {"high": {"decison": "2d"}},
                "categories": {
                    "roads.unicorns": {"decision": "1d"},
                    "roads": {"decision": "9d", "closure": "2d"},
                },
            },
            CATEGORIES,
        )
    assert {p.field for p in error.value.problems} == {
        "working_day_hours",
        "defaults.first_reply",
        "defaults.closure",
        "priorities.high.decison",
        "categories.roads.unicorns",
        "categories.roads.closure",
    }


def test_a_new_card_has_four_running_timers():
    story = Story(msk(2026, 3, 2, 9, 0))  # Monday; roads.potholes, normal
    now = story.timers(2026, 3, 2, 9, 30)
    assert {k: t.state for k, t in now.items()} == dict.fromkeys(T, TimerState.RUNNING)
    assert now[T.REGISTRATION].due_at == msk(2026, 3, 2, 10, 0)
    assert now[T.REGISTRATION].share_used == 0.5
    assert now[T.FIRST_REPLY].due_at == msk(2026, 3, 2, 18, 0)  # a working day, lunch skipped
    assert now[T.DECISION].due_at == msk(2026, 3, 4, 18, 0)  # 3 working days


def test_timers_are_met_by_the_right_events_and_breached_when_late():
    story = Story(msk(2026, 3, 2, 9, 0)).at(2026, 3, 2, 11, 0).assign()
    story.at(2026, 3, 2, 12, 0).move(Status.IN_PROGRESS)
    now = story.timers(2026, 3, 3, 10, 0)
    assert now[T.REGISTRATION].state == TimerState.BREACHED  # assigned after 2 h, budget 1 h
    assert now[T.REGISTRATION].met_at == msk(2026, 3, 2, 11, 0)
    assert now[T.FIRST_REPLY].state == TimerState.BREACHED  # nothing written to the requester
    story.at(2026, 3, 3, 11, 0).move(Status.RESOLVED)
    later = story.timers(2026, 3, 3, 12, 0)
    assert later[T.DECISION].state == TimerState.MET
    assert later[T.FIRST_REPLY].met_at == msk(2026, 3, 3, 11, 0)  # the resolution is public


def test_waiting_for_the_requester_stops_every_clock_exactly():
    story = Story(msk(2026, 3, 2, 9, 0)).at(2026, 3, 2, 9, 10).assign()
    story.at(2026, 3, 2, 9, 20).move(Status.IN_PROGRESS)
    before = story.timers(2026, 3, 2, 9, 30)[T.DECISION].due_at
    story.at(2026, 3, 2, 10, 0).move(Status.AWAITING_REQUESTER)
    paused = story.timers(2026, 3, 4, 12, 0)[T.DECISION]
    assert paused.state == TimerState.PAUSED
    assert paused.due_at is None
    assert paused.used == timedelta(hours=1)
    story.at(2026, 3, 5, 10, 0).move(Status.IN_PROGRESS)  # 3 working days later
    story.at(2026, 3, 5, 11, 0).move(Status.NEEDS_CLARIFICATION)
    story.at(2026, 3, 6, 11, 0).move(Status.IN_PROGRESS)  # Friday: a second pause, 1 day
    resumed = story.timers(2026, 3, 6, 12, 0)[T.DECISION]
    paused_time = CALENDAR.between(msk(2026, 3, 2, 10), msk(2026, 3, 5, 10)) + CALENDAR.between(
        msk(2026, 3, 5, 11), msk(2026, 3, 6, 11)
    )
    assert resumed.state == TimerState.RUNNING
    assert resumed.due_at == CALENDAR.add(before, paused_time)
    assert resumed.used == CALENDAR.between(msk(2026, 3, 2, 9), msk(2026, 3, 6, 12)) - paused_time


def test_a_met_timer_keeps_its_own_due_time_while_the_card_waits():
    story = Story(msk(2026, 3, 2, 9, 0)).at(2026, 3, 2, 9, 30).assign()
    story.at(2026, 3, 2, 9, 40).move(Status.IN_PROGRESS)
    # The question is the first reply, and the card waits from then on, open-ended.
    story.at(2026, 3, 2, 10, 0).move(Status.NEEDS_CLARIFICATION)
    paused = story.timers(2026, 3, 4, 12, 0)
    first_reply = paused[T.FIRST_REPLY]
    assert (first_reply.state, first_reply.met_at) == (TimerState.MET, msk(2026, 3, 2, 10, 0))
    assert first_reply.due_at == msk(2026, 3, 2, 18, 0)  # its deadline, not years ahead
    assert paused[T.DECISION].due_at is None  # the running ones wait without a due time


def test_an_agreed_decision_date_moves_the_closure_with_it():
    from chalicelib.domain import sla_overdue

    story = Story(msk(2026, 3, 2, 9, 0)).at(2026, 3, 2, 9, 10).assign()  # potholes: 3d / 5d
    story.at(2026, 3, 2, 9, 20).move(Status.IN_PROGRESS)
    planned = story.timers(2026, 3, 2, 9, 30)
    gap = CALENDAR.between(planned[T.DECISION].due_at, planned[T.CLOSURE].due_at)
    agreed = msk(2026, 3, 16, 18, 0)  # two weeks: later than the closure was due (6 March)
    explanation = sla_overdue.OverdueExplanation(
        sla_overdue.OverdueReason.ANOTHER_AGENCY, sla_overdue.NextStep.NEW_DEADLINE, None, agreed
    )
    story.at(2026, 3, 6, 10, 0).apply(
        sla_overdue.explain_overdue(
            story.card, explanation, actor=EXECUTOR.actor, at=msk(2026, 3, 6, 10, 0)
        )
    )
    later = story.timers(2026, 3, 10, 12, 0)  # after the old closure date, before the new one
    assert later[T.DECISION].due_at == agreed
    assert later[T.CLOSURE].state == TimerState.RUNNING
    assert later[T.CLOSURE].due_at == CALENDAR.add(agreed, gap)  # the same time after it


def test_a_reopen_starts_a_new_round_for_decision_and_closure():
    story = Story(msk(2026, 3, 2, 9, 0)).at(2026, 3, 2, 9, 10).assign()
    story.at(2026, 3, 2, 9, 20).move(Status.IN_PROGRESS)
    story.at(2026, 3, 2, 12, 0).move(Status.RESOLVED)
    story.at(2026, 3, 2, 12, 30).move(Status.CLOSED)
    story.at(2026, 3, 10, 9, 0).move(Status.IN_PROGRESS)  # reopened
    now = story.timers(2026, 3, 10, 10, 0)
    assert now[T.DECISION].state == TimerState.RUNNING
    assert now[T.DECISION].started_at == msk(2026, 3, 10, 9, 0)
    assert now[T.DECISION].due_at == CALENDAR.add(msk(2026, 3, 10, 9, 0), 3 * DAY)
    assert now[T.REGISTRATION].state == TimerState.MET


def test_urgent_cards_get_urgent_budgets():
    story = Story(msk(2026, 3, 2, 9, 0), priority="urgent")
    now = story.timers(2026, 3, 2, 9, 10)
    assert now[T.REGISTRATION].due_at == msk(2026, 3, 2, 9, 30)
    assert now[T.FIRST_REPLY].due_at == msk(2026, 3, 2, 11, 0)
    assert now[T.DECISION].due_at == msk(2026, 3, 2, 18, 0)
