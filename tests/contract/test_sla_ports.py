"""One contract for the deadline watch's ports: NoticeLog, BreachLog (in-memory and DynamoDB),
TimerScheduler and EscalationWorkflow (in-memory and EventBridge Scheduler / Step Functions,
all under moto)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.dynamodb_sla import DynamoBreachLog, DynamoNoticeLog
from chalicelib.adapters.eventbridge_scheduler import (
    EventBridgeTimerScheduler,
    TimerTarget,
    at_expression,
    schedule_name,
)
from chalicelib.adapters.memory_sla import (
    InMemoryBreachLog,
    InMemoryEscalations,
    InMemoryNoticeLog,
    InMemoryTimerScheduler,
)
from chalicelib.ports import BreachRecord, EscalationStart
from tests.conftest import AWS_FIXTURES

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KEY = "2026-000001#2026-03-02T09:00:00+00:00#registration#half_used"


@pytest.fixture(params=["memory", "dynamodb", "local-stack"])
def notices(request, settings):
    if request.param == "memory":
        return InMemoryNoticeLog()
    return DynamoNoticeLog(
        request.getfixturevalue(AWS_FIXTURES[request.param])["dynamodb"], settings.table_name
    )


@pytest.fixture(params=["memory", "dynamodb", "local-stack"])
def breaches(request, settings):
    if request.param == "memory":
        return InMemoryBreachLog()
    return DynamoBreachLog(
        request.getfixturevalue(AWS_FIXTURES[request.param])["dynamodb"], settings.table_name
    )


def test_a_notice_is_claimed_by_one_sender_under_concurrency(notices):
    wins: list[bool] = []
    barrier = threading.Barrier(4)

    def send() -> None:
        barrier.wait()
        wins.append(notices.claim("2026-000001", KEY, at=AT))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False, False, False, True]
    assert notices.sent("2026-000001") == frozenset({KEY})
    assert notices.sent("2026-000002") == frozenset()


def test_a_released_claim_can_be_taken_again(notices):
    assert notices.claim("2026-000001", KEY, at=AT)
    notices.release("2026-000001", KEY)
    assert notices.sent("2026-000001") == frozenset()
    assert notices.claim("2026-000001", KEY, at=AT)


def test_a_key_of_another_card_is_refused(notices):
    with pytest.raises(ValueError, match="not of card"):
        notices.claim("2026-000002", KEY, at=AT)


def test_breaches_come_back_by_week_and_recording_twice_is_once(breaches):
    one = BreachRecord("2026-000001", "roads.potholes", "roads", "registration", AT)
    other = BreachRecord("2026-000002", "parks.trees", "parks", "decision", AT)
    breaches.record("2026-W10", one)
    breaches.record("2026-W10", one)
    breaches.record("2026-W10", other)
    breaches.record("2026-W11", other)
    assert sorted(breaches.week("2026-W10"), key=lambda b: b.number) == [one, other]
    assert breaches.week("2026-W11") == [other]
    assert breaches.week("2026-W12") == []


# --- EventBridge Scheduler ----------------------------------------------------------------


@pytest.fixture
def scheduler_client(aws):
    import boto3

    client = boto3.client("scheduler")
    client.create_schedule_group(Name="civicdesk-deadlines")
    return client


@pytest.fixture(params=["memory", "scheduler"])
def timers(request):
    if request.param == "memory":
        return InMemoryTimerScheduler(), None
    client = request.getfixturevalue("scheduler_client")
    target = TimerTarget(
        group="civicdesk-deadlines",
        function_arn="arn:aws:lambda:eu-central-1:123456789012:function:sla-timer",
        role_arn="arn:aws:iam::123456789012:role/scheduler",
        dead_letter_arn="arn:aws:sqs:eu-central-1:123456789012:timer-dlq",
    )
    return EventBridgeTimerScheduler(client, target), client


def _scheduled(timers, number):
    scheduler, client = timers
    if client is None:
        return scheduler.timers.get(number)
    try:
        schedule = client.get_schedule(Name=schedule_name(number), GroupName="civicdesk-deadlines")
    except client.exceptions.ResourceNotFoundException:
        return None
    return schedule


def test_a_timer_is_set_moved_and_cancelled(timers):
    scheduler, client = timers
    scheduler.set("2026-000001", AT + timedelta(minutes=30))
    scheduler.set("2026-000001", AT + timedelta(hours=2))  # moved, not a second timer
    found = _scheduled(timers, "2026-000001")
    if client is None:
        assert found == AT + timedelta(hours=2)
    else:
        assert found["ScheduleExpression"] == "at(2026-03-02T11:00:00)"
        assert found["ScheduleExpressionTimezone"] == "UTC"
        assert found["ActionAfterCompletion"] == "DELETE"
        assert json.loads(found["Target"]["Input"]) == {"number": "2026-000001"}
        assert found["Target"]["DeadLetterConfig"]["Arn"].endswith(":timer-dlq")
        names = [
            s["Name"] for s in client.list_schedules(GroupName="civicdesk-deadlines")["Schedules"]
        ]
        assert names == ["card-2026-000001"]
    scheduler.cancel("2026-000001")
    scheduler.cancel("2026-000001")  # cancelling what is gone is fine
    assert _scheduled(timers, "2026-000001") is None


def test_a_timer_never_fires_before_its_moment():
    assert at_expression(datetime(2026, 3, 2, 9, 30, 0, tzinfo=UTC)) == "at(2026-03-02T09:30:00)"
    assert at_expression(datetime(2026, 3, 2, 9, 30, 0, 1, tzinfo=UTC)) == "at(2026-03-02T09:31:00)"
    assert (
        at_expression(datetime(2026, 12, 31, 23, 59, 30, tzinfo=UTC)) == "at(2027-01-01T00:00:00)"
    )
    from zoneinfo import ZoneInfo

    msk = datetime(2026, 3, 2, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    assert at_expression(msk) == "at(2026-03-02T09:00:00)"


# --- Step Functions -----------------------------------------------------------------------

ESCALATION = EscalationStart(
    number="2026-000001",
    timer="registration",
    round_started_at=AT,
    breached_at=AT + timedelta(hours=1),
    controller_at=AT + timedelta(days=1, hours=1),
)


def test_an_escalation_starts_once_in_memory():
    workflow = InMemoryEscalations()
    assert workflow.start(ESCALATION)
    assert not workflow.start(ESCALATION)
    assert ESCALATION.name == "2026-000001-registration-20260302T090000Z"
