"""Deadline checks, the sweep and the escalation steps, on in-memory twins with a manual clock."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from typing import Any

import pytest

from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.memory_cards import InMemoryCardRepository
from chalicelib.adapters.memory_mail import RecordingMailer
from chalicelib.adapters.memory_sla import (
    InMemoryBreachLog,
    InMemoryEscalations,
    InMemoryNoticeLog,
    InMemoryTimerScheduler,
)
from chalicelib.adapters.memory_templates import InMemoryTemplates
from chalicelib.domain import lifecycle, requester_waits
from chalicelib.domain.card import Status
from chalicelib.domain.history import Action
from chalicelib.domain.requester_waits import WaitStep
from chalicelib.domain.sla import TimerKind
from chalicelib.domain.sla_notices import NoticeStep
from chalicelib.ports import OutgoingMail
from chalicelib.services import sla as sla_watch
from chalicelib.services import sla_review
from chalicelib.services.policies import MailPolicy, SlaPolicy
from chalicelib.services.sla import SlaPolicies, SlaPorts, StepOutcome
from tests.factories import CONTROLLER, EXECUTOR, MANAGER, notifier, submit
from tests.unit.test_sla import CALENDAR, DIRECTORY, MATRIX, MSK, D, msk

POLICIES = SlaPolicies(
    deadlines=SlaPolicy(calendar=CALENDAR, matrix=MATRIX),
    mail=MailPolicy(timezone=MSK),
)


class FlakyMailer(RecordingMailer):
    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def send(self, mail: OutgoingMail) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("mail service unavailable")
        super().send(mail)


class Town:
    """A card registered Monday 2 March 2026, 9:00 Moscow time, and everything that watches it."""

    def __init__(self, mailer: RecordingMailer | None = None, **form: Any) -> None:
        self.clock = ManualClock(msk(2026, 3, 2, 9, 0))
        self.cards = InMemoryCardRepository()
        self.notices = InMemoryNoticeLog()
        self.breaches = InMemoryBreachLog()
        self.mailer = mailer or RecordingMailer()
        self.scheduler = InMemoryTimerScheduler()
        self.escalations = InMemoryEscalations()
        self.ports = SlaPorts(
            cards=self.cards,
            notices=self.notices,
            breaches=self.breaches,
            mailer=self.mailer,
            directory=DIRECTORY,
            scheduler=self.scheduler,
            escalations=self.escalations,
            clock=self.clock,
            templates=InMemoryTemplates(self.clock.now),
            notify=lambda: notifier(DIRECTORY),
        )
        self.number = self.new_card(**form)

    def new_card(self, **form: Any) -> str:
        return submit(self.cards, self.clock, DIRECTORY, **form).card.number

    def at(self, *parts: int) -> Town:
        self.clock.set(msk(*parts))
        return self

    def check(self, number: str | None = None) -> sla_watch.CheckResult:
        return sla_watch.check_card(number or self.number, ports=self.ports, policies=POLICIES)

    def sweep(self) -> sla_watch.SweepReport:
        return sla_watch.sweep(ports=self.ports, policies=POLICIES)

    def step(self, timer: TimerKind, step: NoticeStep) -> StepOutcome:
        _card, history = self.cards.get_with_history(self.number)
        round_start = history[0].at
        return sla_watch.escalation_step(
            self.number, timer, round_start, step, ports=self.ports, policies=POLICIES
        )

    def change(self, make: Any) -> None:
        card = self.cards.get(self.number)
        change = make(card)
        self.cards.save(change.card, change.entry)

    def mails(self) -> list[tuple[str, str]]:
        """(recipient, subject) of every mail sent so far."""
        return [
            (m.recipient, str(message_from_bytes(m.raw, policy=default)["Subject"]))
            for m in self.mailer.sent
        ]

    def due_now(self) -> list[str]:
        return self.cards.due(self.clock.now(), limit=100).numbers


def test_a_new_card_is_due_at_once_and_its_check_sets_the_next_moment():
    town = Town()
    assert town.due_now() == [town.number]
    result = town.check()
    # Half of the one-hour registration budget: 9:30.
    assert result.next_check == msk(2026, 3, 2, 9, 30)
    assert town.scheduler.timers == {town.number: msk(2026, 3, 2, 9, 30)}
    assert town.due_now() == []
    assert town.cards.due(msk(2026, 3, 2, 9, 30), limit=10).numbers == [town.number]


def test_a_russian_subject_reads_back_word_for_word():
    """Staff mail in Russian: the encoded subject decodes to the rendered one, every space kept
    (a header of one encoded-word per word would lose them in every mail reader)."""
    town = Town(subject="Яма на дороге у остановки «Ленина»")
    russian = SlaPolicies(
        deadlines=POLICIES.deadlines, mail=MailPolicy(timezone=MSK, default_locale="ru")
    )
    sla_watch.check_card(town.number, ports=town.ports, policies=russian)
    town.at(2026, 3, 2, 9, 30)
    sla_watch.check_card(town.number, ports=town.ports, policies=russian)
    [(_, subject)] = town.mails()
    assert subject == (
        f"[#{town.number}] Напоминание: регистрация до 02.03.2026 10:00 (использовано 50%) — "
        "Яма на дороге у остановки «Ленина»"
    )
    raw_subject = town.mailer.sent[0].raw.split(b"\r\n\r\n")[0]
    assert max(len(line) for line in raw_subject.split(b"\r\n")) <= 78  # folded, not one word


def test_a_reminder_goes_once_to_the_manager_while_nobody_is_assigned():
    town = Town()
    town.check()
    town.at(2026, 3, 2, 9, 30)
    assert town.sweep().sent == 1
    assert town.check().sent == ()  # the card's timer fires too: nothing twice
    assert town.sweep().checked == 0
    [(recipient, subject)] = town.mails()
    assert recipient == "sergey.lebedev@town.example"
    assert subject.startswith(f"[#{town.number}] Reminder: registration due 02.03.2026 10:00")


def test_the_executor_is_reminded_once_assigned():
    town = Town()
    town.change(
        lambda c: lifecycle.assign(c, "ex-ivan", "roads", actor=EXECUTOR.actor, at=town.clock.now())
    )
    town.at(2026, 3, 2, 15, 0).check()
    recipients = {recipient for recipient, _ in town.mails()}
    assert recipients == {"ivan.sokolov@town.example"}


def test_a_breach_is_recorded_on_the_card_and_the_workflow_takes_the_chain():
    town = Town()
    town.at(2026, 3, 2, 10, 1)
    result = town.check()
    assert result.breaches == ("registration",)
    _card, history = town.cards.get_with_history(town.number)
    missed = [e for e in history if e.action == Action.DEADLINE_MISSED]
    assert len(missed) == 1
    assert not missed[0].is_public
    assert "registration deadline" in missed[0].internal_note.text  # type: ignore[union-attr]
    [escalation] = town.escalations.started.values()
    assert (escalation.timer, escalation.breached_at) == ("registration", msk(2026, 3, 2, 10, 0))
    assert escalation.controller_at == msk(2026, 3, 3, 10, 0)
    # The manager's breach notice is the workflow's to send; the check only checks on it later.
    assert not [s for _, s in town.mails() if "Deadline missed" in s]
    assert result.next_check == msk(2026, 3, 2, 10, 15)
    # A second check records nothing twice and starts nothing twice.
    again = town.check()
    assert again.breaches == ()
    assert again.escalations == ()
    assert len(town.escalations.started) == 1
    week = sla_review.iso_week(msk(2026, 3, 2, 10, 0), POLICIES.mail.timezone)
    assert [b.number for b in town.breaches.week(week)] == [town.number]


def test_the_workflow_steps_tell_the_manager_then_the_controller_once_each():
    town = Town()
    town.at(2026, 3, 2, 10, 1).check()
    assert town.step(TimerKind.REGISTRATION, NoticeStep.BREACHED) == StepOutcome.SENT
    assert town.step(TimerKind.REGISTRATION, NoticeStep.BREACHED) == StepOutcome.ALREADY_SENT
    # Woken before the controller's moment (a working day after the breach): not yet.
    assert town.at(2026, 3, 2, 17, 0).step(TimerKind.REGISTRATION, NoticeStep.ESCALATED) == (
        StepOutcome.NOT_DUE
    )
    assert town.at(2026, 3, 3, 10, 0).step(TimerKind.REGISTRATION, NoticeStep.ESCALATED) == (
        StepOutcome.SENT
    )
    subjects = [(r, s.split("]")[1].split("—")[0].strip()) for r, s in town.mails()]
    assert ("sergey.lebedev@town.example", "Deadline missed: registration") in subjects
    assert (
        "elena.morozova@town.example",
        "Escalation: registration deadline missed a working day ago",
    ) in subjects
    # The sweep after the workflow's grace finds both steps sent and sends neither again.
    town.at(2026, 3, 3, 10, 20).sweep()
    registration = sorted(
        k.rsplit("#", 1)[1] for k in town.notices.sent(town.number) if "#registration#" in k
    )
    assert registration == ["breached", "escalated"]
    assert [r for r, s in town.mails() if "Escalation" in s] == ["elena.morozova@town.example"]


def test_the_sweep_sends_a_chain_step_the_workflow_did_not():
    town = Town()
    town.at(2026, 3, 2, 10, 1).check()  # workflow started; say it never ran
    assert not [s for _, s in town.mails() if "Deadline missed" in s]
    town.at(2026, 3, 2, 10, 15).sweep()
    assert [r for r, s in town.mails() if "Deadline missed" in s] == ["sergey.lebedev@town.example"]
    # The late workflow step now finds it sent.
    assert town.step(TimerKind.REGISTRATION, NoticeStep.BREACHED) == StepOutcome.ALREADY_SENT


def test_a_chain_stops_when_the_deadline_is_met_meanwhile():
    town = Town()
    town.at(2026, 3, 2, 10, 1).check()
    town.step(TimerKind.REGISTRATION, NoticeStep.BREACHED)
    town.at(2026, 3, 2, 11, 0).change(
        lambda c: lifecycle.assign(c, "ex-ivan", "roads", actor=EXECUTOR.actor, at=town.clock.now())
    )
    assert town.at(2026, 3, 3, 10, 0).step(TimerKind.REGISTRATION, NoticeStep.ESCALATED) == (
        StepOutcome.STOPPED
    )
    assert not [s for _, s in town.mails() if "Escalation" in s]


def test_closing_a_card_cancels_its_timer_and_takes_it_off_the_index():
    town = Town()
    town.check()
    town.at(2026, 3, 2, 9, 10).change(
        lambda c: lifecycle.transition(
            c, Status.CLOSED, D, actor=MANAGER.actor, at=town.clock.now()
        )
    )
    assert town.due_now() == [town.number]  # the change itself makes it due
    assert town.sweep().checked == 1
    assert town.scheduler.timers == {}
    assert town.cards.due(msk(2027, 1, 1, 0, 0), limit=10).numbers == []
    town.at(2026, 3, 20, 9, 0).sweep()
    assert town.mails() == []


def test_waiting_for_the_requester_moves_the_timers():
    town = Town()
    town.change(
        lambda c: lifecycle.assign(c, "ex-ivan", "roads", actor=EXECUTOR.actor, at=town.clock.now())
    )
    town.change(
        lambda c: lifecycle.transition(
            c, Status.IN_PROGRESS, D, actor=EXECUTOR.actor, at=town.clock.now()
        )
    )
    town.at(2026, 3, 2, 9, 5).change(
        lambda c: lifecycle.transition(
            c, Status.AWAITING_REQUESTER, D, actor=EXECUTOR.actor, at=town.clock.now()
        )
    )
    # Registration and first reply are met; decision and closure are paused: what is ahead is
    # the wait's own reminder to the requester, no deadline.
    waiting = town.check().next_check
    card, history = town.cards.get_with_history(town.number)
    reminder, _ = requester_waits.moments(card, history, POLICIES.deadlines.waiting, CALENDAR)
    assert reminder.step == WaitStep.REMINDER
    assert waiting == reminder.at
    town.at(2026, 3, 12, 9, 0).change(
        lambda c: lifecycle.requester_message(
            c, "The entrance is from the yard", actor=EXECUTOR.actor, at=town.clock.now()
        )
    )
    resumed = town.check().next_check
    # The decision clock runs again from 12 March with the 3 working days it had left.
    assert resumed is not None
    assert resumed > msk(2026, 3, 12, 9, 0)
    assert town.mails() == []


def test_a_failed_send_is_not_lost_the_next_check_sends_it():
    town = Town(mailer=FlakyMailer(failures=1))
    town.check()
    town.at(2026, 3, 2, 9, 31)
    report = town.sweep()
    assert report.failed == [town.number]
    assert report.sent == 0
    assert town.due_now() == [town.number]  # still due: the sweep will try again
    assert town.sweep().sent == 1
    assert len(town.mails()) == 1


def test_one_failing_card_does_not_stop_the_sweep():
    town = Town()
    other = town.new_card(subject="Broken bench in the park", category="parks.trees")

    original = town.cards.get_with_history

    def broken(number: str):
        if number == town.number:
            raise RuntimeError("corrupt item")
        return original(number)

    town.cards.get_with_history = broken  # type: ignore[method-assign]
    report = town.sweep()
    assert report.failed == [town.number]
    assert report.checked == 1
    assert town.cards.due(town.clock.now(), limit=10).numbers == [town.number]
    assert town.scheduler.timers.keys() == {other}


def test_a_staff_change_at_the_breach_instant_is_kept_and_the_breach_still_recorded():
    town = Town()
    original_save = town.cards.save
    raced = []

    def save_after_a_colleague(card, entry):
        if entry.action == Action.DEADLINE_MISSED and not raced:
            raced.append(True)
            town.change(
                lambda c: lifecycle.comment(
                    c, "Calling the road crew", public=False, actor=EXECUTOR.actor, at=c.updated_at
                )
            )
        return original_save(card, entry)

    town.cards.save = save_after_a_colleague  # type: ignore[method-assign]
    town.at(2026, 3, 2, 10, 1).check()
    _, history = town.cards.get_with_history(town.number)
    assert [e.action for e in history][-2:] == [Action.COMMENTED, Action.DEADLINE_MISSED]


def test_repeated_breaches_are_listed_by_category_for_the_week():
    town = Town()
    second = town.new_card(subject="Another pothole")
    third = town.new_card(subject="Bench", category="parks.trees")
    town.at(2026, 3, 2, 10, 5).sweep()
    groups = sla_review.repeated_breaches("2026-W10", breaches=town.breaches, directory=DIRECTORY)
    # Each card missed registration; roads.potholes twice (two cards), parks.trees once.
    assert [(g.category, g.count, g.numbers) for g in groups] == [
        ("roads.potholes", 2, tuple(sorted((town.number, second))))
    ]
    assert third not in groups[0].numbers
    sent = sla_review.send_weekly_review(
        "2026-W10",
        breaches=town.breaches,
        directory=DIRECTORY,
        mailer=town.mailer,
        templates=InMemoryTemplates(town.clock.now),
        policy=POLICIES.mail,
        now=town.clock.now(),
    )
    assert sent == 1
    review = message_from_bytes(town.mailer.sent[-1].raw, policy=default)
    assert review["To"] == "elena.morozova@town.example"
    assert "Roads › Potholes: 2 missed deadlines" in review.get_body(("plain",)).get_content()


def test_managers_see_the_review_of_their_departments_only():
    town = Town()
    town.new_card(subject="Another pothole")
    town.new_card(subject="Dark street", category="lighting.streetlight_out")
    town.new_card(subject="Dark street again", category="lighting.streetlight_out")
    town.at(2026, 3, 2, 10, 5).sweep()
    seen = sla_review.review_for(
        MANAGER, "2026-W10", breaches=town.breaches, directory=DIRECTORY, locale="en"
    )
    everything = sla_review.review_for(
        CONTROLLER, "2026-W10", breaches=town.breaches, directory=DIRECTORY, locale="en"
    )
    assert {g.category for g in seen} == {"roads.potholes"}
    assert {g.category for g in everything} == {"roads.potholes", "lighting.streetlight_out"}


@pytest.mark.parametrize("week", ["2026-47", "2026-W54", "W47", "2026-W00", ""])
def test_a_bad_week_is_refused_naming_the_field(week: str):
    from chalicelib.domain.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as error:
        sla_review.repeated_breaches(week, breaches=InMemoryBreachLog(), directory=DIRECTORY)
    assert error.value.problems[0].field == "week"


def test_notices_carry_no_personal_data_of_the_requester():
    town = Town()
    town.at(2026, 3, 2, 10, 20).check()
    town.at(2026, 3, 4, 10, 30).sweep()
    assert town.mailer.sent
    for mail in town.mailer.sent:
        raw = mail.raw.decode("utf-8", "replace")
        for private in ("Anna", "anna@example.org", "900 000", "Lenina 5"):
            assert private not in raw


def test_with_no_workflow_running_the_sweep_alone_delivers_every_step_once():
    town = Town()
    sent = 0
    for _ in range(60):  # every 30 minutes until Tuesday 15:00
        town.clock.advance(timedelta(minutes=30))
        sent += town.sweep().sent
    subjects = [s for _, s in town.mails()]
    assert sent == len(subjects) == len(town.notices.sent(town.number))
    assert len(subjects) == len(set(subjects))
    for expected in (
        "Reminder: registration due 02.03.2026 10:00",
        "Reminder: first reply due 02.03.2026 18:00 (52% used)",
        "Deadline missed",
        "Escalation: registration deadline missed a working day ago",
    ):
        assert any(expected in s for s in subjects), expected


def test_a_check_that_catches_up_sends_one_reminder_per_timer():
    town = Town()
    town.check()
    # Nobody looked between 9:00 and 9:50: the 50% and 80% registration steps are both due.
    town.at(2026, 3, 2, 9, 50)
    assert len(town.check().sent) == 1
    [(_, subject)] = town.mails()
    assert "registration" in subject
    assert "(83% used)" in subject
    steps = sorted(k.rsplit("#", 1)[1] for k in town.notices.sent(town.number))
    assert steps == ["half_used", "mostly_used"]  # the earlier step never follows
    assert town.at(2026, 3, 2, 9, 55).check().sent == ()
