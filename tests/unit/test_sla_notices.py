"""Reminders and escalations: the right step, to the right people, each at most once."""

from __future__ import annotations

from chalicelib.domain.card import Status
from chalicelib.domain.sla import TimerKind
from chalicelib.domain.sla_notices import Audience, NoticeStep, due_notices, next_check
from tests.unit.test_sla import CALENDAR, MATRIX, Story, msk


def _due(story: Story, *now: int, sent: frozenset[str] = frozenset()):
    timers = list(story.timers(*now).values())
    return due_notices(
        story.card.number,
        timers,
        sent=sent,
        card_open=story.card.status != Status.CLOSED,
        calendar=CALENDAR,
        working_day=MATRIX.working_day,
        now=msk(*now),
    )


def _steps(notices) -> set[tuple[str, str, str]]:
    return {(n.timer.kind.value, n.step.value, n.audience.value) for n in notices}


def test_nothing_is_due_right_after_registration():
    assert _due(Story(msk(2026, 3, 2, 9, 0)), 2026, 3, 2, 9, 1) == []


def test_reminders_at_half_and_most_of_the_budget():
    story = Story(msk(2026, 3, 2, 9, 0)).at(2026, 3, 2, 9, 5).assign()
    # 14:00: 4 h 15 of the 8 h 15 first-reply budget used (lunch is not working time).
    assert _steps(_due(story, 2026, 3, 2, 14, 0)) == {("first_reply", "half_used", "executor")}
    assert ("first_reply", "mostly_used", "executor") in _steps(_due(story, 2026, 3, 2, 17, 0))
    # The 3-day decision is due Wednesday 18:00: a working day before is Tuesday 18:00.
    assert ("decision", "day_before", "executor") not in _steps(_due(story, 2026, 3, 3, 17, 55))
    assert ("decision", "day_before", "executor") in _steps(_due(story, 2026, 3, 4, 9, 0))


def test_a_breach_goes_to_the_manager_then_the_controller_a_working_day_later():
    story = Story(msk(2026, 3, 2, 9, 0))
    at_breach = _steps(_due(story, 2026, 3, 2, 10, 30))
    assert ("registration", "breached", "manager") in at_breach
    assert ("registration", "escalated", "controller") not in at_breach
    next_day = _steps(_due(story, 2026, 3, 3, 10, 30))
    assert ("registration", "escalated", "controller") in next_day


def test_each_notice_is_due_once_whoever_asks_again():
    story = Story(msk(2026, 3, 2, 9, 0))
    first = _due(story, 2026, 3, 3, 11, 0)
    sent = frozenset(n.key for n in first)
    assert first
    assert _due(story, 2026, 3, 3, 11, 0, sent=sent) == []  # the sweep after the timer
    assert _due(story, 2026, 3, 3, 11, 5, sent=sent) == []  # a retry a little later


def test_met_paused_or_closed_timers_send_nothing():
    story = Story(msk(2026, 3, 2, 9, 0)).at(2026, 3, 2, 9, 10).assign()
    story.at(2026, 3, 2, 9, 20).move(Status.IN_PROGRESS)
    story.at(2026, 3, 2, 9, 30).move(Status.AWAITING_REQUESTER)
    # Registration was met at 9:10, the first reply by the public note at 9:30; decision and
    # closure are paused while the town waits for the requester.
    assert _due(story, 2026, 3, 20, 9, 0) == []
    story.at(2026, 3, 20, 10, 0).move(Status.CLOSED)
    assert _due(story, 2026, 3, 30, 9, 0) == []


def test_a_reopened_card_gets_fresh_notices_for_its_new_round():
    story = Story(msk(2026, 3, 2, 9, 0)).at(2026, 3, 2, 9, 10).assign()
    story.at(2026, 3, 2, 9, 20).move(Status.IN_PROGRESS)
    before = _due(story, 2026, 3, 9, 9, 0)
    decision_keys = {n.key for n in before if n.timer.kind == TimerKind.DECISION}
    assert decision_keys
    story.at(2026, 3, 9, 9, 30).move(Status.RESOLVED)
    story.at(2026, 3, 9, 10, 0).move(Status.IN_PROGRESS)  # reopened
    after = _due(story, 2026, 3, 12, 17, 0, sent=frozenset(n.key for n in before))
    reopened = {n.key for n in after if n.timer.kind == TimerKind.DECISION}
    assert reopened
    assert reopened.isdisjoint(decision_keys)


def test_next_check_is_the_earliest_coming_threshold():
    story = Story(msk(2026, 3, 2, 9, 0))
    timers = list(story.timers(2026, 3, 2, 9, 1).values())
    assert next_check(
        timers, CALENDAR, msk(2026, 3, 2, 9, 1), working_day=MATRIX.working_day
    ) == msk(2026, 3, 2, 9, 30)
    assert NoticeStep.HALF_USED in {n.step for n in _due(story, 2026, 3, 2, 9, 30)}
    assert Audience.EXECUTOR in {n.audience for n in _due(story, 2026, 3, 2, 9, 30)}
