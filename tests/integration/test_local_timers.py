"""The local stack's timer thread plays EventBridge and Step Functions against moto: schedules
the checks set are fired when their moment comes, the sweep runs every five minutes of town
time, escalation chains play the state machine's steps. Driven tick by tick, with a manual clock.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.memory_mail import RecordingMailer
from infrastructure.local.resources import ensure_resources
from infrastructure.local.timers import AcceleratedClock, DeadlineTimers, LocalEscalations
from tests.factories import submit
from tests.unit.test_sla import msk
from tests.unit.test_sla_watch import POLICIES

GROUP = "civicdesk-local-deadlines"


@pytest.fixture
def local(aws, settings, directory):
    import boto3

    settings = dataclasses.replace(
        settings,
        schedule_group=GROUP,
        timer_function_arn="arn:aws:lambda:eu-central-1:123456789012:function:timer",
        scheduler_role_arn="arn:aws:iam::123456789012:role/scheduler",
        timer_dead_letter_arn="arn:aws:sqs:eu-central-1:123456789012:failures",
    )
    scheduler = boto3.client("scheduler")
    ensure_resources(settings, dynamodb=aws["dynamodb"], s3=aws["s3"], scheduler=scheduler)
    ensure_resources(settings, dynamodb=aws["dynamodb"], s3=aws["s3"], scheduler=scheduler)
    clock = ManualClock(msk(2026, 3, 2, 9, 0))
    escalations = LocalEscalations()
    mailer = RecordingMailer()
    container = bootstrap.build(
        settings,
        dynamodb_client=aws["dynamodb"],
        scheduler_client=scheduler,
        clock=clock,
        directory=directory,
        mailer=mailer,
        escalations=escalations,
        sla_policy=POLICIES.deadlines,
        mail_policy=POLICIES.mail,
    )
    bootstrap.use(container)
    timers = DeadlineTimers(
        scheduler_client=scheduler, group=GROUP, escalations=escalations, clock=clock
    )
    yield timers, clock, container, mailer, scheduler
    bootstrap.use(None)


def _schedules(scheduler) -> list[str]:
    return [s["Name"] for s in scheduler.list_schedules(GroupName=GROUP)["Schedules"]]


def test_schedules_fire_at_their_moment_and_chains_play_out(local, directory):
    timers, clock, container, mailer, scheduler = local
    number = submit(container.cards, clock, directory).card.number
    first = timers.tick()
    assert first.swept
    assert first.reviewed == "2026-W09"  # Monday 9:00 Moscow is 06:00 UTC: last week reviewed
    reviews = len(mailer.sent)
    assert _schedules(scheduler) == [f"card-{number}"]  # set by the sweep's check: 9:30
    clock.advance(timedelta(minutes=29))
    assert timers.tick().timers == []
    clock.advance(timedelta(minutes=1))
    fired = timers.tick()
    assert fired.timers == [number]
    assert not fired.swept  # five minutes of town time have not passed since the last sweep
    assert len(mailer.sent) - reviews == 1  # the 50% reminder
    assert _schedules(scheduler) == [f"card-{number}"]  # moved on to the 80% moment
    clock.advance(timedelta(minutes=31))  # 10:01: the registration deadline is missed
    breach = timers.tick()
    assert breach.timers == [number]
    # The check starts the chain and the same tick plays its first step: the manager is told.
    # The controller waits for a working day after the breach.
    assert [(step, outcome) for _, step, outcome in breach.steps] == [("breached", "sent")]
    assert timers.tick().steps == []
    clock.advance(timedelta(days=1))
    controller = timers.tick()
    assert ("escalated", "sent") in [(step, outcome) for _, step, outcome in controller.steps]
    recipients = [m.recipient for m in mailer.sent[reviews:]]
    assert recipients.count("elena.morozova@town.example") == 1


def test_a_chain_whose_deadline_was_met_stops_before_the_controller(local, directory):
    from chalicelib.domain import lifecycle
    from tests.factories import EXECUTOR

    timers, clock, container, _mailer, _ = local
    number = submit(container.cards, clock, directory).card.number
    clock.advance(timedelta(hours=1, minutes=1))

    # 10:01: the card's check finds the breach and starts the chain (what its timer would do).
    container.sla.check_card(number)
    card = container.cards.get(number)
    change = lifecycle.assign(card, "ex-ivan", "roads", actor=EXECUTOR.actor, at=clock.now())
    container.cards.save(change.card, change.entry)  # registration met, late
    steps = timers.tick().steps
    assert [(step, outcome) for _, step, outcome in steps] == [("breached", "stopped")]
    clock.advance(timedelta(days=2))
    assert timers.tick().steps == []
    sent = container.notices.sent(number)
    assert not [k for k in sent if k.endswith("#registration#escalated")]
    assert [k for k in sent if k.endswith("#first_reply#escalated")]  # that one did escalate


def test_the_weekly_review_runs_once_on_monday_morning(local):
    timers, clock, *_ = local
    clock.set(datetime(2026, 3, 9, 5, 59, tzinfo=UTC))
    assert timers.tick().reviewed is None
    clock.set(datetime(2026, 3, 9, 6, 0, tzinfo=UTC))
    assert timers.tick().reviewed == "2026-W10"
    clock.advance(timedelta(hours=3))
    assert timers.tick().reviewed is None


def test_accelerated_town_time_runs_faster_and_resumes_where_it_was(tmp_path):
    state = tmp_path / "town-time.json"
    start = datetime(2030, 1, 1, tzinfo=UTC)
    clock = AcceleratedClock(3600, start=start, state=state)
    first = clock.now()
    assert first >= start
    clock.save()
    resumed = AcceleratedClock.resume(3600, state)
    assert resumed.now() >= first  # never backwards across a restart
    with pytest.raises(ValueError, match="1 or more"):
        AcceleratedClock(0.5, start=start)


def test_the_nightly_export_runs_at_start_unless_today_s_snapshot_is_written(local):
    from chalicelib.services.exports import NIGHTLY_PREFIX

    _, clock, container, _, scheduler = local

    started: list[str] = []

    def first_tick() -> bool:
        timers = DeadlineTimers(
            scheduler_client=scheduler,
            group=GROUP,
            escalations=LocalEscalations(),
            clock=clock,
            nightly_export=lambda: started.append("export"),
        )
        return timers.tick().exported

    today = clock.now().astimezone(container.settings.timezone).date().isoformat()
    status = f"{NIGHTLY_PREFIX}/status/snapshot={today}.json"
    container.export_store.put_json(status, {"status": "running"})
    assert first_tick() is True  # not done yet: a start runs it
    container.export_store.put_json(status, {"status": "done"})
    assert first_tick() is False  # a restart the same day does not export the town again
    assert started == ["export"]
